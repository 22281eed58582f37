// Places activation tensors (and per-layer scratch) in one arena by lifetime, so the arena
// is the peak of simultaneously live bytes rather than the sum of all tensors.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/model/model_spec.h"

namespace qb::harness {

struct ArenaPlan {
  std::vector<uint32_t> tensor_offsets;   // one per tensor, 16-byte aligned
  std::vector<uint32_t> scratch_offsets;  // one per layer (0 where no scratch)
  uint32_t arena_bytes = 0;               // the plan's peak
  uint64_t unplanned_bytes = 0;           // sum of all sizes: what no planning would cost
};

// A tensor lives from the layer that writes it (or from the start, for the model input)
// to the last layer that reads it (or to the end, for the model output). Largest first,
// each at the lowest aligned offset not overlapping a tensor whose lifetime overlaps. A
// reshape's output shares its input's offset (one block, the union of their lifetimes).
ArenaPlan plan_arena(const ModelSpec& model);

}  // namespace qb::harness
