#include "harness/pipeline/model_compiler.h"

#include "kernels/variant/offline.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#include "kernels/float/quantize.h"
#include "kernels/runtime/model.h"

namespace qb::harness {
namespace {

namespace fp = kernels::fp;
namespace qbm = runtime::qbm;

struct ChannelScales {
  std::vector<float> scale;  // one per output channel (or one, per tensor)
};

// Symmetric int8 weights in [-127, 127], zero point 0: one scale per output channel
// unless the suite asks for per-tensor, as the spec requires.
std::vector<int8_t> quantize_weights(const Node& node, bool per_channel, ChannelScales* scales) {
  const size_t channels = weight_channels(node);
  const size_t count = node.weights.size();
  auto channel_of = [&](size_t i) { return weight_channel(node, i); };

  std::vector<float> max_abs(per_channel ? channels : 1, 0.0f);
  for (size_t i = 0; i < count; ++i) {
    float& m = max_abs[per_channel ? channel_of(i) : 0];
    m = std::max(m, std::fabs(node.weights[i]));
  }
  scales->scale.resize(max_abs.size());
  for (size_t c = 0; c < max_abs.size(); ++c) {
    // An all-zero channel quantizes to zeros under any scale; 1.0 keeps the math finite. So
    // does a channel so small that its scale would not be a normal float (denormal
    // weights): it has no precision int8 could keep, and dividing by a denormal overflows.
    const float scale = max_abs[c] / 127.0f;
    scales->scale[c] = scale >= std::numeric_limits<float>::min() ? scale : 1.0f;
  }
  std::vector<int8_t> q(count);
  for (size_t i = 0; i < count; ++i) {
    const float s = scales->scale[per_channel ? channel_of(i) : 0];
    q[i] = static_cast<int8_t>(std::clamp(std::round(node.weights[i] / s), -127.0f, 127.0f));
  }
  return q;
}

// A bias as the accumulator holds it, clamped to +-2^30: a deployment converter clamps a
// bias that int32 cannot hold, and the bound leaves room for the largest sum of products
// the suite format allows (limits::kMaxFanIn taps of 255 x 127) and for folding the input
// zero point into it, so no kernel's int32 accumulator can overflow. Such a bias
// saturates the layer's output either way.
int32_t quantize_bias(float bias, double scale) {
  constexpr double kLimit = double{1 << 30};
  const double q = std::round(static_cast<double>(bias) / scale);
  if (std::isnan(q)) return 0;  // 0 / 0: no bias at all
  return static_cast<int32_t>(std::clamp(q, -kLimit, kLimit));
}

void activation_words(Activation act, fp::QuantParams out, LayerSpec* layer) {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  if (act == Activation::kRelu) lo = 0.0f;
  if (act == Activation::kRelu6) lo = 0.0f, hi = 6.0f;
  int32_t act_min = -128, act_max = 127;
  fp::activation_range(lo, hi, out, &act_min, &act_max);
  layer->params[qbm::param::kActMin] = act_min;
  layer->params[qbm::param::kActMax] = act_max;
}

void geometry_words(const LayerDef& def, LayerSpec* layer) {
  layer->params[qbm::param::kStrideH] = def.stride[0];
  layer->params[qbm::param::kStrideW] = def.stride[1];
  layer->params[qbm::param::kPadTop] = def.padding[0];
  layer->params[qbm::param::kPadLeft] = def.padding[2];
  layer->params[qbm::param::kKernelH] = def.kernel[0];
  layer->params[qbm::param::kKernelW] = def.kernel[1];
}

// Weights, bias and per-channel requantization of a convolution or dense layer: from the
// node's float weights, or as given (a model imported with its own quantization).
void weighted_layer(const Node& node, fp::QuantParams in, fp::QuantParams out, bool per_channel,
                    const QuantizedWeights* given, LayerSpec* layer,
                    std::vector<float>* weight_scales) {
  ChannelScales scales;
  if (given != nullptr) {
    layer->weights = given->weights;
    layer->bias = given->bias;
    scales.scale = given->scales;
  } else {
    layer->weights = quantize_weights(node, per_channel, &scales);
    const size_t channels = node.bias.size();
    layer->bias.resize(channels);
    for (size_t c = 0; c < channels; ++c) {
      const double s_w = scales.scale[per_channel ? c : 0];
      layer->bias[c] = quantize_bias(node.bias[c], static_cast<double>(in.scale) * s_w);
    }
  }
  // In double from the float scales, as TFLite derives them: input x weight / output.
  // Convolutions take one entry per output channel whatever the weights' scales: a
  // per-tensor scale repeats.
  const size_t entries = node.def.op == OpKind::kDense ? scales.scale.size() : weight_channels(node);
  for (size_t c = 0; c < entries; ++c) {
    const double real =
        static_cast<double>(in.scale) * scales.scale[scales.scale.size() == 1 ? 0 : c] / out.scale;
    const fp::QuantizedMultiplier m = fp::quantize_multiplier(real);
    layer->multiplier.push_back(m.multiplier);
    layer->shift.push_back(m.shift);
  }
  if (weight_scales != nullptr) *weight_scales = scales.scale;
}

qbm::Op op_code(OpKind op) {
  switch (op) {
    case OpKind::kConv2d: return qbm::Op::kConv2d;
    case OpKind::kDepthwiseConv2d: return qbm::Op::kDepthwiseConv2d;
    case OpKind::kPointwiseConv2d: return qbm::Op::kPointwiseConv2d;
    case OpKind::kDense: return qbm::Op::kDense;
    case OpKind::kAdd: return qbm::Op::kAdd;
    case OpKind::kMaxPool2d: return qbm::Op::kMaxPool2d;
    case OpKind::kAvgPool2d: return qbm::Op::kAvgPool2d;
    case OpKind::kGlobalAvgPool2d: return qbm::Op::kGlobalAvgPool2d;
    case OpKind::kPad: return qbm::Op::kPad;
    case OpKind::kSigmoid: return qbm::Op::kLookupTable;
    case OpKind::kSoftmax: return qbm::Op::kSoftmax;
    case OpKind::kReshape: return qbm::Op::kReshape;
    case OpKind::kRelu:
    case OpKind::kRelu6:
    case OpKind::kBatchNorm: break;
  }
  throw std::logic_error("unfused activation or batch_norm layer in graph");
}

TensorSpec tensor_spec(const kernels::Shape& shape, fp::QuantParams q) {
  return {{shape.n, shape.h, shape.w, shape.c}, q.scale, q.zero_point};
}

}  // namespace

LayerSpec compile_layer(const Node& node, fp::QuantParams in, fp::QuantParams in2,
                        fp::QuantParams out, const QuantizedWeights* given,
                        std::vector<float>* weight_scales) {
  const LayerDef& def = node.def;
  LayerSpec layer;
  layer.op = op_code(def.op);
  activation_words(def.activation, out, &layer);
  switch (def.op) {
    case OpKind::kConv2d:
    case OpKind::kPointwiseConv2d:
    case OpKind::kDepthwiseConv2d:
      geometry_words(def, &layer);
      weighted_layer(node, in, out, def.per_channel, given, &layer, weight_scales);
      break;
    case OpKind::kDense:
      weighted_layer(node, in, out, def.per_channel, given, &layer, weight_scales);
      layer.params[qbm::param::kPerChannel] = def.per_channel ? 1 : 0;
      break;
    case OpKind::kAdd: {
      float lo = -std::numeric_limits<float>::infinity();
      float hi = std::numeric_limits<float>::infinity();
      if (def.activation != Activation::kNone) lo = 0.0f;
      if (def.activation == Activation::kRelu6) hi = 6.0f;
      const kernels::AddParams p = fp::add_params(in, in2, out, lo, hi);
      layer.params[qbm::param::kInput1Multiplier] = p.input1_multiplier;
      layer.params[qbm::param::kInput1Shift] = p.input1_shift;
      layer.params[qbm::param::kInput2Multiplier] = p.input2_multiplier;
      layer.params[qbm::param::kInput2Shift] = p.input2_shift;
      layer.params[qbm::param::kOutputMultiplier] = p.output_multiplier;
      layer.params[qbm::param::kOutputShift] = p.output_shift;
      layer.params[qbm::param::kLeftShift] = p.left_shift;
      layer.params[qbm::param::kActMin] = p.act_min;
      layer.params[qbm::param::kActMax] = p.act_max;
      break;
    }
    case OpKind::kMaxPool2d:
    case OpKind::kAvgPool2d:
      geometry_words(def, &layer);
      break;
    case OpKind::kGlobalAvgPool2d:
    case OpKind::kReshape:
      break;
    case OpKind::kPad:
      layer.params[qbm::param::kPadTop] = def.padding[0];
      layer.params[qbm::param::kPadBottom] = def.padding[1];
      layer.params[qbm::param::kPadLeft] = def.padding[2];
      layer.params[qbm::param::kPadRight] = def.padding[3];
      break;
    case OpKind::kSigmoid: {
      layer.table.resize(256);
      fp::build_lookup_table([](double x) { return 1.0 / (1.0 + std::exp(-x)); }, in, out,
                             layer.table.data());
      break;
    }
    case OpKind::kSoftmax: {
      const kernels::SoftmaxParams p = fp::softmax_params(def.beta, in.scale);
      layer.params[qbm::param::kSoftmaxMultiplier] = p.input_multiplier;
      layer.params[qbm::param::kSoftmaxLeftShift] = p.input_left_shift;
      layer.params[qbm::param::kSoftmaxDiffMin] = p.diff_min;
      break;
    }
    case OpKind::kRelu:
    case OpKind::kRelu6:
    case OpKind::kBatchNorm:
      throw std::logic_error("unfused activation or batch_norm layer in graph: " + def.name);
  }
  return layer;
}

LayerCost layer_cost(const Node& node, const LayerSpec& layer) {
  LayerCost cost;
  const kernels::Shape& os = node.output_shape;
  const kernels::Shape& fs = node.filter_shape;
  switch (node.def.op) {
    case OpKind::kConv2d:
    case OpKind::kPointwiseConv2d:
      cost.macs = int64_t{os.elements()} * fs.h * fs.w * fs.c;
      break;
    case OpKind::kDepthwiseConv2d:
      cost.macs = int64_t{os.elements()} * fs.h * fs.w;
      break;
    case OpKind::kDense:
      cost.macs = int64_t{fs.n} * fs.c;
      break;
    default:
      break;
  }
  cost.weight_bytes = static_cast<int64_t>(layer.weights.size());
  // The plain bias and its folded twin (added by serialize_model): both ship in the model.
  cost.bias_bytes = static_cast<int64_t>(2 * layer.bias.size() * sizeof(int32_t));
  cost.quant_param_bytes =
      static_cast<int64_t>((layer.multiplier.size() + layer.shift.size()) * sizeof(int32_t) +
                           layer.table.size());
  cost.activation_bytes = os.elements();
  return cost;
}

namespace {

bool has_weights(OpKind op) {
  return op == OpKind::kConv2d || op == OpKind::kPointwiseConv2d || op == OpKind::kDepthwiseConv2d ||
         op == OpKind::kDense;
}

// How far the layer's worst channel is beyond the requantization bound (1.0 or less: fits),
// estimated from its real multiplier; +inf when the runtime's test fails but the estimate
// says nothing (a saturated multiplier).
double requantization_excess(const Node& node, const LayerSpec& layer, fp::QuantParams in) {
  const size_t channels = layer.bias.size();
  if (channels == 0) return 1.0;
  const size_t taps = layer.weights.size() / channels;
  const bool depthwise = node.def.op == OpKind::kDepthwiseConv2d;
  const double v_max = std::max(128.0 + in.zero_point, 127.0 - in.zero_point);
  double excess = 1.0;
  for (size_t c = 0; c < channels; ++c) {
    int64_t sum = 0;
    for (size_t t = 0; t < taps; ++t) sum += std::abs(int{layer.weights[depthwise ? t * channels + c : c * taps + t]});
    const size_t q = layer.multiplier.size() == 1 ? 0 : c;
    const int32_t m = layer.multiplier[q], sh = layer.shift[q];
    const int64_t abs_bias = std::abs(int64_t{layer.bias[c]});
    if (runtime::channel_requantization_fits(abs_bias, sum, in.zero_point, m, sh)) continue;
    const double real = std::ldexp(static_cast<double>(m), sh - 31);
    const double worst = (static_cast<double>(abs_bias) + static_cast<double>(sum) * v_max) * real;
    const bool saturated = sh == 30 && m == std::numeric_limits<int32_t>::max();
    excess = std::max(excess, saturated ? std::numeric_limits<double>::infinity() : worst / double{1 << 30});
  }
  return excess;
}

}  // namespace

void fit_requantization(const Graph& graph, Calibration* calibration) {
  auto qparams_of = [&](int32_t node_input) {
    return node_input == kGraphInput ? calibration->input : calibration->nodes[static_cast<size_t>(node_input)];
  };
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    fp::QuantParams& out = calibration->nodes[i];
    if (keeps_input_quantization(node.def.op)) {
      out = qparams_of(node.inputs.at(0));
      continue;
    }
    if (!has_weights(node.def.op)) continue;
    const fp::QuantParams in = qparams_of(node.inputs.at(0));
    // Each step at least doubles the scale, never past the largest float (a layer that
    // does not fit even then is refused when the model is written); 300 steps cover any.
    constexpr double kLargest = std::numeric_limits<float>::max();
    for (int step = 0; step < 300; ++step) {
      const double excess = requantization_excess(node, compile_layer(node, in, in, out, nullptr), in);
      if (excess <= 1.0 || out.scale >= kLargest) break;
      const double grown = static_cast<double>(out.scale) * std::max(2.0, std::min(excess, 1e30) * 1.01);
      out.scale = static_cast<float>(std::min(grown, kLargest));
    }
  }
}

