// Test support: small .tflite models built in memory with the flatc-generated builders.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "harness/import/tflite_subset_generated.h"

namespace qb::harness::testing::tflite_builder {

namespace fb = qb::tflite;

// Well-formed .tflite files built with the generated builders: small models for tests, to
// be imported as they are or made hostile one field at a time. Buffer 0 is the empty buffer that non-constant tensors point at, as in TFLite.

struct BuiltTensor {
  std::string name;
  std::vector<int32_t> shape;
  fb::TensorType type = fb::TensorType::INT8;
  uint32_t buffer = 0;
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t quantized_dimension = 0;
};

using OptionsFn =
    std::function<std::pair<fb::BuiltinOptions, flatbuffers::Offset<void>>(flatbuffers::FlatBufferBuilder&)>;

struct BuiltOperator {
  uint32_t opcode_index = 0;
  std::vector<int32_t> inputs, outputs;
  OptionsFn options;
};

struct BuiltModel {
  std::vector<fb::BuiltinOperator> codes;
  std::vector<std::vector<uint8_t>> buffers{{}};
  std::vector<BuiltTensor> tensors;
  std::vector<BuiltOperator> operators;
  std::vector<int32_t> inputs, outputs;
  int subgraphs = 1;
  int misaligned_zero_points = -1;  // a tensor whose int64 zero points start 4 bytes off 8

  uint32_t add_buffer(std::vector<uint8_t> data) {
    buffers.push_back(std::move(data));
    return static_cast<uint32_t>(buffers.size() - 1);
  }

  std::string bytes() const {
    flatbuffers::FlatBufferBuilder b;
    std::vector<flatbuffers::Offset<fb::Buffer>> buffer_offsets;
    for (const auto& data : buffers) buffer_offsets.push_back(fb::CreateBufferDirect(b, data.empty() ? nullptr : &data));
    std::vector<flatbuffers::Offset<fb::Tensor>> tensor_offsets;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const BuiltTensor& t = tensors[i];
      flatbuffers::Offset<fb::QuantizationParameters> q = 0;
      if (static_cast<int>(i) == misaligned_zero_points) {
        // Pushed by hand as 32-bit words, back to front, so that only 4-byte alignment
        // applies. The finished buffer's size is a multiple of 16 (the constants'
        // alignment), so elements an odd number of words from the end are 4 bytes off 8.
        b.Align(sizeof(uint32_t));
        if (b.GetSize() % 8 == 0) b.PushElement<uint32_t>(0);
        for (auto z = t.zero_point.rbegin(); z != t.zero_point.rend(); ++z) {
          b.PushElement(static_cast<uint32_t>(static_cast<uint64_t>(*z) >> 32));
          b.PushElement(static_cast<uint32_t>(static_cast<uint64_t>(*z)));
        }
        const flatbuffers::Offset<flatbuffers::Vector<int64_t>> zero_point(
            b.PushElement(static_cast<flatbuffers::uoffset_t>(t.zero_point.size())));
        q = fb::CreateQuantizationParameters(b, 0, 0, b.CreateVector(t.scale), zero_point,
                                             fb::QuantizationDetails::NONE, 0, t.quantized_dimension);
      } else if (!t.scale.empty() || !t.zero_point.empty()) {
        q = fb::CreateQuantizationParametersDirect(b, nullptr, nullptr, &t.scale, &t.zero_point,
                                                   fb::QuantizationDetails::NONE, 0, t.quantized_dimension);
      }
      tensor_offsets.push_back(fb::CreateTensorDirect(b, &t.shape, t.type, t.buffer, t.name.c_str(), q));
    }
    std::vector<flatbuffers::Offset<fb::Operator>> operator_offsets;
    for (const BuiltOperator& o : operators) {
      std::pair<fb::BuiltinOptions, flatbuffers::Offset<void>> options{fb::BuiltinOptions::NONE, 0};
      if (o.options) options = o.options(b);
      operator_offsets.push_back(
          fb::CreateOperatorDirect(b, o.opcode_index, &o.inputs, &o.outputs, options.first, options.second));
    }
    const auto graph = fb::CreateSubGraphDirect(b, &tensor_offsets, &inputs, &outputs, &operator_offsets, "main");
    const std::vector<flatbuffers::Offset<fb::SubGraph>> graphs(static_cast<size_t>(subgraphs), graph);
    std::vector<flatbuffers::Offset<fb::OperatorCode>> code_offsets;
    for (fb::BuiltinOperator code : codes) {
      const auto value = static_cast<int32_t>(code);
      code_offsets.push_back(fb::CreateOperatorCode(b, static_cast<int8_t>(std::min(value, 127)), 0, 1, code));
    }
    fb::FinishModelBuffer(
        b, fb::CreateModelDirect(b, 3, &code_offsets, &graphs, "qbench test model", &buffer_offsets));
    return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
  }
};

