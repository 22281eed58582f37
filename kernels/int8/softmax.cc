// Reference int8 softmax (TFLite SOFTMAX, int8 in, int8 out at scale 1/256, zero point -128).
#include "kernels/int8/softmax.h"

#include "kernels/int8/fixed_point.h"
#include "kernels/int8/requantize.h"

namespace qb::kernels {
namespace {

// exp reads Q5.26: down to -32, more than any difference that passes diff_min reaches.
constexpr int32_t kScaledDiffIntegerBits = 5;
// The sum of exps is Q12.19: room for 4096 terms of at most 1 each.
constexpr int32_t kAccumulationIntegerBits = 12;
// One output step is 2^-8 of probability.
constexpr int32_t kOutputBits = 8;
// A row's first exps are kept from the sum for the outputs, so a classifier's row (a few
// to a few dozen classes) computes each exp once; past these, the outputs recompute them.
constexpr int32_t kKeptExps = 32;

// exp(beta * input_scale * diff) in Q0, for diff_min <= diff <= 0.
// Out of line: the sum and the outputs (past the kept exps) both call it, and two inlined
// copies of the fixed-point exp would double the kernel's code.
__attribute__((noinline)) int32_t exp_of_difference(const SoftmaxParams& params, int32_t diff) {
  // diff_min keeps |diff| * 2^left_shift within 31 * 2^26, so for the left shifts TFLite
  // produces (>= 0) this is exactly its exact lift followed by one rounded high multiply.
  // The saturating lift and the right shift of a negative shift only serve parameters
  // TFLite would refuse.
  const int32_t scaled =
      multiply_by_quantized_multiplier(diff, params.input_multiplier, params.input_left_shift);
  return exp_on_negative_values<kScaledDiffIntegerBits>(scaled);
}

// x / 2^exponent rounded half away from zero, for x >= 0 and any exponent >= 0.
int32_t rounding_divide_nonnegative_by_pot(int32_t x, int32_t exponent) {
  // Past 31 the divisor is more than twice any int32, so the quotient rounds to 0.
  return exponent > 31 ? 0 : rounding_divide_by_pot(x, exponent);
}

}  // namespace

void softmax(const SoftmaxParams& params, int32_t rows, int32_t depth, const int8_t* input,
             int8_t* output) {
  if (depth <= 0) return;
  // The row max (difference 0) must always count, or the sum could be empty.
  const int32_t diff_min = params.diff_min < 0 ? params.diff_min : 0;
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t* in = input + r * depth;
    int8_t* out = output + r * depth;
    int32_t max = -128;
    for (int32_t c = 0; c < depth; ++c) max = in[c] > max ? in[c] : max;

    // In Q12.19. The row max contributes exp(0) = 2^19 exactly (Q0's 1 - 2^-31 rounds up),
    // so the sum is at least 1. It saturates instead of overflowing past 4095 terms, where
    // every probability is below 1/4096 and rounds to the same output either way.
    int32_t sum = 0;
    int32_t kept[kKeptExps];
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t diff = in[c] - max;
      if (diff < diff_min) continue;
      const int32_t e = exp_of_difference(params, diff);
      if (c < kKeptExps) kept[c] = e;
      sum = saturating_add(sum, rescale(e, 0, kAccumulationIntegerBits));
    }

    // sum = (1 + x) * 2^bits_over_unit with x in [0, 1): moving the leading one to bit 31
    // and dropping it leaves x in Q0 (unsigned, since the intermediate needs all 32 bits).
    const int32_t headroom = count_leading_zeros(static_cast<uint32_t>(sum));
    const int32_t bits_over_unit = kAccumulationIntegerBits - headroom;
    const int32_t x =
        static_cast<int32_t>((static_cast<uint32_t>(sum) << headroom) - (uint32_t{1} << 31));
    // 1 / (1 + x) = 2^bits_over_unit / sum, in Q0.
    const int32_t reciprocal = one_over_one_plus_x_for_x_in_0_1(x);
    // exp * reciprocal in Q0 is p * 2^bits_over_unit; p in output steps is that raw value
    // divided by 2^(31 - 8 + bits_over_unit). TFLite refuses exponents past 31 (a sum of
    // 512 or more, every output below half a step); they round to 0 here.
    const int32_t exponent = bits_over_unit + 31 - kOutputBits;

    for (int32_t c = 0; c < depth; ++c) {
      // in[c] is read before out[c] is written and never again, so the two may alias.
      const int32_t diff = in[c] - max;
      if (diff < diff_min) {
        out[c] = -128;
        continue;
      }
      const int32_t e = c < kKeptExps ? kept[c] : exp_of_difference(params, diff);
      const int32_t scaled = saturating_rounding_doubling_high_mul(reciprocal, e);
      // 1.0 would be 256 steps, one past int8: it clamps to 127.
      out[c] = static_cast<int8_t>(add_offset_and_clamp(
          rounding_divide_nonnegative_by_pot(scaled, exponent), -128, -128, 127));
    }
  }
}

}  // namespace qb::kernels
