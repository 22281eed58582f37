// Int8 pooling. Input and output share scale and zero point.
#pragma once

#include "kernels/int8/tensor.h"

namespace qb::kernels {

// Padded taps are ignored (they never win a max and never enter an average's count).
void max_pool2d(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output);

// Mean of the taps inside the input, rounded half away from zero.
void avg_pool2d(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output);

// Mean over H x W per channel, rounded half away from zero; output [n, 1, 1, c].
void global_avg_pool2d(int32_t act_min, int32_t act_max, const Shape& input_shape,
                       const int8_t* input, int8_t* output);

}  // namespace qb::kernels
