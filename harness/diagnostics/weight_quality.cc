#include "harness/diagnostics/weight_quality.h"

#include <algorithm>
#include <cmath>
#include <limits>


namespace qb::harness {

WeightQuality weight_quality(const Node& node, const std::vector<int8_t>& weights,
                             const std::vector<float>& scales) {
  WeightQuality quality;
  if (node.weights.empty() || scales.empty() || weights.size() != node.weights.size()) {
    return quality;
  }
  const size_t channels = weight_channels(node);
  if (channels == 0 || (scales.size() != 1 && scales.size() != channels)) return quality;

  std::vector<double> signal(channels, 0.0), noise(channels, 0.0), range(channels, 0.0);
  for (size_t i = 0; i < weights.size(); ++i) {
    const size_t c = weight_channel(node, i);
    const double w = node.weights[i];
    // In float, as an importer dequantizes: weights that are int8 values times their scale
    // then show no noise at all.
    const double dequantized = scales[scales.size() == 1 ? 0 : c] * static_cast<float>(weights[i]);
    signal[c] += w * w;
    noise[c] += (w - dequantized) * (w - dequantized);
    range[c] = std::max(range[c], std::fabs(w));
  }
  // The median live channel: one SQNR over the whole tensor would be the outsized
  // channels' (they hold the signal) and hide the typical channel's loss.
  std::vector<double> sqnr;
  bool exact = true;
  for (size_t c = 0; c < channels; ++c) {
    if (signal[c] == 0.0) continue;
    exact = exact && noise[c] == 0.0;
    sqnr.push_back(noise[c] == 0.0 ? std::numeric_limits<double>::infinity()
                                   : 10.0 * std::log10(signal[c] / noise[c]));
  }
  if (!sqnr.empty() && !exact) {
    const size_t middle = sqnr.size() / 2;
    std::nth_element(sqnr.begin(), sqnr.begin() + static_cast<std::ptrdiff_t>(middle), sqnr.end());
    quality.sqnr_db = sqnr[middle];
  }

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
