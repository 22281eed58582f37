// A bare-metal Cortex-M target: the runner image on an emulated board under
// qemu-system-arm, host files through semihosting, exact instruction counts from the
// plugin, bytes from the image and the guest's stack measurement. cycles stay empty:
// QEMU models no timing.
#pragma once

#include "harness/targets/qemu_target.h"

namespace qb::harness {

class QemuSystemTarget : public QemuTarget {
 public:
  // Throws InputError when the row lacks what this kind needs.
  explicit QemuSystemTarget(TargetInfo info);

 protected:
  std::vector<std::string> command_line(const QemuLaunch& launch) const override;
  void measure_bytes(const ElfFile& image, const std::string& image_path, const RunRequest& request,
                     RunResult* result) const override;

 private:
  std::string machine_;
};

}  // namespace qb::harness
