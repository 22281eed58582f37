// An AArch64 Linux target: the runner as a static Linux binary under qemu-aarch64 (user
// mode, -cpu from the row's qemu_cpu), host files through real system calls, exact
// instruction counts from the same plugin, bytes from the image and the guest's stack
// measurement. cycles stay empty: QEMU models no timing.
#pragma once

#include "harness/targets/qemu_target.h"

namespace qb::harness {

class QemuUserTarget : public QemuTarget {
 public:
  // Throws InputError when the row lacks what this kind needs.
  explicit QemuUserTarget(TargetInfo info);

 protected:
  std::vector<std::string> command_line(const QemuLaunch& launch) const override;
  void measure_bytes(const ElfFile& image, const std::string& image_path, const RunRequest& request,
                     RunResult* result) const override;

 private:
  std::string cpu_;
};

}  // namespace qb::harness
