// Integer rescaling as the TFLite / CMSIS-NN int8 specification defines it, written so
// that every ISA variant can be checked against it line by line.
#pragma once

#include <cstdint>

namespace qb::kernels {

inline constexpr int32_t kInt32Min = -2147483647 - 1;
inline constexpr int32_t kInt32Max = 2147483647;

// (a * b * 2) >> 32, rounded to nearest with ties toward +infinity (as gemmlowp and
// Arm VQRDMULH do: -0.5 -> 0, -1.5 -> -1); the one overflowing case (both INT32_MIN)
// saturates to INT32_MAX.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == kInt32Min && b == kInt32Min) return kInt32Max;
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  // Division, not a shift: it truncates toward zero, which together with the
  // sign-dependent nudge rounds ties toward +infinity exactly as gemmlowp does.
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent, rounded to nearest with ties away from zero. exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int32_t exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * 2^exponent, saturated to the int32 range instead of overflowing. exponent in [0, 31].
inline int32_t saturating_left_shift(int32_t x, int32_t exponent) {
  if (exponent == 0) return x;
  if (x > (kInt32Max >> exponent)) return kInt32Max;
  if (x < (kInt32Min >> exponent)) return kInt32Min;
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// TFLite's MultiplyByQuantizedMultiplier: x * multiplier * 2^(shift - 31), rounded.
// shift > 0 shifts left (saturating), shift <= 0 shifts right. shift in [-31, 30].
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(saturating_left_shift(x, left), multiplier), right);
}

inline int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// v + offset clamped to [lo, hi], with the sum formed in 64 bits: a requantized value
// that saturated near INT32_MIN / INT32_MAX plus an output offset would overflow int32.
// Wherever v + offset fits in int32 this is exactly clamp(v + offset, lo, hi).
inline int32_t add_offset_and_clamp(int32_t v, int32_t offset, int32_t lo, int32_t hi) {
  const int64_t sum = static_cast<int64_t>(v) + offset;
  return sum < lo ? lo : (sum > hi ? hi : static_cast<int32_t>(sum));
}

// Whether rounding_divide_by_pot's ties can change an output byte, for variants that
// round ties toward +infinity (one instruction fewer) where they cannot. The two
// roundings differ only on a negative quotient's exact half, where both give a quotient
// <= 0; when the activation floor is at or above the zero point (ReLU and ReLU6 always
// are) every such output clamps to the same floor byte.
inline bool rounding_ties_visible(int32_t act_min, int32_t output_offset) {
  return act_min < output_offset;
}

}  // namespace qb::kernels
