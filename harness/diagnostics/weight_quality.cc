#include "harness/diagnostics/weight_quality.h"

#include <algorithm>
#include <cmath>


namespace qb::harness {

WeightQuality weight_quality(const Node& node, const std::vector<int8_t>& weights,
                             const std::vector<float>& scales) {
  WeightQuality quality;
  if (node.weights.empty() || scales.empty() || weights.size() != node.weights.size()) {
    return quality;
  }
  const size_t channels = weight_channels(node);
  if (channels == 0 || (scales.size() != 1 && scales.size() != channels)) return quality;

  double signal = 0.0, noise = 0.0;
  std::vector<double> range(channels, 0.0);
  for (size_t i = 0; i < weights.size(); ++i) {
    const size_t c = weight_channel(node, i);
    const double w = node.weights[i];
    // In float, as an importer dequantizes: weights that are int8 values times their scale
    // then show no noise at all.
    const double dequantized = scales[scales.size() == 1 ? 0 : c] * static_cast<float>(weights[i]);
    signal += w * w;
    noise += (w - dequantized) * (w - dequantized);
    range[c] = std::max(range[c], std::fabs(w));
  }
  if (signal > 0.0 && noise > 0.0) quality.sqnr_db = 10.0 * std::log10(signal / noise);

  // Over the live channels: an all-zero channel loses nothing to any scale.
  std::vector<double> live;
  for (double r : range) {
    if (r > 0.0) live.push_back(r);
  }
  if (live.empty()) return quality;
  // The median of an even count is the upper of the two middle values: a range, not an
  // average of two.
  const size_t middle = live.size() / 2;
  std::nth_element(live.begin(), live.begin() + static_cast<std::ptrdiff_t>(middle), live.end());
  const double median = live[middle];
  const double largest = *std::max_element(live.begin(), live.end());
  quality.range_spread = largest / median;
  return quality;
}

}  // namespace qb::harness
