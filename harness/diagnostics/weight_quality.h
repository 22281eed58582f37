// How well a weighted layer's int8 weights keep its float weights, and why: the first of
// the per-layer quantization diagnostics.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "harness/suite/graph.h"

namespace qb::harness {

struct WeightQuality {
  // The median over output channels (those not all zero) of the channel's
  // 10 log10(sum w^2 / sum (w - s_c q)^2), w a float weight, q its int8 value and s_c the
  // channel's scale (or the tensor's), s_c q rounded to float: what the typical channel
  // keeps. Empty when the int8 weights are the float weights exactly (an imported int8
  // model without its float twin) or the weights are all zero.
  std::optional<double> sqnr_db;
  // The largest output channel's range (max |w|) over the median channel's, among the
  // channels that are not all zero: how much one per-tensor scale squeezes the typical
  // channel (1 for a single channel). Empty when every channel is all zero.
  std::optional<double> range_spread;
};

// For a node with float weights and the int8 weights and scales it was compiled with;
// nodes without weights get an empty WeightQuality.
WeightQuality weight_quality(const Node& node, const std::vector<int8_t>& weights,
                             const std::vector<float>& scales);

}  // namespace qb::harness
