// The host targets: the model runtime in this process, over the serialized model file
// exactly as an embedded runner receives it, with the kernel set the row names
// ("kernels": "reference", the default, or "avx2"). Measures wall time per layer.
#pragma once

#include <string>

#include "harness/targets/target.h"
#include "kernels/variant/kernel_set.h"

namespace qb::harness {

class HostTarget : public Target {
 public:
  // Throws InputError for an unknown "kernels" value and TargetError when this CPU or
  // build cannot run the named set.
  explicit HostTarget(const TargetInfo& info);
  HostTarget() : name_("host"), kernels_(&kernels::reference_kernels()) {}
  RunResult run(const RunRequest& request) override;
  bool runs_alone() const override { return true; }

 private:
  std::string name_;
  const kernels::KernelSet* kernels_;
};

}  // namespace qb::harness
