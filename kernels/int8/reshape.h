// Int8 reshape: the same bytes under another shape. The arena planner puts a reshape's
// output on its input, where the interpreter skips it; a model laid out otherwise (its
// output elsewhere, never partly overlapping) gets this copy.
#pragma once

#include <cstdint>

namespace qb::kernels {

void reshape(int32_t count, const int8_t* input, int8_t* output);

}  // namespace qb::kernels
