#include "harness/pipeline/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace qb::harness {

ErrorMetrics error_metrics(const std::vector<float>& reference, const std::vector<int8_t>& actual,
                           kernels::fp::QuantParams q) {
  if (reference.size() != actual.size() || reference.empty()) {
    throw std::invalid_argument("error_metrics: tensors differ in size or are empty");
  }
  double signal = 0.0, noise = 0.0, max_err = 0.0;
  float lo = reference[0], hi = reference[0];
  for (size_t i = 0; i < reference.size(); ++i) {
    const double f = reference[i];
    const double d = kernels::fp::dequantize(actual[i], q);
    signal += f * f;
    noise += (f - d) * (f - d);
    max_err = std::max(max_err, std::fabs(f - d));
    lo = std::min(lo, reference[i]);
    hi = std::max(hi, reference[i]);
  }
  ErrorMetrics m;
  m.max_abs_err = max_err;
  if (noise == 0.0) {
    m.sqnr_db = std::numeric_limits<double>::infinity();
  } else if (signal == 0.0) {
    m.sqnr_db = -std::numeric_limits<double>::infinity();
  } else {
    m.sqnr_db = 10.0 * std::log10(signal / noise);
    // Only a dequantized value beyond double's range gets here (noise infinite): the int8
    // result is unusable, which -inf says; a report never holds NaN.
    if (std::isnan(m.sqnr_db)) m.sqnr_db = -std::numeric_limits<double>::infinity();
  }
  if (hi > lo) m.err_pct_range = 100.0 * max_err / (static_cast<double>(hi) - lo);
  return m;
}

int32_t decision(const float* values, int32_t count, float threshold) {
  if (count == 1) return values[0] > threshold ? 1 : 0;
  return static_cast<int32_t>(std::max_element(values, values + count) - values);
}

}  // namespace qb::harness
