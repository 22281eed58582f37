// The host target: the model runtime in this process, over the serialized model file
// exactly as an embedded runner receives it. Measures wall time per layer.
#pragma once

#include "harness/targets/target.h"

namespace qb::harness {

class HostTarget : public Target {
 public:
  RunResult run(const RunRequest& request) override;
  bool runs_alone() const override { return true; }
};

}  // namespace qb::harness
