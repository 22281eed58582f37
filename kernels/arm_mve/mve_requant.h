// Helium helpers shared by the MVE kernels: requantization of four int32 lanes at once,
// bit-exact with kernels/int8/requantize.h, and the few vector idioms every kernel uses.
//
// Why these instructions reproduce the reference exactly:
// - VQSHL (register) by a non-negative per-lane count is the saturating left shift.
// - VQRDMULH computes sat((2ab + 2^31) >> 32): round(ab / 2^31) with ties toward +inf, and
//   INT32_MIN * INT32_MIN saturating to INT32_MAX, which is the reference's definition.
// - VRSHL by -n computes floor((x + 2^(n-1)) / 2^n) without overflow: ties toward +inf.
//   The reference rounds ties away from zero, so a negative lane first steps down by one
//   (saturating, so INT32_MIN stays put, which gives the same quotient). For x = q*2^n + r
//   that turns the result into q + [r > 2^(n-1)], the reference's threshold for x < 0.
//   The step is masked by the sign of the (negated) shift, so lanes with n = 0 keep x.
// - The output offset is a saturating add: a saturated lane then clamps to the same byte
//   as the reference's 64-bit sum.
#pragma once

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include <cstdint>

#include "kernels/int8/requantize.h"

namespace qb::kernels::mve {

// Per-lane requantization parameters, split the way the instructions take them.
struct LaneRequant {
  int32x4_t multiplier;
  int32x4_t left;   // saturating left shift before the multiply: max(shift, 0)
  int32x4_t right;  // VRSHL count after it: min(shift, 0), i.e. minus the right shift
};

// Channels [0, 4) of multiplier/shift; lanes outside `lanes` read as zero (never stored).
inline LaneRequant load_requant(const int32_t* multiplier, const int32_t* shift,
                                mve_pred16_t lanes) {
  const int32x4_t s = vldrwq_z_s32(shift, lanes);
  const int32x4_t zero = vdupq_n_s32(0);
  return {vldrwq_z_s32(multiplier, lanes), vmaxq_s32(s, zero), vminq_s32(s, zero)};
}

inline LaneRequant load_requant(const int32_t* multiplier, const int32_t* shift) {
  const int32x4_t s = vldrwq_s32(shift);
  const int32x4_t zero = vdupq_n_s32(0);
  return {vldrwq_s32(multiplier), vmaxq_s32(s, zero), vminq_s32(s, zero)};
}

// One multiplier and shift for every lane.
inline LaneRequant broadcast_requant(int32_t multiplier, int32_t shift) {
  return {vdupq_n_s32(multiplier), vdupq_n_s32(shift > 0 ? shift : 0),
          vdupq_n_s32(shift > 0 ? 0 : shift)};
}

// multiply_by_quantized_multiplier on four lanes. kLeft = false is for callers that know
// every lane's shift is <= 0 (most layers; one scan decides it): q.left is then unused.
// kTies = false drops the tie step, for callers whose output stage makes it invisible
// (see ties_visible).
template <bool kLeft, bool kTies = true>
inline int32x4_t requantize(int32x4_t acc, const LaneRequant& q) {
  int32x4_t x = kLeft ? vqshlq_s32(acc, q.left) : acc;
  x = vqrdmulhq_s32(x, q.multiplier);
  if (kTies) x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, q.right), 31));
  return vrshlq_s32(x, q.right);
}

// The requantize() a kernel is instantiated for, chosen once per layer: any shifts, with
// the tie step (a right-shift lane's left shift is by 0); or right shifts only under an
// output stage that hides the tie step (see ties_visible). Two variants, not three: a
// right-shift layer without a ReLU floor pays one VQSHL per four outputs in the first,
// against another copy of the kernel in flash.
enum class Rounding { kAnyShifts, kRightShiftsNoTies };

template <Rounding kRounding>
inline int32x4_t requantize_with(int32x4_t acc, const LaneRequant& q) {
  return requantize<kRounding == Rounding::kAnyShifts, kRounding == Rounding::kAnyShifts>(acc,
                                                                                           q);
}

// Channels [0, 4) of per-channel parameters. Without left shifts the shift itself is the
// VRSHL count, which saves the split.
template <bool kLeft>
inline LaneRequant channel_requant(const int32_t* multiplier, const int32_t* shift) {
  if (kLeft) return load_requant(multiplier, shift);
  return {vldrwq_s32(multiplier), vdupq_n_s32(0), vldrwq_s32(shift)};
}

template <bool kLeft>
inline LaneRequant channel_requant(const int32_t* multiplier, const int32_t* shift,
                                   mve_pred16_t lanes) {
  if (kLeft) return load_requant(multiplier, shift, lanes);
  return {vldrwq_z_s32(multiplier, lanes), vdupq_n_s32(0), vldrwq_z_s32(shift, lanes)};
}

