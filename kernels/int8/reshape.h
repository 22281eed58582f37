// Int8 reshape: the same bytes under another shape. The runtime never lets an op's output
// alias its input, so a reshape is a copy, as in TFLite Micro when it cannot run in place.
#pragma once

#include <cstdint>

namespace qb::kernels {

void reshape(int32_t count, const int8_t* input, int8_t* output);

}  // namespace qb::kernels
