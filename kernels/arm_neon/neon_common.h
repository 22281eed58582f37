// Vector helpers shared by the AArch64 NEON and dotprod kernels: requantization four
// lanes at a time, the output stage (zero point, clamp, saturating narrow), and the small
// loads and copies that never read a byte outside the tensor they are given.
//
// Requantization matches kernels/int8/requantize.h bit for bit:
//  - shift > 0: SQSHL, the saturating left shift the reference applies before the multiply;
//  - SQRDMULH is exactly the reference's rounding doubling high multiply (round half up,
//    the INT32_MIN * INT32_MIN case saturated);
//  - the right shift rounds ties away from zero, while SRSHL rounds them up: negative lanes
//    that are shifted are first lowered by one (AND with the negative shift vector keeps
//    the sign bit only where the shift is non-zero, SSRA #31 adds it as -1). SQRDMULH with
//    a multiplier >= 0 never returns INT32_MIN, so the -1 cannot wrap.
//  - the output zero point is added in int16 after a saturating narrow: a value beyond
//    int16 stays beyond int8 after the addition, so saturate-then-clamp equals the
//    reference's 64-bit add-and-clamp.
#pragma once

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#include <cstdint>
#include <cstring>

namespace qb::kernels::neon {

// Folded bias and requantization of four output channels.
struct Quant4 {
  int32x4_t bias, multiplier, left, right;  // left = max(shift, 0), right = min(shift, 0)
};

inline Quant4 make_quant4(int32x4_t bias, int32x4_t multiplier, int32x4_t shift) {
  const int32x4_t zero = vdupq_n_s32(0);
  return {bias, multiplier, vmaxq_s32(shift, zero), vminq_s32(shift, zero)};
}

// Channels [c, c + 4) of per-channel arrays.
inline Quant4 load_quant4(const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
                          int32_t c) {
  return make_quant4(vld1q_s32(bias + c), vld1q_s32(multiplier + c), vld1q_s32(shift + c));
}

// Channels [c, c + n), n in 1..4, without reading past the arrays' ends; the missing lanes
// repeat the last channel (their results are computed but never stored).
inline Quant4 load_quant_partial(const int32_t* bias, const int32_t* multiplier,
                                 const int32_t* shift, int32_t c, int32_t n) {
  int32_t b[4], m[4], s[4];
  for (int32_t i = 0; i < 4; ++i) {
    const int32_t k = c + (i < n ? i : n - 1);
    b[i] = bias[k];
    m[i] = multiplier[k];
    s[i] = shift[k];
  }
  return make_quant4(vld1q_s32(b), vld1q_s32(m), vld1q_s32(s));
}

// True if any of the n shifts is a left shift: kernels then instantiate the SQSHL step.
inline bool any_left_shift(const int32_t* shift, int32_t n) {
  int32_t max_shift = 0;
  for (int32_t i = 0; i < n; ++i) max_shift = shift[i] > max_shift ? shift[i] : max_shift;
  return max_shift > 0;
}

// multiply_by_quantized_multiplier on four lanes, with per-lane multiplier and shift.
template <bool kLeftShift>
inline int32x4_t requantize(int32x4_t x, int32x4_t multiplier, int32x4_t left, int32x4_t right) {
  if constexpr (kLeftShift) x = vqshlq_s32(x, left);
  const int32x4_t high = vqrdmulhq_s32(x, multiplier);
  const int32x4_t nudged = vsraq_n_s32(high, vandq_s32(high, right), 31);
  return vrshlq_s32(nudged, right);
}

template <bool kLeftShift>
inline int32x4_t requantize(int32x4_t acc, const Quant4& q) {
  return requantize<kLeftShift>(vaddq_s32(acc, q.bias), q.multiplier, q.left, q.right);
}

// The same requantization for one value, with the scalar forms of the instructions.
inline int32_t requantize_scalar(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  int32_t high = vqrdmulhs_s32(vqshls_s32(x, left), multiplier);
  if (high < 0 && right > 0) --high;  // high > INT32_MIN: multiplier >= 0
  return static_cast<int32_t>(vrshld_s64(high, -right));
}

// Output zero point and fused activation range.
struct OutputStage {
  int16x8_t offset;
  int8x16_t lo, hi;
};

inline OutputStage make_output_stage(int32_t output_offset, int32_t act_min, int32_t act_max) {
  return {vdupq_n_s16(static_cast<int16_t>(output_offset)),
          vdupq_n_s8(static_cast<int8_t>(act_min)), vdupq_n_s8(static_cast<int8_t>(act_max))};
}

// Sixteen requantized int32 values (a, b, c, d in order) to clamped int8.
inline int8x16_t narrow16(const OutputStage& o, int32x4_t a, int32x4_t b, int32x4_t c,
                          int32x4_t d) {
  const int16x8_t ab = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(a), b), o.offset);
  const int16x8_t cd = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(c), d), o.offset);
  const int8x16_t r = vqmovn_high_s16(vqmovn_s16(ab), cd);
  return vminq_s8(vmaxq_s8(r, o.lo), o.hi);
}

// Eight requantized values (a, b) to clamped int8.
inline int8x8_t narrow8(const OutputStage& o, int32x4_t a, int32x4_t b) {
  const int16x8_t ab = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(a), b), o.offset);
  const int8x8_t r = vqmovn_s16(ab);
  return vmin_s8(vmax_s8(r, vget_low_s8(o.lo)), vget_low_s8(o.hi));
}

inline constexpr int8_t kIota[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

// Lanes [0, n) all ones, the rest zero (n in 0..16).
inline int8x16_t mask_first(int32_t n) {
  return vreinterpretq_s8_u8(vcltq_s8(vld1q_s8(kIota), vdupq_n_s8(static_cast<int8_t>(n))));
}

// Copies n bytes with 16/8/4/2/1-byte moves, overlapping inside [dst, dst + n) rather than
// looping byte by byte; reads nothing outside [src, src + n).
inline void copy_bytes(int8_t* dst, const int8_t* src, int32_t n) {
  if (n >= 16) {
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) vst1q_s8(dst + i, vld1q_s8(src + i));
    if (i < n) vst1q_s8(dst + n - 16, vld1q_s8(src + n - 16));
  } else if (n >= 8) {
    uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
  } else {
    for (int32_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

// p itself when 16 bytes from p lie before `end`; otherwise `spill` (16 bytes) holding
// p's n (< 16) bytes and zeros. Lanes past n hold whatever follows p and must be masked
// or multiplied by zero. (Byte loops rather than memcpy: a library call inside a kernel
// loop makes the compiler spill every vector register around it.)
inline const int8_t* readable16(const int8_t* p, int32_t n, const int8_t* end, int8_t* spill) {
  if (p + 16 <= end) return p;
  for (int32_t i = 0; i < 16; ++i) spill[i] = i < n ? p[i] : 0;
  return spill;
}

}  // namespace qb::kernels::neon

#endif
