#include "harness/diagnostics/local_error.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "harness/model/aligned_bytes.h"
#include "harness/model/model_writer.h"
#include "kernels/float/quantize.h"
#include "kernels/runtime/interpreter.h"
#include "kernels/runtime/model.h"

namespace qb::harness {
namespace {

namespace fp = kernels::fp;

TensorSpec tensor_of(const kernels::Shape& shape, fp::QuantParams q) {
  return {{shape.n, shape.h, shape.w, shape.c}, q.scale, q.zero_point};
}

// The node's int8 layer alone on the quantized float input; nullopt if it will not run.
std::optional<double> one_layer(const ModelSpec& single, const std::vector<int8_t>& inputs,
                                int32_t samples, const std::vector<float>& reference,
                                fp::QuantParams out_q) {
  const std::vector<uint8_t> file = serialize_model(single);
  const AlignedBytes model_bytes(file);
  runtime::Model model;
  if (model.load(model_bytes.data(), file.size()) != runtime::Status::kOk) return std::nullopt;
  const AlignedBytes arena(model.arena_size());
  runtime::Interpreter interpreter;
  if (interpreter.init(&model, arena.data(), model.arena_size()) != runtime::Status::kOk) {
    return std::nullopt;
  }
  const size_t in_size = interpreter.input_bytes(), out_size = interpreter.output_bytes();
  if (inputs.size() < in_size * static_cast<size_t>(samples) ||
      reference.size() != out_size * static_cast<size_t>(samples)) {
    return std::nullopt;
  }
  double signal = 0.0, noise = 0.0;
  for (int32_t s = 0; s < samples; ++s) {
    std::memcpy(interpreter.input(), inputs.data() + in_size * static_cast<size_t>(s), in_size);
    interpreter.invoke();
    const float* f = reference.data() + out_size * static_cast<size_t>(s);
    for (size_t k = 0; k < out_size; ++k) {
      const double d = fp::dequantize(interpreter.output()[k], out_q);
      signal += static_cast<double>(f[k]) * f[k];
      noise += (f[k] - d) * (f[k] - d);
    }
  }
  if (noise == 0.0) return std::numeric_limits<double>::infinity();
  if (signal == 0.0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

}  // namespace

std::vector<std::optional<double>> local_sqnr_db(
    const Graph& graph, const Calibration& calibration, const CompiledModel& compiled,
    const std::vector<int8_t>& int8_inputs, int32_t samples,
    const std::vector<std::vector<float>>& float_outputs) {
  std::vector<std::optional<double>> result(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (node.inputs.size() != 1 || i >= compiled.spec.layers.size()) continue;
    const int32_t src = node.inputs[0];
    const bool from_input = src == kGraphInput;
    const fp::QuantParams in_q =
        from_input ? calibration.input : calibration.nodes[static_cast<size_t>(src)];
    const kernels::Shape in_shape =
        from_input ? graph.input_shape : graph.nodes[static_cast<size_t>(src)].output_shape;
    // The layer's own input: the model's quantized inputs, or the float outputs of the
    // layer before it quantized as the int8 model quantizes them.
    std::vector<int8_t> inputs;
    if (from_input) {
      inputs = int8_inputs;
    } else {
      const std::vector<float>& f = float_outputs[static_cast<size_t>(src)];
      inputs.resize(f.size());
      for (size_t k = 0; k < f.size(); ++k) inputs[k] = fp::quantize(f[k], in_q);
    }
    ModelSpec single;
    single.tensors = {tensor_of(in_shape, in_q), compiled.spec.tensors[i + 1]};
    LayerSpec layer = compiled.spec.layers[i];
    layer.input0 = 0;
    layer.input1 = runtime::qbm::kNone;
    layer.output = 1;
    layer.folded_bias.clear();  // serialize_model derives it for this file
    single.layers = {layer};
    single.input = 0;
    single.output = 1;
    try {
      result[i] = one_layer(single, inputs, samples, float_outputs[i], calibration.nodes[i]);
    } catch (const std::exception&) {
      // A layer the single-layer file cannot hold has no local figure.
    }
  }
  return result;
}

}  // namespace qb::harness
