// How a layer's float outputs sit in its int8 output range: values past it saturate, a
// loss no later layer can undo; a range much wider than the values wastes levels.
#pragma once

#include <vector>

#include "kernels/float/quantize.h"

namespace qb::harness {

// The percentage of `values` (a layer's float outputs over the test samples) that lie
// more than half a step outside [s (-128 - z), s (127 - z)], the range the output's
// scale s and zero point z can hold: they saturate to -128 or 127. 0 for no values.
double clip_percent(const std::vector<float>& values, kernels::fp::QuantParams q);

// 100 (max - min of `values`) / (255 s): how much of the int8 output range the layer's float
// outputs span. A fixed range much wider than the values (ReLU6's [0, 6] over outputs that
// reach 1) leaves them few levels. 0 for no values.
double range_used_percent(const std::vector<float>& values, kernels::fp::QuantParams q);

}  // namespace qb::harness
