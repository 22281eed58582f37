#include "harness/pipeline/batch_norm_folding.h"

#include <cmath>
#include <stdexcept>

namespace qb::harness {
namespace {

void fold_into(Node& layer, const Node& bn) {
  const size_t channels = weight_channels(layer);
  if (bn.gamma.size() != channels || layer.bias.size() != channels) {
    throw std::logic_error("fold_batch_norms: " + bn.def.name + " does not match " + layer.def.name);
  }
  std::vector<double> factor(channels);
  for (size_t k = 0; k < channels; ++k) {
    const bool dead = bn.def.zero_variance_as_dead && bn.variance[k] == 0.0f;
    factor[k] = dead ? 0.0
                     : static_cast<double>(bn.gamma[k]) /
                           std::sqrt(static_cast<double>(bn.variance[k]) + bn.def.epsilon);
  }
  for (size_t i = 0; i < layer.weights.size(); ++i) {
    layer.weights[i] = static_cast<float>(layer.weights[i] * factor[weight_channel(layer, i)]);
  }
  for (size_t k = 0; k < channels; ++k) {
    layer.bias[k] = static_cast<float>((static_cast<double>(layer.bias[k]) - bn.mean[k]) * factor[k] +
                                       bn.beta[k]);
  }
  layer.def.activation = bn.def.activation;
  if (bn.def.range) layer.def.range = bn.def.range;
  layer.batch_norm_folded = true;
}

}  // namespace

Graph fold_batch_norms(const Graph& graph, std::vector<int32_t>* float_source) {
  Graph folded;
  folded.suite_name = graph.suite_name;
  folded.default_range = graph.default_range;
  folded.input_shape = graph.input_shape;
  float_source->clear();
  std::vector<int32_t> new_index(graph.nodes.size(), kGraphInput);
  const auto remap = [&](int32_t old) { return old == kGraphInput ? kGraphInput : new_index[static_cast<size_t>(old)]; };
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (node.def.op == OpKind::kBatchNorm) {
      // The graph builder checked: the layer before is weighted, has no activation and
      // feeds only this batch_norm.
      const int32_t target = remap(node.inputs.at(0));
      fold_into(folded.nodes[static_cast<size_t>(target)], node);
      new_index[i] = target;
      (*float_source)[static_cast<size_t>(target)] = static_cast<int32_t>(i);
      continue;
    }
    Node copy = node;
    for (int32_t& input : copy.inputs) input = remap(input);
    folded.nodes.push_back(std::move(copy));
    new_index[i] = static_cast<int32_t>(folded.nodes.size() - 1);
    float_source->push_back(static_cast<int32_t>(i));
  }
  return folded;
}

}  // namespace qb::harness
