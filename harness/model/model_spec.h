// An int8 model as the host builds it, before it is planned and serialized to .qbm.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/runtime/qbm_format.h"

namespace qb::harness {

struct TensorSpec {
  std::array<int32_t, 4> dims{1, 1, 1, 1};  // NHWC
  float scale = 1.0f;
  int32_t zero_point = 0;
  int64_t elements() const {
    return int64_t{dims[0]} * dims[1] * dims[2] * dims[3];
  }
};

struct LayerSpec {
  runtime::qbm::Op op = runtime::qbm::Op::kConv2d;
  uint32_t input0 = 0;
  uint32_t input1 = runtime::qbm::kNone;
  uint32_t output = 0;
  std::array<int32_t, runtime::qbm::kParamCount> params{};
  std::vector<int8_t> weights;
  std::vector<int32_t> bias;
  std::vector<int32_t> multiplier;
  std::vector<int32_t> shift;
  std::vector<int8_t> table;  // 256 entries for kLookupTable
  // Convolutions and dense: bias plus input offset x weight sums (kernels::fold_bias),
  // stored in the kAux slot so the fast kernels need not form it per inference.
  // serialize_model fills it (and conv2d's scratch_bytes); callers leave it empty.
  std::vector<int32_t> folded_bias;
  uint32_t scratch_bytes = 0;
};

// Layers run in the order given; a tensor is produced by at most one layer, and the
// model input by none.
struct ModelSpec {
  std::vector<TensorSpec> tensors;
  std::vector<LayerSpec> layers;
  uint32_t input = 0;
  uint32_t output = 0;
};

}  // namespace qb::harness