// One multiplier and shift for every lane, as core-register operands (VQRDMULH, VRSHL
// and VSHL take a scalar), so a loop that requantizes with them needs no vector registers
// for its parameters.
struct ScalarRequant {
  int32_t multiplier;
  int32_t left;   // max(shift, 0)
  int32_t right;  // min(shift, 0)
  int32_t tie;    // 0 if there is a right shift (the tie step applies), else -1 (it does not)
};

inline ScalarRequant scalar_requant(int32_t multiplier, int32_t shift) {
  return {multiplier, shift > 0 ? shift : 0, shift > 0 ? 0 : shift, shift < 0 ? 0 : -1};
}

// requantize() with scalar parameters. The tie step: the sign bit (0 or 1) shifted by
// `tie` (kept, or shifted out when there is no right shift) is subtracted, saturating;
// kTies = false drops it (see ties_visible).
template <bool kLeft, bool kTies = true>
inline int32x4_t requantize(int32x4_t acc, const ScalarRequant& q) {
  int32x4_t x = kLeft ? vqshlq_r_s32(acc, q.left) : acc;
  x = vqrdmulhq_n_s32(x, q.multiplier);
  if (kTies) {
    const uint32x4_t negative =
        vshlq_r_u32(vshrq_n_u32(vreinterpretq_u32_s32(x), 31), q.tie);
    x = vqsubq_s32(x, vreinterpretq_s32_u32(negative));
  }
  return vrshlq_n_s32(x, q.right);
}

// The requantized lanes as output bytes' values: plus the zero point, clamped to the
// fused activation range.
struct OutputStage {
  int32_t offset;
  int32x4_t lo, hi;
};

inline OutputStage output_stage(int32_t offset, int32_t act_min, int32_t act_max) {
  return {offset, vdupq_n_s32(act_min), vdupq_n_s32(act_max)};
}

inline int32x4_t finish(int32x4_t x, const OutputStage& o) {
  return vminq_s32(vmaxq_s32(vqaddq_n_s32(x, o.offset), o.lo), o.hi);
}

// Whether the tie step can change an output byte (see rounding_ties_visible).
inline bool ties_visible(const OutputStage& o) {
  return rounding_ties_visible(vgetq_lane_s32(o.lo, 0), o.offset);
}

// The output stage on int16 lanes, for requantized vectors narrowed in pairs (VQMOVNB/T
// saturate to int16): a lane outside int16 is far outside the int8 range after the
// offset, on the same side, so every byte stays exact and one add and clamp serve eight
// outputs.
struct NarrowStage {
  int16_t offset;
  int16x8_t lo, hi;
};

inline NarrowStage narrow_stage(const OutputStage& o) {
  const int16_t lo = static_cast<int16_t>(vgetq_lane_s32(o.lo, 0));
  const int16_t hi = static_cast<int16_t>(vgetq_lane_s32(o.hi, 0));
  return {static_cast<int16_t>(o.offset), vdupq_n_s16(lo), vdupq_n_s16(hi)};
}

// Two requantized vectors as eight output values: a's lanes in the even int16 lanes, b's
// in the odd ones. VQMOVNB narrows a into a's own register (VQMOVNT then overwrites the
// halves it keeps); GCC 12 loads a vuninitializedq from the stack.
inline int16x8_t finish_pair(int32x4_t a, int32x4_t b, const NarrowStage& o) {
  int16x8_t v = vqmovntq_s32(vqmovnbq_s32(vreinterpretq_s16_s32(a), a), b);
  return vminq_s16(vmaxq_s16(vqaddq_n_s16(v, o.offset), o.lo), o.hi);
}

// True if any of the count shifts is a left shift (the requantize<true> path is needed).
inline bool any_left_shift(const int32_t* shift, int32_t count) {
  for (int32_t i = 0; i < count; ++i) {
    if (shift[i] > 0) return true;
  }
  return false;
}

// Four scalar accumulators (VMLADAV results live in core registers) as one vector. Two
// two-lane VMOVs; GCC 12 builds the vector with four single-lane moves from a copy.
inline int32x4_t lanes_of(int32_t a0, int32_t a1, int32_t a2, int32_t a3) {
  int32x4_t v;
  __asm__("vmov %q0[2], %q0[0], %1, %3\n\tvmov %q0[3], %q0[1], %2, %4"
          : "=w"(v)
          : "r"(a0), "r"(a1), "r"(a2), "r"(a3));
  return v;
}

}  // namespace qb::kernels::mve

#endif
