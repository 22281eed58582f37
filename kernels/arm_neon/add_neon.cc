// Elementwise int8 add (TFLite ADD) on NEON, sixteen elements per step; the dotprod set
// uses it too (there is no dot product here).
//
// Each input gets its offset in int16 (|v| <= 255), is lifted by 2^left_shift into int32
// and rescaled, the two are summed and the sum rescaled to the output, each rescale the
// shared four-lane requantization (neon_common.h), bit-exact with the reference. The lift
// of 2^20 (TFLite's constant) is split as << (left_shift - 16) in int16, which cannot
// overflow for left_shift <= 23 (255 * 2^7 < 2^15), and SHLL #16 while widening.
// A tail shorter than 16 goes through a zero-padded copy.
#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#include "kernels/arm_neon/neon_common.h"
#include "kernels/arm_neon/neon_ops.h"

namespace qb::kernels::neon {
namespace {

struct AddSetup {
  int16x8_t offset1, offset2;
  int16x8_t lift16;  // left_shift - 16 (>= 0) when kLiftSplit
  int32x4_t lift32;  // left_shift when !kLiftSplit
  int32x4_t m1, l1, r1, m2, l2, r2, mo, lo, ro;
  OutputStage out;
};

inline void split_shift(int32_t shift, int32x4_t* left, int32x4_t* right) {
  *left = vdupq_n_s32(shift > 0 ? shift : 0);
  *right = vdupq_n_s32(shift > 0 ? 0 : shift);
}

// Four int32 lanes of (x + offset) << left_shift from four int16 lanes of x + offset.
template <bool kLiftSplit, bool kHigh>
inline int32x4_t lift(const AddSetup& s, int16x8_t v) {
  if constexpr (kLiftSplit) {
    return kHigh ? vshll_high_n_s16(v, 16) : vshll_n_s16(vget_low_s16(v), 16);
  } else {
    return vshlq_s32(kHigh ? vmovl_high_s16(v) : vmovl_s16(vget_low_s16(v)), s.lift32);
  }
}

template <bool kLiftSplit, bool kInLeft, bool kOutLeft, bool kHigh>
inline int32x4_t add4(const AddSetup& s, int16x8_t v1, int16x8_t v2) {
  const int32x4_t a = requantize<kInLeft>(lift<kLiftSplit, kHigh>(s, v1), s.m1, s.l1, s.r1);
  const int32x4_t b = requantize<kInLeft>(lift<kLiftSplit, kHigh>(s, v2), s.m2, s.l2, s.r2);
  return requantize<kOutLeft>(vaddq_s32(a, b), s.mo, s.lo, s.ro);
}

template <bool kLiftSplit, bool kInLeft, bool kOutLeft>
inline int8x16_t add16(const AddSetup& s, int8x16_t x1, int8x16_t x2) {
  int16x8_t a_lo = vaddw_s8(s.offset1, vget_low_s8(x1));
  int16x8_t a_hi = vaddw_high_s8(s.offset1, x1);
  int16x8_t b_lo = vaddw_s8(s.offset2, vget_low_s8(x2));
  int16x8_t b_hi = vaddw_high_s8(s.offset2, x2);
  if constexpr (kLiftSplit) {
    a_lo = vshlq_s16(a_lo, s.lift16);
    a_hi = vshlq_s16(a_hi, s.lift16);
    b_lo = vshlq_s16(b_lo, s.lift16);
    b_hi = vshlq_s16(b_hi, s.lift16);
  }
  return narrow16(s.out, add4<kLiftSplit, kInLeft, kOutLeft, false>(s, a_lo, b_lo),
                  add4<kLiftSplit, kInLeft, kOutLeft, true>(s, a_lo, b_lo),
                  add4<kLiftSplit, kInLeft, kOutLeft, false>(s, a_hi, b_hi),
                  add4<kLiftSplit, kInLeft, kOutLeft, true>(s, a_hi, b_hi));
}

template <bool kLiftSplit, bool kInLeft, bool kOutLeft>
void add_all(const AddSetup& s, int32_t count, const int8_t* input1, const int8_t* input2,
             int8_t* output) {
  int32_t i = 0;
  for (; i + 16 <= count; i += 16) {
    vst1q_s8(output + i,
             add16<kLiftSplit, kInLeft, kOutLeft>(s, vld1q_s8(input1 + i), vld1q_s8(input2 + i)));
  }
  if (i < count) {
    alignas(16) int8_t a[16] = {}, b[16] = {}, r[16];
    const int32_t n = count - i;
    for (int32_t j = 0; j < n; ++j) {
      a[j] = input1[i + j];
      b[j] = input2[i + j];
    }
    vst1q_s8(r, add16<kLiftSplit, kInLeft, kOutLeft>(s, vld1q_s8(a), vld1q_s8(b)));
    for (int32_t j = 0; j < n; ++j) output[i + j] = r[j];
  }
}

template <bool kLiftSplit>
void add_dispatch(const AddSetup& s, const AddParams& p, int32_t count, const int8_t* input1,
                  const int8_t* input2, int8_t* output) {
  const bool in_left = p.input1_shift > 0 || p.input2_shift > 0;
  const bool out_left = p.output_shift > 0;
  if (in_left) {
    if (out_left) {
      add_all<kLiftSplit, true, true>(s, count, input1, input2, output);
    } else {
      add_all<kLiftSplit, true, false>(s, count, input1, input2, output);
    }
  } else if (out_left) {
    add_all<kLiftSplit, false, true>(s, count, input1, input2, output);
  } else {
    add_all<kLiftSplit, false, false>(s, count, input1, input2, output);
  }
}

}  // namespace

void add_neon(const AddParams& p, int32_t count, const int8_t* input1, const int8_t* input2,
              int8_t* output) {
  AddSetup s;
  s.offset1 = vdupq_n_s16(static_cast<int16_t>(p.input1_offset));
  s.offset2 = vdupq_n_s16(static_cast<int16_t>(p.input2_offset));
  const bool split = p.left_shift >= 16 && p.left_shift <= 23;
  s.lift16 = vdupq_n_s16(static_cast<int16_t>(split ? p.left_shift - 16 : 0));
  s.lift32 = vdupq_n_s32(p.left_shift);
  s.m1 = vdupq_n_s32(p.input1_multiplier);
  s.m2 = vdupq_n_s32(p.input2_multiplier);
  s.mo = vdupq_n_s32(p.output_multiplier);
  split_shift(p.input1_shift, &s.l1, &s.r1);
  split_shift(p.input2_shift, &s.l2, &s.r2);
  split_shift(p.output_shift, &s.lo, &s.ro);
  s.out = make_output_stage(p.output_offset, p.act_min, p.act_max);
  if (split) {
    add_dispatch<true>(s, p, count, input1, input2, output);
  } else {
    add_dispatch<false>(s, p, count, input1, input2, output);
  }
}

}  // namespace qb::kernels::neon

#endif
