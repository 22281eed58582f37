// Writes the layout of kernels/runtime/qbm_format.h, checksummed with the runtime's own
// crc32, and proves the result by loading it with the runtime's own Model::load: the
// writer never emits a file that the target would refuse.
#include "harness/model/model_writer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "harness/model/arena_planner.h"
#include "kernels/runtime/crc32.h"
#include "kernels/runtime/model.h"
#include "kernels/variant/offline.h"

namespace qb::harness {
namespace {

namespace qbm = runtime::qbm;
using qbm::Op;

[[noreturn]] void fail(const std::string& message, std::optional<size_t> layer = std::nullopt) {
  throw ModelSpecError("serialize_model: " + message, layer);
}

std::string layer_name(size_t index, Op op) {
  static const char* const kNames[qbm::kOpCount] = {
      "?",           "conv2d",     "depthwise_conv2d", "pointwise_conv2d",  "dense",
      "add",         "max_pool2d", "avg_pool2d",       "global_avg_pool2d", "pad",
      "lookup_table", "softmax", "reshape"};
  const auto code = static_cast<uint32_t>(op);
  return "layer " + std::to_string(index) + " (" +
         (code < qbm::kOpCount ? kNames[code] : "op " + std::to_string(code)) + ")";
}

uint64_t align_up(uint64_t value) {
  return (value + qbm::kAlignment - 1) / qbm::kAlignment * qbm::kAlignment;
}

void put_u32(std::vector<uint8_t>& out, uint64_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<uint8_t>(value >> (8 * i));
}
void put_u16(std::vector<uint8_t>& out, uint64_t at, uint16_t value) {
  out[at] = static_cast<uint8_t>(value);
  out[at + 1] = static_cast<uint8_t>(value >> 8);
}
void put_i32(std::vector<uint8_t>& out, uint64_t at, int32_t value) {
  put_u32(out, at, static_cast<uint32_t>(value));
}

// The bytes one slot holds, in file order (little-endian int32s).
std::vector<uint8_t> slot_bytes(const LayerSpec& layer, uint32_t slot) {
  std::vector<uint8_t> bytes;
  auto int32s = [&](const std::vector<int32_t>& values) {
    bytes.resize(values.size() * 4);
    for (size_t i = 0; i < values.size(); ++i) {
      for (int k = 0; k < 4; ++k) {
        bytes[4 * i + k] = static_cast<uint8_t>(static_cast<uint32_t>(values[i]) >> (8 * k));
      }
    }
  };
  auto int8s = [&](const std::vector<int8_t>& values) {
    bytes.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i) bytes[i] = static_cast<uint8_t>(values[i]);
  };
  switch (slot) {
    case qbm::kWeights:
      int8s(layer.weights);
      break;
    case qbm::kBias:
      int32s(layer.bias);
      break;
    case qbm::kMultiplier:
      int32s(layer.multiplier);
      break;
    case qbm::kShift:
      int32s(layer.shift);
      break;
    case qbm::kTable:
      int8s(layer.table);
      break;
    case qbm::kAux:
      int32s(layer.folded_bias);
      break;
    default:
      break;
  }
  return bytes;
}

// a * b for non-negative factors, saturated far above any size a spec can hold.
int64_t product(int64_t a, int64_t b) {
  constexpr int64_t kCap = int64_t{1} << 48;
  if (a <= 0 || b <= 0) return 0;
  return a > kCap / b ? kCap : std::min(a * b, kCap);
}

// Entries each slot must hold for this layer (0: the slot must be empty).
void expected_entries(const ModelSpec& model, size_t index, uint64_t entries[qbm::kBufferSlots]) {
  const LayerSpec& layer = model.layers[index];
  const auto& in = model.tensors[layer.input0].dims;
  const auto& out = model.tensors[layer.output].dims;
  const int64_t kh = layer.params[qbm::param::kKernelH];
  const int64_t kw = layer.params[qbm::param::kKernelW];
  for (uint32_t s = 0; s < qbm::kBufferSlots; ++s) entries[s] = 0;
  int64_t weights = -1, channels = 0, requants = 0;
  switch (layer.op) {
    case Op::kConv2d:
      weights = product(product(product(out[3], kh), kw), in[3]);
      channels = requants = out[3];
      break;
    case Op::kDepthwiseConv2d:
      weights = product(product(kh, kw), out[3]);
      channels = requants = out[3];
      break;
    case Op::kPointwiseConv2d:
      weights = int64_t{out[3]} * in[3];
      channels = requants = out[3];
      break;
    case Op::kDense:
      weights = product(out[3], int64_t{in[1]} * in[2] * in[3]);
      channels = out[3];
      requants = layer.params[qbm::param::kPerChannel] != 0 ? out[3] : 1;
      break;
    case Op::kLookupTable:
      entries[qbm::kTable] = 256;
      break;
    default:
      break;
  }
  if ((layer.op == Op::kConv2d || layer.op == Op::kDepthwiseConv2d) && (kh < 1 || kw < 1)) {
    fail(layer_name(index, layer.op) + ": kernel size " + std::to_string(kh) + "x" +
         std::to_string(kw) + " must be at least 1x1");
  }
  if (weights >= 0) {
    entries[qbm::kWeights] = static_cast<uint64_t>(weights);
    entries[qbm::kBias] = static_cast<uint64_t>(channels);
    entries[qbm::kMultiplier] = static_cast<uint64_t>(requants);
    entries[qbm::kShift] = static_cast<uint64_t>(requants);
    entries[qbm::kAux] = static_cast<uint64_t>(channels);
  }
}

void check_spec(const ModelSpec& model) {
  const size_t tensor_count = model.tensors.size();
  if (tensor_count == 0) fail("the model has no tensors");
  for (size_t t = 0; t < tensor_count; ++t) {
    const TensorSpec& tensor = model.tensors[t];
    for (int32_t d : tensor.dims) {
      if (d < 1)
        fail("tensor " + std::to_string(t) + " has a dimension " + std::to_string(d) + " below 1");
    }
    if (tensor.elements() > std::numeric_limits<int32_t>::max()) {
      fail("tensor " + std::to_string(t) + " has more than 2^31 - 1 elements");
    }
    if (tensor.zero_point < -128 || tensor.zero_point > 127) {
      fail("tensor " + std::to_string(t) + " has zero point " + std::to_string(tensor.zero_point) +
           " outside [-128, 127]");
    }
  }
  if (model.input >= tensor_count) fail("the model input is not a tensor index");
  if (model.output >= tensor_count) fail("the model output is not a tensor index");

  std::vector<bool> available(tensor_count, false);
  available[model.input] = true;
  for (size_t i = 0; i < model.layers.size(); ++i) {
    const LayerSpec& layer = model.layers[i];
    const auto code = static_cast<uint32_t>(layer.op);
    if (code == 0 || code >= qbm::kOpCount) fail(layer_name(i, layer.op) + ": unknown op");
    const std::string name = layer_name(i, layer.op);
    auto check_input = [&](uint32_t t, const char* which) {
      if (t >= tensor_count) fail(name + ": " + which + " is not a tensor index");
      if (!available[t]) {
        fail(name + ": " + which + " (tensor " + std::to_string(t) +
             ") is neither the model input nor written by an earlier layer");
      }
    };
    check_input(layer.input0, "input0");
    if (layer.op == Op::kAdd) {
      check_input(layer.input1, "input1");
    } else if (layer.input1 != qbm::kNone) {
      fail(name + ": only add takes a second input");
    }
    if (layer.output >= tensor_count) fail(name + ": output is not a tensor index");
    if (layer.output == model.input) fail(name + ": writes the model input");
    if (available[layer.output]) {
      fail(name + ": output tensor " + std::to_string(layer.output) +
           " is already written by an earlier layer");
    }
    available[layer.output] = true;

    uint64_t entries[qbm::kBufferSlots];
    expected_entries(model, i, entries);
    static const char* const kSlotNames[qbm::kBufferSlots] = {"weights", "bias",  "multiplier",
                                                              "shift",   "table", "aux"};
    const size_t sizes[qbm::kBufferSlots] = {layer.weights.size(),    layer.bias.size(),
                                             layer.multiplier.size(), layer.shift.size(),
                                             layer.table.size(),      layer.folded_bias.size()};
    for (uint32_t s = 0; s < qbm::kBufferSlots; ++s) {
      if (sizes[s] != entries[s]) {
        fail(name + ": " + kSlotNames[s] + " has " + std::to_string(sizes[s]) +
             " entries, expected " + std::to_string(entries[s]));
      }
    }
  }
  if (!available[model.output]) fail("no layer writes the model output");
}

// Plans the arena and lays the file out; no judgement beyond what the layout needs.
std::vector<uint8_t> encode(const ModelSpec& model) {
  const ArenaPlan plan = plan_arena(model);

  const uint64_t tensor_count = model.tensors.size();
  const uint64_t layer_count = model.layers.size();
  struct Placed {
    uint64_t offset;
    std::vector<uint8_t> bytes;
  };
  std::vector<Placed> buffers;
  std::vector<std::array<uint32_t, qbm::kBufferSlots>> layer_buffers(layer_count);
  for (size_t i = 0; i < layer_count; ++i) {
    for (uint32_t s = 0; s < qbm::kBufferSlots; ++s) {
      std::vector<uint8_t> bytes = slot_bytes(model.layers[i], s);
      if (bytes.empty()) {
        layer_buffers[i][s] = qbm::kNone;
        continue;
      }
      layer_buffers[i][s] = static_cast<uint32_t>(buffers.size());
      buffers.push_back({0, std::move(bytes)});
    }
  }

  const uint64_t tensor_table = qbm::kHeaderSize;
  const uint64_t layer_table = tensor_table + tensor_count * qbm::kTensorRecordSize;
  const uint64_t buffer_table = layer_table + layer_count * qbm::kLayerRecordSize;
  uint64_t end = buffer_table + buffers.size() * qbm::kBufferRecordSize;
  for (Placed& buffer : buffers) {
    buffer.offset = align_up(end);
    end = buffer.offset + buffer.bytes.size();
  }
  if (end > std::numeric_limits<uint32_t>::max()) fail("the model exceeds 4 GiB");

  std::vector<uint8_t> file(end, 0);
  std::memcpy(file.data() + qbm::header::kMagic, qbm::kMagic, sizeof(qbm::kMagic));
  put_u16(file, qbm::header::kVersionMajor, qbm::kVersionMajor);
  put_u16(file, qbm::header::kVersionMinor, qbm::kVersionMinor);
  put_u32(file, qbm::header::kFileSize, static_cast<uint32_t>(end));
  put_u32(file, qbm::header::kHeaderSize, qbm::kHeaderSize);
  put_u32(file, qbm::header::kTensorCount, static_cast<uint32_t>(tensor_count));
  put_u32(file, qbm::header::kTensorTable, static_cast<uint32_t>(tensor_table));
  put_u32(file, qbm::header::kLayerCount, static_cast<uint32_t>(layer_count));
  put_u32(file, qbm::header::kLayerTable, static_cast<uint32_t>(layer_table));
  put_u32(file, qbm::header::kBufferCount, static_cast<uint32_t>(buffers.size()));
  put_u32(file, qbm::header::kBufferTable, static_cast<uint32_t>(buffer_table));
  put_u32(file, qbm::header::kArenaSize, plan.arena_bytes);
  put_u32(file, qbm::header::kInputTensor, model.input);
  put_u32(file, qbm::header::kOutputTensor, model.output);

  for (uint64_t t = 0; t < tensor_count; ++t) {
    const TensorSpec& tensor = model.tensors[t];
    const uint64_t at = tensor_table + t * qbm::kTensorRecordSize;
    for (uint32_t d = 0; d < 4; ++d) put_i32(file, at + qbm::tensor::kDims + 4 * d, tensor.dims[d]);
    put_u32(file, at + qbm::tensor::kScale, std::bit_cast<uint32_t>(tensor.scale));
    put_i32(file, at + qbm::tensor::kZeroPoint, tensor.zero_point);
    put_u32(file, at + qbm::tensor::kArenaOffset, plan.tensor_offsets[t]);
  }
  for (uint64_t i = 0; i < layer_count; ++i) {
    const LayerSpec& layer = model.layers[i];
    const uint64_t at = layer_table + i * qbm::kLayerRecordSize;
    put_u32(file, at + qbm::layer::kOp, static_cast<uint32_t>(layer.op));
    put_u32(file, at + qbm::layer::kInput0, layer.input0);
    put_u32(file, at + qbm::layer::kInput1, layer.input1);
    put_u32(file, at + qbm::layer::kOutput, layer.output);
    for (uint32_t s = 0; s < qbm::kBufferSlots; ++s) {
      put_u32(file, at + qbm::layer::kBuffers + 4 * s, layer_buffers[i][s]);
    }
    for (uint32_t k = 0; k < qbm::kParamCount; ++k) {
      put_i32(file, at + qbm::layer::kParams + 4 * k, layer.params[k]);
    }
    put_u32(file, at + qbm::layer::kScratchOffset,
            layer.scratch_bytes > 0 ? plan.scratch_offsets[i] : 0);
    put_u32(file, at + qbm::layer::kScratchSize, layer.scratch_bytes);
  }
  for (size_t b = 0; b < buffers.size(); ++b) {
    const uint64_t at = buffer_table + b * qbm::kBufferRecordSize;
    put_u32(file, at + qbm::buffer::kOffset, static_cast<uint32_t>(buffers[b].offset));
    put_u32(file, at + qbm::buffer::kSize, static_cast<uint32_t>(buffers[b].bytes.size()));
    std::memcpy(file.data() + buffers[b].offset, buffers[b].bytes.data(), buffers[b].bytes.size());
  }
  put_u32(file, qbm::header::kChecksum,
          runtime::crc32(file.data() + qbm::kChecksumStart, file.size() - qbm::kChecksumStart));

  return file;
}

runtime::Status runtime_verdict(const std::vector<uint8_t>& file) {
  // Model::load wants the file 16-byte aligned, which a std::vector does not promise.
  std::unique_ptr<uint8_t, void (*)(uint8_t*)> copy(
      static_cast<uint8_t*>(::operator new (file.size(), std::align_val_t{qbm::kAlignment})),
      [](uint8_t* p) { ::operator delete (p, std::align_val_t{qbm::kAlignment}); });
  std::memcpy(copy.get(), file.data(), file.size());
  runtime::Model model;
  return model.load(copy.get(), file.size());
}

// The work done once per model for the kernels (kernels/variant/offline.h): every
// weighted layer's folded bias, and the arena scratch every conv2d variant may use.
ModelSpec with_offline_data(const ModelSpec& spec) {
  ModelSpec model = spec;
  for (size_t i = 0; i < model.layers.size(); ++i) {
    LayerSpec& layer = model.layers[i];
    // Bad tensor indices are check_spec's to report.
    if (layer.input0 >= model.tensors.size() || layer.output >= model.tensors.size()) continue;
    uint64_t entries[qbm::kBufferSlots];
    expected_entries(model, i, entries);
    const int32_t channels = static_cast<int32_t>(entries[qbm::kAux]);
    // Malformed sizes are check_spec's to report.
    if (channels == 0 || layer.bias.size() != entries[qbm::kBias] ||
        layer.weights.size() != entries[qbm::kWeights] || layer.input0 >= model.tensors.size()) {
      continue;
    }
    const int32_t taps = static_cast<int32_t>(layer.weights.size() / entries[qbm::kBias]);
    const bool depthwise = layer.op == Op::kDepthwiseConv2d;
    layer.folded_bias.resize(static_cast<size_t>(channels));
    if (!kernels::fold_bias(layer.weights.data(), layer.bias.data(), channels, taps,
                            depthwise ? 1 : taps, depthwise ? channels : 1,
                            -model.tensors[layer.input0].zero_point, layer.folded_bias.data())) {
      fail(layer_name(i, layer.op) + ": bias plus zero point x weight sum overflows int32", i);
    }
    if (layer.op == Op::kConv2d) {
      const auto& in = model.tensors[layer.input0].dims;
      const uint32_t needed = kernels::conv_scratch_bytes(kernels::Shape{
          1, layer.params[qbm::param::kKernelH], layer.params[qbm::param::kKernelW], in[3]});
      layer.scratch_bytes = std::max(layer.scratch_bytes, needed);
    }
  }
  return model;
}

}  // namespace

std::vector<uint8_t> serialize_model(const ModelSpec& spec) {
  const ModelSpec model = with_offline_data(spec);
  check_spec(model);
  std::vector<uint8_t> file = encode(model);
  // The runtime is the final word (parameter ranges, window geometry, shapes per op,
  // accumulator headroom): refuse here what the target would refuse later.
  const runtime::Status status = runtime_verdict(file);
  if (status == runtime::Status::kOk) return file;
  // Name the first layer the runtime refuses: the shortest prefix of the model that fails.
  std::string where = "the model";
  std::optional<size_t> culprit;
  for (size_t i = 0; i < model.layers.size(); ++i) {
    ModelSpec prefix;
    prefix.tensors = model.tensors;
    prefix.layers.assign(model.layers.begin(),
                         model.layers.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    prefix.input = model.input;
    prefix.output = model.layers[i].output;
    if (runtime_verdict(encode(prefix)) != runtime::Status::kOk) {
      where = layer_name(i, model.layers[i].op);
      culprit = i;
      break;
    }
  }
  fail(where + ": the runtime rejects it (" + runtime::status_name(status) +
       "): parameters, window geometry, shapes or requantization out of range", culprit);
}

}  // namespace qb::harness
