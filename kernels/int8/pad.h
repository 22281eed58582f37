// Int8 spatial padding (H and W), filling with the input zero point.
#pragma once

#include "kernels/int8/tensor.h"

namespace qb::kernels {

// output_shape must be input_shape grown by the four pads.
void pad(const PadParams& params, const Shape& input_shape, const int8_t* input,
         const Shape& output_shape, int8_t* output);

}  // namespace qb::kernels
