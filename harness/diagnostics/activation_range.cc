#include "harness/diagnostics/activation_range.h"

#include <algorithm>

namespace qb::harness {

double clip_percent(const std::vector<float>& values, kernels::fp::QuantParams q) {
  if (values.empty()) return 0.0;
  const double s = q.scale;
  // Within half a step of the range a value still rounds to -128 or 127 as it would anyway.
  const double lo = s * (-128.0 - q.zero_point) - 0.5 * s;
  const double hi = s * (127.0 - q.zero_point) + 0.5 * s;
  size_t clipped = 0;
  for (float v : values) clipped += (v < lo || v > hi) ? 1 : 0;
  return 100.0 * static_cast<double>(clipped) / static_cast<double>(values.size());
}

double range_used_percent(const std::vector<float>& values, kernels::fp::QuantParams q) {
  if (values.empty()) return 0.0;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return 100.0 * (static_cast<double>(*hi) - *lo) / (255.0 * q.scale);
}

}  // namespace qb::harness
