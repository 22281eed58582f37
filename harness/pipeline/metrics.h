// Float-vs-int8 error of a tensor and agreement of the model's decisions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "kernels/float/quantize.h"

namespace qb::harness {

struct ErrorMetrics {
  double sqnr_db = 0.0;        // 10 log10(sum f^2 / sum (f - d)^2); +inf when exact
  double max_abs_err = 0.0;    // max |f - d|, in the tensor's real units
  std::optional<double> err_pct_range;  // 100 * max_abs_err / (max f - min f); none if f is constant
};

// reference: float values; actual: the int8 values of the same tensor, dequantized with q.
ErrorMetrics error_metrics(const std::vector<float>& reference, const std::vector<int8_t>& actual,
                           kernels::fp::QuantParams q);

// The class a model output votes for: argmax (first on ties); a single output is a
// probability-like score, class 1 when above the threshold.
int32_t decision(const float* values, int32_t count, float threshold = 0.5f);

}  // namespace qb::harness
