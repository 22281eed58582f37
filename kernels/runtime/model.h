// Read-only view of a .qbm file in memory. load() validates everything once (bounds,
// checksum, every layer's shapes, parameters and buffer sizes), so that execution never
// needs to check again and can never read or write outside the file or the arena.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/int8/tensor.h"
#include "kernels/runtime/qbm_format.h"
#include "kernels/runtime/status.h"

namespace qb::runtime {

struct TensorInfo {
  kernels::Shape shape;
  float scale = 0.0f;
  int32_t zero_point = 0;
  uint32_t arena_offset = 0;
  uint32_t bytes() const { return static_cast<uint32_t>(shape.elements()); }
};

struct BufferView {
  const uint8_t* data = nullptr;  // nullptr when the slot is empty
  uint32_t size = 0;
};

struct LayerInfo {
  qbm::Op op = qbm::Op::kConv2d;
  uint32_t input0 = qbm::kNone, input1 = qbm::kNone, output = qbm::kNone;
  BufferView buffers[qbm::kBufferSlots];
  int32_t params[qbm::kParamCount] = {};
  uint32_t scratch_offset = 0, scratch_size = 0;
};

// Whether one output channel of a weighted layer (conv, depthwise, pointwise, dense)
// stays an int32 for every input: |bias| + sum|w| x the largest |x - input zero point|,
// through the multiplier and shift, plus an output zero point. The loader refuses a layer
// where it does not; the model compiler sizes output scales with the same test.
bool channel_requantization_fits(int64_t abs_bias, int64_t sum_abs_weights, int32_t input_zero_point,
                                 int32_t multiplier, int32_t shift);

class Model {
 public:
  // data must stay alive and unchanged while the Model is used, and be 16-byte aligned.
  Status load(const uint8_t* data, size_t size);

  uint32_t tensor_count() const { return tensor_count_; }
  uint32_t layer_count() const { return layer_count_; }
  uint32_t arena_size() const { return arena_size_; }
  uint32_t input_tensor() const { return input_tensor_; }
  uint32_t output_tensor() const { return output_tensor_; }

  // Decoded on demand from the validated file; indices must be below the counts.
  TensorInfo tensor(uint32_t index) const;
  LayerInfo layer(uint32_t index) const;

 private:
  Status validate_layer(uint32_t index) const;

  const uint8_t* data_ = nullptr;
  uint32_t size_ = 0;
  uint32_t tensor_count_ = 0, tensor_table_ = 0;
  uint32_t layer_count_ = 0, layer_table_ = 0;
  uint32_t buffer_count_ = 0, buffer_table_ = 0;
  uint32_t arena_size_ = 0;
  uint32_t input_tensor_ = 0, output_tensor_ = 0;
};

}  // namespace qb::runtime
