// Host-side quantization arithmetic: turning real scales into the integer multipliers,
// shifts, offsets and clamps that the int8 kernels take. Host only.
#pragma once

#include <cstdint>
#include <functional>

#include "kernels/int8/softmax.h"
#include "kernels/int8/tensor.h"

namespace qb::kernels::fp {

struct QuantizedMultiplier {
  int32_t multiplier = 0;  // Q31, in [2^30, 2^31) unless the value is zero
  int32_t shift = 0;       // TFLite sign: > 0 shifts left; in [-31, 30]
};

// real ~= multiplier * 2^(shift - 31), as TFLite's QuantizeMultiplier: frexp, round half
// away from zero, and flush to zero below 2^-31 of range.
QuantizedMultiplier quantize_multiplier(double real);

struct QuantParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

int8_t quantize(float value, QuantParams q);
float dequantize(int8_t value, QuantParams q);

// The fused activation's real range [lo, hi] clamped into the int8 domain of q.
void activation_range(float lo, float hi, QuantParams q, int32_t* act_min, int32_t* act_max);

// The TFLite ADD parameters for out = a + b (left shift 20), with the fused range.
qb::kernels::AddParams add_params(QuantParams a, QuantParams b, QuantParams out, float act_lo,
                                  float act_hi);

// TFLite's int8 SOFTMAX parameters (PreprocessSoftmaxScaling, CalculateInputRadius), in
// double as TFLite derives them: beta * input_scale * 2^26 capped at 2^31 - 1, split into a
// multiplier and a left shift in [1, 31] (TFLite's double-rounding build keeps a shift of
// 31), and diff_min = -floor(31 * 2^26 / 2^shift). Where beta * input_scale <= 2^-26
// TFLite refuses the model; here the multiplier and (right) shift it stands for are
// returned instead, and a zero, negative or NaN product gives a zero multiplier (every
// row uniform).
qb::kernels::SoftmaxParams softmax_params(double beta, float input_scale);

// Table for an elementwise function f: table[i] = quantize(f(dequantize(i - 128, in)), out).
void build_lookup_table(const std::function<double(double)>& f, QuantParams in,
                        QuantParams out, int8_t table[256]);

}  // namespace qb::kernels::fp
