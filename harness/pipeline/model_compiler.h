// Turns a calibrated float graph into an integer-only model: int8 weights (symmetric,
// per output channel), int32 biases, requantization multipliers and shifts, fused
// activation ranges, lookup tables.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "harness/model/model_spec.h"
#include "harness/pipeline/calibration.h"
#include "harness/suite/graph.h"

namespace qb::harness {

// Storage and work of one layer, as compiled.
struct LayerCost {
  int64_t macs = 0;               // multiply-accumulates (0 for ops without any)
  int64_t weight_bytes = 0;       // int8 weights
  int64_t bias_bytes = 0;         // int32 biases
  int64_t quant_param_bytes = 0;  // int32 multipliers and shifts, lookup tables
  int64_t activation_bytes = 0;   // the layer's int8 output tensor
};

struct CompiledModel {
  ModelSpec spec;  // tensor 0 is the model input, tensor i + 1 is node i's output
  std::vector<LayerCost> costs;  // one per node
  // One per node: the weight scales (one per output channel, or one per tensor); empty
  // for nodes without weights.
  std::vector<std::vector<float>> weight_scales;
};

// A convolution's or dense layer's integer constants as a model file already holds them:
// symmetric int8 weights in the node's filter layout, int32 biases at input x weight scale,
// and the weight scales (one per output channel, or one for the whole tensor).
struct QuantizedWeights {
  std::vector<int8_t> weights;
  std::vector<int32_t> bias;
  std::vector<float> scales;
};

// One node as an integer layer (tensor indices left to the caller). Weighted layers use
// `given` as it is when there is one, else quantize the node's float weights (per
// channel or per tensor, as the node says); weight_scales, when given, receives the
// scales used.
LayerSpec compile_layer(const Node& node, kernels::fp::QuantParams in, kernels::fp::QuantParams in2,
                        kernels::fp::QuantParams out, const QuantizedWeights* given,
                        std::vector<float>* weight_scales = nullptr);

LayerCost layer_cost(const Node& node, const LayerSpec& layer);

// A weighted layer whose observed output range is tiny next to what its weights, bias and
// input could produce (a ReLU that zeroes every calibration sample, all-zero or
// denormal weights beside a bias) needs a multiplier too large for the int32
// requantization path the kernels share, and no target would load it. Deployment
// converters rescale such a layer; so does this: its output scale grows (zero point
// kept) until every channel fits the runtime's own test, and the layers that keep their
// input's quantization follow. Layers that already fit are left exactly as calibrated.
void fit_requantization(const Graph& graph, Calibration* calibration);

// `given`, when present, holds one entry per node (empty for nodes without weights).
CompiledModel compile_model(const Graph& graph, const Calibration& calibration,
                            const std::vector<std::optional<QuantizedWeights>>* given = nullptr);

}  // namespace qb::harness
