// A suite's layer graph after shape inference and activation fusion: what the float
// reference executes and what calibration quantizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/suite/suite.h"
#include "kernels/int8/tensor.h"

namespace qb::harness {

inline constexpr int32_t kGraphInput = -1;  // a node input that is the model input

struct Node {
  LayerDef def;                 // relu/relu6 layers that followed it are folded into def.activation
  std::vector<int32_t> inputs;  // node indices, or kGraphInput
  kernels::Shape output_shape;
  kernels::Shape filter_shape;  // convolutions: [out_c, kh, kw, in_c] (depthwise [1, kh, kw, c]); dense: [out, 1, 1, in]
  std::vector<float> weights;   // generated, in filter_shape layout; empty for weightless ops
  std::vector<float> bias;      // one per output channel; empty for weightless ops
  // batch_norm: one per channel each.
  std::vector<float> gamma, beta, mean, variance;
  // A weighted layer with the batch_norm after it folded in (the int8 model's graph).
  bool batch_norm_folded = false;
};

// A weighted node's output channels.
inline size_t weight_channels(const Node& node) {
  return static_cast<size_t>(node.def.op == OpKind::kDepthwiseConv2d ? node.filter_shape.c
                                                                     : node.filter_shape.n);
}

// The output channel of a weighted node's flat weight `index`: the outermost dimension,
// except depthwise ([1, kh, kw, c]) where it is the innermost.
inline size_t weight_channel(const Node& node, size_t index) {
  const size_t channels = weight_channels(node);
  return node.def.op == OpKind::kDepthwiseConv2d ? index % channels
                                                 : index / (node.weights.size() / channels);
}

struct Graph {
  std::string suite_name;
  RangeChoice default_range;   // for nodes whose def.range is unset
  kernels::Shape input_shape;  // n = 1
  std::vector<Node> nodes;     // in execution order; the last node is the output
};

}  // namespace qb::harness
