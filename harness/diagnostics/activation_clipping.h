// How much of a layer's float output its int8 quantization cannot hold: values past the
// output range saturate, a loss no later layer can undo.
#pragma once

#include <vector>

#include "kernels/float/quantize.h"

namespace qb::harness {

// The percentage of `values` (a layer's float outputs over the test samples) that lie
// more than half a step outside [s (-128 - z), s (127 - z)], the range the output's
// scale s and zero point z can hold: they saturate to -128 or 127. 0 for no values.
double clip_percent(const std::vector<float>& values, kernels::fp::QuantParams q);

}  // namespace qb::harness
