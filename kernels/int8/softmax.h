// Int8 -> int8 softmax over the innermost dimension, bit-exact with TFLite's reference.
#pragma once

#include <cstdint>

namespace qb::kernels {

// Derived on the host from beta and the input scale (fp::softmax_params). The output
// quantization is fixed, as TFLite requires for int8 softmax: scale 1/256, zero point -128.
struct SoftmaxParams {
  // beta * input_scale in Q5.26 terms: an input difference d (in input steps) becomes
  // d * input_multiplier * 2^(input_left_shift - 31) in Q5.26, the format exp reads.
  int32_t input_multiplier = 0;
  int32_t input_left_shift = 0;  // TFLite sign: > 0 shifts left; in [-31, 31]
  // Differences below this (x - row max < diff_min) would scale past Q5.26's -32, where
  // exp is far below one output step: they output -128 and stay out of the sum. <= 0.
  int32_t diff_min = 0;
};

// For each of `rows` rows of `depth` values: output = round(256 * exp(beta * s * (x - max))
// / sum) - 128, clamped to int8, computed in gemmlowp fixed point exactly as TFLite does.
// output may be the same buffer as input.
void softmax(const SoftmaxParams& params, int32_t rows, int32_t depth, const int8_t* input,
             int8_t* output);

}  // namespace qb::kernels
