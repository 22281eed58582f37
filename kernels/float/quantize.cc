// Real scales to integer multipliers, following TFLite's quantization_util so that the
// integers we hand the kernels are the integers TFLite would hand its own.
#include "kernels/float/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace qb::kernels::fp {

namespace {

// quantize_multiplier with the cap on the left shift as a parameter.
QuantizedMultiplier quantize_multiplier_capped(double real, int32_t max_shift) {
  QuantizedMultiplier out;
  if (real == 0.0) return out;
  int exponent = 0;
  const double fraction = std::frexp(real, &exponent);  // real = fraction * 2^exponent
  // std::round rounds half away from zero, as TFLite's TfLiteRound does.
  int64_t q_fixed =
      static_cast<int64_t>(std::round(fraction * static_cast<double>(int64_t{1} << 31)));
  // A fraction just below 1 can round up to exactly 1.0, which Q31 cannot hold.
  if (q_fixed == (int64_t{1} << 31)) {
    q_fixed /= 2;
    ++exponent;
  }
  // Below 2^-32 the right shift would exceed 31 bits: the value is flushed to zero.
  if (exponent < -31) {
    exponent = 0;
    q_fixed = 0;
  }
  // Above 2^max_shift a left shift would overflow for any non-trivial input: saturate.
  if (exponent > max_shift) {
    exponent = max_shift;
    q_fixed = (int64_t{1} << 31) - 1;
  }
  out.multiplier = static_cast<int32_t>(q_fixed);
  out.shift = exponent;
  return out;
}

}  // namespace

QuantizedMultiplier quantize_multiplier(double real) {
  return quantize_multiplier_capped(real, 30);
}

int8_t quantize(float value, QuantParams q) {
  // Float division as TFLite's AffineQuantize does it, so ties land where TFLite's do.
  // The clamp happens in double, before any cast, so infinities saturate instead of
  // overflowing; NaN has no real value and maps to the zero point.
  const float rounded = std::round(value / q.scale);
  if (std::isnan(rounded)) return static_cast<int8_t>(std::clamp(q.zero_point, -128, 127));
  const double shifted = static_cast<double>(rounded) + q.zero_point;
  return static_cast<int8_t>(std::clamp(shifted, -128.0, 127.0));
}

float dequantize(int8_t value, QuantParams q) {
  return q.scale * static_cast<float>(static_cast<int32_t>(value) - q.zero_point);
}

void activation_range(float lo, float hi, QuantParams q, int32_t* act_min, int32_t* act_max) {
  // An infinite bound quantizes past int8 and saturates to the type's own limit.
  *act_min = quantize(lo, q);
  *act_max = quantize(hi, q);
}

qb::kernels::AddParams add_params(QuantParams a, QuantParams b, QuantParams out, float act_lo,
                                  float act_hi) {
  qb::kernels::AddParams p;
  p.left_shift = 20;
  p.input1_offset = -a.zero_point;
  p.input2_offset = -b.zero_point;
  p.output_offset = out.zero_point;
  // Both inputs go to a common scale of twice the larger input scale, so each input
  // multiplier is at most 1/2 and their sum cannot overflow.
  const double twice_max_input_scale =
      2.0 * std::max(static_cast<double>(a.scale), static_cast<double>(b.scale));
  const double real_input1 = a.scale / twice_max_input_scale;
  const double real_input2 = b.scale / twice_max_input_scale;
  const double real_output =
      twice_max_input_scale / (static_cast<double>(int64_t{1} << p.left_shift) * out.scale);
  const QuantizedMultiplier m1 = quantize_multiplier(real_input1);
  const QuantizedMultiplier m2 = quantize_multiplier(real_input2);
  const QuantizedMultiplier mo = quantize_multiplier(real_output);
  p.input1_multiplier = m1.multiplier;
  p.input1_shift = m1.shift;
  p.input2_multiplier = m2.multiplier;
  p.input2_shift = m2.shift;
  p.output_multiplier = mo.multiplier;
  p.output_shift = mo.shift;
  activation_range(act_lo, act_hi, out, &p.act_min, &p.act_max);
  return p;
}

qb::kernels::SoftmaxParams softmax_params(double beta, float input_scale) {
  constexpr int32_t kScaledDiffIntegerBits = 5;  // exp's input is Q5.26
  constexpr int32_t kFractionalBits = 31 - kScaledDiffIntegerBits;
  // A multiplier this large already sends a difference of one input step past any exp
  // that matters, so capping it changes no output.
  const double max_real = static_cast<double>((int64_t{1} << 31) - 1);
  double real = std::min(
      beta * static_cast<double>(input_scale) * static_cast<double>(int64_t{1} << kFractionalBits),
      max_real);
  if (!(real > 0.0)) real = 0.0;  // NaN included
  // No cap below 31 here: a real multiplier from 2^30 up keeps its left shift of 31, which
  // the kernel only ever applies to a difference of 0 (diff_min is 0 there).
  const QuantizedMultiplier m = quantize_multiplier_capped(real, 31);
  qb::kernels::SoftmaxParams p;
  p.input_multiplier = m.multiplier;
  p.input_left_shift = m.shift;
  // The largest |difference| whose lift by 2^shift stays within 31 in Q5.26 (31 * 2^26
  // raw): the lift cannot overflow int32 and the scaled difference stays inside Q5.26's
  // [-32, 32). ldexp is TFLite's exact division by 2^shift, and also serves the negative
  // shifts TFLite refuses; the clamp only matters for those.
  const double deepest_lift =
      static_cast<double>(((int64_t{1} << kScaledDiffIntegerBits) - 1) << kFractionalBits);
  const double radius = std::floor(std::ldexp(deepest_lift, -m.shift));
  const double int32_max = static_cast<double>(std::numeric_limits<int32_t>::max());
  p.diff_min = -static_cast<int32_t>(std::min(radius, int32_max));
  return p;
}

void build_lookup_table(const std::function<double(double)>& f, QuantParams in, QuantParams out,
                        int8_t table[256]) {
  for (int32_t i = 0; i < 256; ++i) {
    const float x = dequantize(static_cast<int8_t>(i - 128), in);
    table[i] = quantize(static_cast<float>(f(x)), out);
  }
}

}  // namespace qb::kernels::fp