CompiledModel compile_model(const Graph& graph, const Calibration& calibration,
                            const std::vector<std::optional<QuantizedWeights>>* given) {
  if (calibration.nodes.size() != graph.nodes.size() ||
      (given != nullptr && given->size() != graph.nodes.size())) {
    throw std::invalid_argument("compile_model: calibration does not match the graph");
  }
  CompiledModel result;
  ModelSpec& spec = result.spec;
  spec.tensors.push_back(tensor_spec(graph.input_shape, calibration.input));
  auto tensor_of = [](int32_t node_input) { return static_cast<uint32_t>(node_input + 1); };
  auto qparams_of = [&](int32_t node_input) {
    return node_input == kGraphInput ? calibration.input
                                     : calibration.nodes[static_cast<size_t>(node_input)];
  };

  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    const fp::QuantParams in = qparams_of(node.inputs.at(0));
    const fp::QuantParams in2 = node.inputs.size() > 1 ? qparams_of(node.inputs[1]) : in;
    const fp::QuantParams out = calibration.nodes[i];
    spec.tensors.push_back(tensor_spec(node.output_shape, out));
    const QuantizedWeights* w =
        given != nullptr && (*given)[i].has_value() ? &*(*given)[i] : nullptr;
    result.weight_scales.emplace_back();
    LayerSpec layer = compile_layer(node, in, in2, out, w, &result.weight_scales.back());
    layer.input0 = tensor_of(node.inputs.at(0));
    if (node.def.op == OpKind::kAdd) layer.input1 = tensor_of(node.inputs.at(1));
    layer.output = static_cast<uint32_t>(i + 1);
    result.costs.push_back(layer_cost(node, layer));
    spec.layers.push_back(std::move(layer));
  }
  spec.input = 0;
  spec.output = static_cast<uint32_t>(graph.nodes.size());
  return result;
}

}  // namespace qb::harness
