// add for the DSP extension: TFLite ADD, four elements per iteration, each rescale one
// SMMLAR with its rounding folded into the accumulate operand.
//
// Why: per element the reference does three full MultiplyByQuantizedMultiplier (64-bit
// products, a rounding shift, a saturating-shift test). With the constants worked out
// once per call, each is a few instructions: the lift (in + offset) << left_shift, doubled,
// is one MLA; SMMLAR(2a, M, c) adds c to the exactly rounded (a * M + 2^30) >> 31, and
// with c = 2^(r-1) + [sign] the following ASR by r rounds ties away from zero (see
// requant_dsp.h; an input multiplier with r = 0, which TFLite gives the input of larger
// scale, has no rounding step and is a template case). The output offset rides in the
// output rescale's c. Four results are packed into a word, clamped with two SIMD
// min/max and stored at once. Whatever these exact forms cannot take (a lift or sum
// that could overflow when doubled, an output shift outside [-22, -1]) runs the
// reference.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>

#include "kernels/arm_dsp/dsp_kernels.h"
#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/arm_dsp/requant_dsp.h"
#include "kernels/int8/add.h"

namespace qb::kernels::dsp {
namespace {

// One input's rescale: v -> MultiplyByQuantizedMultiplier(v << left_shift, M, -r).
struct InputRescale {
  int32_t lift_offset;  // offset << (left_shift + 1)
  int32_t multiplier;
  int32_t round;        // 2^(r-1), r >= 1
  int32_t right_shift;  // r
};

struct AddConstants {
  int32_t lift;  // 2^(left_shift + 1)
  InputRescale in1, in2;
  int32_t out_multiplier, out_round, out_shift;
  uint32_t act_min4, act_max4;
};

template <bool kRound>
__attribute__((always_inline)) inline int32_t rescale_input(int32_t v, const InputRescale& r,
                                                            int32_t lift) {
  const int32_t doubled = v * lift + r.lift_offset;  // 2 * ((v + offset) << left_shift)
  if constexpr (kRound) {
    return smmlar(doubled, r.multiplier, r.round + (doubled >> 31)) >> r.right_shift;
  } else {
    return smmlar(doubled, r.multiplier, 0);
  }
}

template <bool kRound1, bool kRound2>
__attribute__((always_inline)) inline int32_t add_one(int32_t v1, int32_t v2,
                                                      const AddConstants& k) {
  const int32_t sum = rescale_input<kRound1>(v1, k.in1, k.lift) +
                      rescale_input<kRound2>(v2, k.in2, k.lift);
  return requantize_fast(sum, k.out_multiplier, k.out_round, k.out_shift);
}

template <bool kRound1, bool kRound2>
void add_fast(const AddConstants& k, int32_t count, const int8_t* in1, const int8_t* in2,
              int8_t* out) {
  int32_t i = 0;
  for (; i + 4 <= count; i += 4) {
    uint32_t w = static_cast<uint32_t>(add_one<kRound1, kRound2>(in1[i], in2[i], k));
    w = pack_byte1(w, static_cast<uint32_t>(add_one<kRound1, kRound2>(in1[i + 1], in2[i + 1], k)));
    const uint32_t hi = pack_byte1(
        static_cast<uint32_t>(add_one<kRound1, kRound2>(in1[i + 2], in2[i + 2], k)),
        static_cast<uint32_t>(add_one<kRound1, kRound2>(in1[i + 3], in2[i + 3], k)));
    w = (w & 0xFFFFu) | (hi << 16);
    store_u32(out + i, min_bytes(max_bytes(w, k.act_min4), k.act_max4));
  }
  for (; i < count; ++i) {
    const uint32_t v = static_cast<uint32_t>(add_one<kRound1, kRound2>(in1[i], in2[i], k));
    out[i] = static_cast<int8_t>(min_bytes(max_bytes(v, k.act_min4), k.act_max4));
  }
}

// The constants for one input, or false if its rescale is outside the fast forms.
bool make_input(int32_t offset, int32_t multiplier, int32_t shift, int32_t left_shift,
                InputRescale* r) {
  if (multiplier < 0 || shift > 0 || shift < -31) return false;
  const int32_t rs = -shift;
  r->lift_offset = static_cast<int32_t>(static_cast<uint32_t>(offset) << (left_shift + 1));
  r->multiplier = multiplier;
  r->round = rs > 0 ? int32_t{1} << (rs - 1) : 0;
  r->right_shift = rs;
  return true;
}

// |v| <= 255 lifted by 2^left_shift and rescaled by a real multiplier below 1 / 2^r.
int64_t rescaled_bound(int32_t left_shift, int32_t shift) {
  return (int64_t{255} << left_shift) >> (-shift);
}

}  // namespace

void add(const AddParams& p, int32_t count, const int8_t* input1, const int8_t* input2,
         int8_t* output) {
  AddConstants k;
  const int32_t out_r = -p.output_shift;
  // 2 * (v << left_shift) must fit (|v| <= 255), and so must twice the rescaled sum.
  const bool fits = p.left_shift >= 0 && p.left_shift <= 22 &&
                    make_input(p.input1_offset, p.input1_multiplier, p.input1_shift,
                               p.left_shift, &k.in1) &&
                    make_input(p.input2_offset, p.input2_multiplier, p.input2_shift,
                               p.left_shift, &k.in2) &&
                    rescaled_bound(p.left_shift, p.input1_shift) +
                            rescaled_bound(p.left_shift, p.input2_shift) <
                        (int64_t{1} << 30) &&
                    p.input1_offset >= -255 && p.input1_offset <= 255 &&
                    p.input2_offset >= -255 && p.input2_offset <= 255 &&
                    p.output_multiplier >= 0 && out_r >= 1 && out_r <= 22 &&
                    p.output_offset >= -128 && p.output_offset <= 127;
  if (!fits) {
    kernels::add(p, count, input1, input2, output);
    return;
  }
  k.lift = int32_t{1} << (p.left_shift + 1);
  k.out_multiplier = p.output_multiplier;
  k.out_round = (int32_t{1} << (out_r - 1)) +
                static_cast<int32_t>(static_cast<uint32_t>(p.output_offset) << out_r);
  k.out_shift = out_r;
  k.act_min4 = splat_byte(p.act_min);
  k.act_max4 = splat_byte(p.act_max);
  const bool round1 = k.in1.right_shift != 0, round2 = k.in2.right_shift != 0;
  if (round1 && round2) {
    add_fast<true, true>(k, count, input1, input2, output);
  } else if (round1) {
    add_fast<true, false>(k, count, input1, input2, output);
  } else if (round2) {
    add_fast<false, true>(k, count, input1, input2, output);
  } else {
    add_fast<false, false>(k, count, input1, input2, output);
  }
}

}  // namespace qb::kernels::dsp
#endif