inline std::vector<uint8_t> int8_bytes(std::initializer_list<int8_t> values) {
  std::vector<uint8_t> out;
  for (int8_t v : values) out.push_back(static_cast<uint8_t>(v));
  return out;
}

template <typename T>
inline std::vector<uint8_t> raw_bytes(const std::vector<T>& values) {
  std::vector<uint8_t> out(values.size() * sizeof(T));
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

inline OptionsFn fully_connected_options(fb::ActivationFunctionType activation = fb::ActivationFunctionType::NONE) {
  return [activation](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::BuiltinOptions::FullyConnectedOptions,
                          fb::CreateFullyConnectedOptions(b, activation).Union());
  };
}

inline OptionsFn conv_options(fb::Padding padding, int32_t stride) {
  return [=](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::BuiltinOptions::Conv2DOptions,
                          fb::CreateConv2DOptions(b, padding, stride, stride).Union());
  };
}

// int8 [1,4] -> FULLY_CONNECTED (weights [3,4], bias [3]) -> int8 [1,3].
// Tensors: 0 input, 1 weights, 2 bias, 3 output.
inline BuiltModel dense_model() {
  BuiltModel m;
  m.codes = {fb::BuiltinOperator::FULLY_CONNECTED};
  const uint32_t weights = m.add_buffer(int8_bytes({1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -127}));
  const uint32_t bias = m.add_buffer(raw_bytes(std::vector<int32_t>{10, -20, 30}));
  m.tensors = {
      {"input", {1, 4}, fb::TensorType::INT8, 0, {0.5f}, {0}},
      {"weights", {3, 4}, fb::TensorType::INT8, weights, {0.1f}, {0}},
      {"bias", {3}, fb::TensorType::INT32, bias, {0.05f}, {0}},
      {"output", {1, 3}, fb::TensorType::INT8, 0, {0.25f}, {-1}},
  };
  m.operators = {{0, {0, 1, 2}, {3}, fully_connected_options()}};
  m.inputs = {0};
  m.outputs = {3};
  return m;
}

// The dense model followed by SOFTMAX into tensor 4 (scale 1/256, zero point -128).
inline BuiltModel dense_softmax_model() {
  BuiltModel m = dense_model();
  m.codes.push_back(fb::BuiltinOperator::SOFTMAX);
  m.tensors.push_back({"probs", {1, 3}, fb::TensorType::INT8, 0, {1.0f / 256.0f}, {-128}});
  m.operators.push_back({1, {3}, {4}, [](flatbuffers::FlatBufferBuilder& b) {
                           return std::make_pair(fb::BuiltinOptions::SoftmaxOptions,
                                                 fb::CreateSoftmaxOptions(b, 1.0f).Union());
                         }});
  m.outputs = {4};
  return m;
}

// int8 [1,4,4,2] -> CONV_2D 3x3 SAME stride 1 (per-channel weights [3,3,3,2]) -> [1,4,4,3].
inline BuiltModel conv_model() {
  BuiltModel m;
  m.codes = {fb::BuiltinOperator::CONV_2D};
  std::vector<uint8_t> weights(3 * 3 * 3 * 2);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<uint8_t>(static_cast<int8_t>(int(i % 19) - 9));
  const uint32_t w = m.add_buffer(weights);
  const uint32_t bias = m.add_buffer(raw_bytes(std::vector<int32_t>{1, 2, 3}));
  m.tensors = {
      {"input", {1, 4, 4, 2}, fb::TensorType::INT8, 0, {0.5f}, {3}},
      {"weights", {3, 3, 3, 2}, fb::TensorType::INT8, w, {0.1f, 0.2f, 0.3f}, {0, 0, 0}, 0},
      {"bias", {3}, fb::TensorType::INT32, bias, {0.05f, 0.1f, 0.15f}, {0, 0, 0}},
      {"output", {1, 4, 4, 3}, fb::TensorType::INT8, 0, {0.75f}, {-5}},
  };
  m.operators = {{0, {0, 1, 2}, {3}, conv_options(fb::Padding::SAME, 1)}};
  m.inputs = {0};
  m.outputs = {3};
  return m;
}

}  // namespace qb::harness::testing::tflite_builder
