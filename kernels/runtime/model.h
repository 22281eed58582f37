// Read-only view of a .qbm file in memory. load() validates everything once (bounds,
// checksum, every layer's shapes, parameters and buffer sizes), so that execution never
// needs to check again and can never read or write outside the file or the arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

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

class Model;

// The interpreter's reads of a validated file, on every layer of every inference: one
// layer's record read in place, only the fields an op needs (Model::layer decodes them
// all), each with one aligned word load (the file is 16-byte aligned, every record field
// word-aligned, and the interpreter requires a little-endian target).
class LayerRecord {
 public:
  LayerRecord(const Model& model, uint32_t index);

  qbm::Op op() const { return static_cast<qbm::Op>(word(qbm::layer::kOp)); }
  uint32_t input0() const { return word(qbm::layer::kInput0); }
  uint32_t input1() const { return word(qbm::layer::kInput1); }
  uint32_t output() const { return word(qbm::layer::kOutput); }
  int32_t param(uint32_t i) const { return static_cast<int32_t>(word(qbm::layer::kParams + 4 * i)); }
  // The data of a buffer slot, or nullptr when the slot is empty.
  const uint8_t* buffer(uint32_t slot) const;
  uint32_t scratch_offset() const { return word(qbm::layer::kScratchOffset); }
  uint32_t scratch_size() const { return word(qbm::layer::kScratchSize); }

 private:
  uint32_t word(uint32_t offset) const {
    uint32_t v;
    std::memcpy(&v, record_ + offset, 4);
    return v;
  }
  const Model* model_;
  const uint8_t* record_;
};

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

  // The same for the interpreter's hot path: word loads in place (see LayerRecord).
  TensorInfo tensor_fast(uint32_t index) const {
    const uint8_t* record = data_ + tensor_table_ + index * qbm::kTensorRecordSize;
    TensorInfo info;
    static_assert(sizeof(kernels::Shape) == 16, "a tensor record's dims are n, h, w, c");
    std::memcpy(&info.shape, record + qbm::tensor::kDims, sizeof(kernels::Shape));
    std::memcpy(&info.scale, record + qbm::tensor::kScale, 4);
    std::memcpy(&info.zero_point, record + qbm::tensor::kZeroPoint, 4);
    std::memcpy(&info.arena_offset, record + qbm::tensor::kArenaOffset, 4);
    return info;
  }

 private:
  friend class LayerRecord;
  Status validate_layer(uint32_t index) const;

  const uint8_t* data_ = nullptr;
  uint32_t size_ = 0;
  uint32_t tensor_count_ = 0, tensor_table_ = 0;
  uint32_t layer_count_ = 0, layer_table_ = 0;
  uint32_t buffer_count_ = 0, buffer_table_ = 0;
  uint32_t arena_size_ = 0;
  uint32_t input_tensor_ = 0, output_tensor_ = 0;
};

inline LayerRecord::LayerRecord(const Model& model, uint32_t index)
    : model_(&model), record_(model.data_ + model.layer_table_ + index * qbm::kLayerRecordSize) {}

inline const uint8_t* LayerRecord::buffer(uint32_t slot) const {
  const uint32_t b = word(qbm::layer::kBuffers + 4 * slot);
  if (b == qbm::kNone) return nullptr;
  const uint8_t* entry = model_->data_ + model_->buffer_table_ + b * qbm::kBufferRecordSize;
  uint32_t offset;
  std::memcpy(&offset, entry + qbm::buffer::kOffset, 4);
  return model_->data_ + offset;
}

}  // namespace qb::runtime
