// Q-format fixed point on int32 (gemmlowp's conventions): exp and reciprocal for softmax.
//
// A raw int32 r in format Qm stands for r * 2^(m - 31): m integer bits, 31 - m fractional
// bits, range [-2^m, 2^m). saturating_rounding_doubling_high_mul of a Qa and a Qb raw is
// their product in Q(a+b) with no extra shift, which is why every product below simply
// adds integer bits. Each function rounds exactly where gemmlowp's does, step for step,
// because softmax outputs are compared byte for byte with TFLite's.
#pragma once

#include <cstdint>

#include "kernels/int8/requantize.h"

namespace qb::kernels {

// Q0 cannot hold 1.0; its largest value, 1 - 2^-31, stands in for it.
inline constexpr int32_t kQ0One = kInt32Max;

// Number of leading zero bits of x; 32 for x == 0 (where the builtin is undefined).
inline int32_t count_leading_zeros(uint32_t x) { return x == 0 ? 32 : __builtin_clz(x); }

// a + b saturated to the int32 range.
inline int32_t saturating_add(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + b;
  return sum > kInt32Max ? kInt32Max : (sum < kInt32Min ? kInt32Min : static_cast<int32_t>(sum));
}

// x * 2^exponent: a saturating left shift for exponent > 0, a right shift rounding half
// away from zero for exponent < 0. exponent in [-31, 31].
inline int32_t saturating_rounding_multiply_by_pot(int32_t x, int32_t exponent) {
  if (exponent > 0) return saturating_left_shift(x, exponent);
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  return x;
}

// The same real value moved from Q(from_bits) to Q(to_bits): gaining integer bits drops
// low fraction bits (rounded), losing them shifts left (saturated).
inline int32_t rescale(int32_t x, int32_t from_bits, int32_t to_bits) {
  return saturating_rounding_multiply_by_pot(x, from_bits - to_bits);
}

// (a + b) / 2 rounded half away from zero, formed in 64 bits so the sum cannot overflow
// (ARM's VRHADD rounds the same way for the non-negative sums it is used on here).
inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + b;
  return static_cast<int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}

// exp(a) for a in [-1/4, 0), Q0 in and out: a degree-4 Taylor polynomial around -1/8.
// |x| = |a + 1/8| <= 1/8 bounds the truncation error by (1/8)^5 / 120 = 2.5e-7 (relative).
// Each power is a rounded high multiply; the divisions by 4 and by 2 round half away from
// zero.
inline int32_t exp_on_negative_quarter(int32_t a) {
  constexpr int32_t kExpMinusOneEighth = 1895147668;  // exp(-1/8) in Q0
  constexpr int32_t kOneThird = 715827883;            // 1/3 in Q0
  const int32_t x = a + (int32_t{1} << 28);           // a + 1/8, in [-1/8, 1/8)
  const int32_t x2 = saturating_rounding_doubling_high_mul(x, x);
  const int32_t x3 = saturating_rounding_doubling_high_mul(x2, x);
  const int32_t x4 = saturating_rounding_doubling_high_mul(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  // ((x^4/4 + x^3) / 3 + x^2) / 2 = x^4/24 + x^3/6 + x^2/2; every term is below 2^-6, so
  // the plain additions cannot overflow.
  const int32_t higher_terms = rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(x4_over_4 + x3, kOneThird) + x2, 1);
  // exp(-1/8) * (1 + x + higher terms), written so the constant 1 never needs to be held.
  return kExpMinusOneEighth +
         saturating_rounding_doubling_high_mul(kExpMinusOneEighth, x + higher_terms);
}

// exp(a) for a <= 0 held in Q(IntegerBits); the result is in Q0. a splits into a part in
// [-1/4, 0), handled by the polynomial, and a whole number of quarters, each set bit of
// which multiplies in exp(-2^k) (a barrel shifter), in increasing k. Below -32 exp is
// under half a Q0 step; with IntegerBits > 5 those inputs give 0, as in gemmlowp.
template <int32_t IntegerBits>
inline int32_t exp_on_negative_values(int32_t a) {
  static_assert(IntegerBits >= 0 && IntegerBits <= 29, "needs two fractional bits for 1/4");
  constexpr int32_t kFractionalBits = 31 - IntegerBits;
  constexpr int32_t kQuarter = int32_t{1} << (kFractionalBits - 2);
  // a & (quarter - 1) is a's distance above the quarter step below it; minus a quarter it
  // lies in [-1/4, 0), and a = that - remainder with remainder a multiple of 1/4. For
  // a <= 0 neither subtraction overflows (a = INT32_MIN gives remainder 2^31 - quarter).
  const int32_t a_mod_quarter_minus_quarter = (a & (kQuarter - 1)) - kQuarter;
  const int32_t remainder = a_mod_quarter_minus_quarter - a;
  // Moving [-1/4, 0) to Q0 is an exact left shift by IntegerBits.
  int32_t result = exp_on_negative_quarter(rescale(a_mod_quarter_minus_quarter, IntegerBits, 0));

  // exp(-2^k) in Q0 for k = -2 .. 4 (Q0 rounding of the exact values).
  constexpr int32_t kExpMinusPot[7] = {1672461947, 1302514674, 790015084, 290630308,
                                       39332535,   720401,     242};
  for (int32_t k = -2; k <= 4; ++k) {
    if (k >= IntegerBits) break;  // remainder < 2^IntegerBits: no bit for 2^k
    if (remainder & (int32_t{1} << (kFractionalBits + k))) {
      result = saturating_rounding_doubling_high_mul(result, kExpMinusPot[k + 2]);
    }
  }
  if constexpr (IntegerBits > 5) {
    if (a < -(int32_t{1} << (kFractionalBits + 5))) result = 0;
  }
  // exp(0) = 1 is the one value the polynomial path cannot produce: it takes Q0's nearest.
  if (a == 0) result = kQ0One;
  return result;
}

// 1 / (1 + a) for a in [0, 1), Q0 in and out. Newton-Raphson on d = (1 + a) / 2 in
// [1/2, 1): start from 48/17 - 32/17 d (the minimax line, error <= 1/17), then three steps
// x += x (1 - d x), each squaring the error (1/17 -> 2^-8 -> 2^-16 -> 2^-32), all in Q2
// because 1/d reaches 2. The answer is x / 2.
inline int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  constexpr int32_t kQ2One = int32_t{1} << 29;
  constexpr int32_t kFortyEightSeventeenths = 1515870810;       // 48/17 in Q2
  constexpr int32_t kMinusThirtyTwoSeventeenths = -1010580540;  // -32/17 in Q2
  // Rounding (not truncating) the half sum keeps d unbiased; 1 in Q0 is 1 - 2^-31.
  const int32_t half_denominator = rounding_half_sum(a, kQ0One);
  int32_t x = kFortyEightSeventeenths +
              saturating_rounding_doubling_high_mul(half_denominator, kMinusThirtyTwoSeventeenths);
  for (int32_t i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x =
        saturating_rounding_doubling_high_mul(half_denominator, x);
    const int32_t one_minus_half_denominator_times_x = kQ2One - half_denominator_times_x;
    // Q2 * Q2 is Q4; back to Q2 is a saturating shift left by 2.
    x +=
        rescale(saturating_rounding_doubling_high_mul(x, one_minus_half_denominator_times_x), 4, 2);
  }
  // x / 2 in Q1 has the same raw bits as x in Q2 (exact); Q1 -> Q0 doubles with
  // saturation, so 1 / (1 + 0) lands on Q0's nearest to 1 instead of wrapping.
  return rescale(x, 1, 0);
}

}  // namespace qb::kernels
