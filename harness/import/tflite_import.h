// Maps a verified TensorFlow Lite graph onto qbench's layers: one graph node per operator
// (QUANTIZE / DEQUANTIZE at the model's edges aside, which the host does), with shapes,
// padding and fused activations as TFLite defines them. An int8 file also yields its own
// quantization (scales, zero points, int8 weights, int32 biases), so the compiled model
// computes exactly what TensorFlow Lite Micro computes on it; a float file yields the
// float graph that serves as the reference.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/pipeline/calibration.h"
#include "harness/pipeline/model_compiler.h"
#include "harness/suite/graph.h"

namespace qb::harness {

struct ImportedModel {
  std::string path;
  bool quantized = false;  // int8 activations (else float32)
  // Float view of the network: for an int8 file its weights and biases dequantized.
  Graph graph;
  // int8 files: the file's scales and zero points, and each weighted node's constants.
  Calibration quant;
  std::vector<std::optional<QuantizedWeights>> weights;
  // Per node: the index and name of the TFLite operator it came from.
  std::vector<int32_t> operator_index;
  std::vector<std::string> operator_name;
  // The file's own edges: a float input quantized by its first operator, a float output
  // dequantized by its last (the host does both; neither is a layer).
  bool quantize_at_input = false;
  bool dequantize_at_output = false;
};

// Throws InputError: one line naming the file and, where it applies, the operator index,
// its name and what is supported.
ImportedModel import_tflite(const std::string& path);

// Checks that `float_model` is the same network as `int8_model` (node by node: op, shapes,
// geometry, activation); throws InputError naming the first difference.
void check_same_network(const ImportedModel& int8_model, const ImportedModel& float_model);

}  // namespace qb::harness
