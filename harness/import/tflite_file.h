// A .tflite file read whole, run through the flatbuffers Verifier, and copied into plain
// structs whose every index and size has been checked: the importer never touches the
// flatbuffer itself, so nothing later can read outside the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qb::harness {

// TensorFlow Lite tensor type codes that the importer tells apart (schema values).
enum class TfliteType : int8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUint8 = 3,
  kInt64 = 4,
  kInt16 = 7,
  kInt8 = 9,
};

const char* tflite_type_name(int8_t type);  // "INT8", "FLOAT32", ..., or "type N"

struct TfliteTensor {
  std::string name;
  int8_t type = 0;
  std::vector<int32_t> shape;    // every dimension >= 1, at most 2^31 - 1 elements
  std::vector<float> scale;      // empty when not quantized
  std::vector<int64_t> zero_point;
  int32_t quantized_dimension = 0;
  bool constant = false;         // backed by a non-empty buffer
  std::vector<uint8_t> data;     // the buffer's bytes (constants only)
  int64_t elements() const;
};

// TensorFlow Lite builtin operator codes the importer maps (schema values).
namespace tflite_op {
inline constexpr int32_t kAdd = 0;
inline constexpr int32_t kAveragePool2d = 1;
inline constexpr int32_t kConv2d = 3;
inline constexpr int32_t kDepthwiseConv2d = 4;
inline constexpr int32_t kDequantize = 6;
inline constexpr int32_t kFullyConnected = 9;
inline constexpr int32_t kMaxPool2d = 17;
inline constexpr int32_t kReshape = 22;
inline constexpr int32_t kSoftmax = 25;
inline constexpr int32_t kPad = 34;
inline constexpr int32_t kQuantize = 114;
}  // namespace tflite_op

// Options of the operators the importer maps, decoded from whichever options table the
// operator carries (the schema's defaults where it carries none).
struct TfliteOptions {
  bool same_padding = true;  // Padding SAME (0) is the schema default
  int32_t stride_h = 1, stride_w = 1;
  int32_t filter_h = 0, filter_w = 0;  // pools
  int32_t dilation_h = 1, dilation_w = 1;
  int32_t depth_multiplier = 0;
  int8_t activation = 0;  // ActivationFunctionType: 0 none, 1 relu, 3 relu6, others refused
  int8_t weights_format = 0;
  float beta = 1.0f;
};

struct TfliteOperator {
  int32_t code = 0;   // builtin operator code
  std::string name;   // e.g. "CONV_2D", a custom operator's own name
  std::vector<int32_t> inputs;   // tensor indices; -1 for an omitted optional input
  std::vector<int32_t> outputs;
  TfliteOptions options;
};

struct TfliteModel {
  std::string path;
  std::vector<TfliteTensor> tensors;
  std::vector<TfliteOperator> operators;  // in execution order
  std::vector<int32_t> inputs, outputs;   // the subgraph's
};

// Throws InputError with one line naming the file (and the tensor or operator) for
// anything unreadable, malformed, or outside what the format allows.
TfliteModel read_tflite(const std::string& path);

}  // namespace qb::harness
