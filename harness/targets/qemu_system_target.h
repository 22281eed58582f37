// A bare-metal Cortex-M target: the runner image on an emulated board under
// qemu-system-arm, host files through semihosting, exact instruction counts from the
// plugin, bytes from the image and the guest's stack measurement. cycles stay empty:
// QEMU models no timing.
#pragma once

#include "harness/targets/qemu_launch.h"
#include "harness/targets/target.h"

namespace qb::harness {

class QemuSystemTarget : public Target {
 public:
  // Throws InputError when the row lacks what this kind needs.
  explicit QemuSystemTarget(TargetInfo info);
  RunResult run(const RunRequest& request) override;

 private:
  TargetInfo info_;
  RunnerSpec spec_;
  std::string machine_;
};

}  // namespace qb::harness
