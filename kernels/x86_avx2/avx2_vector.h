// Eight-lane forms of kernels/int8/requantize.h and the packing every AVX2 kernel ends
// with. Each step mirrors the scalar definition so the two can be read side by side.
//
// Include this last, after `#pragma GCC target("avx2")` and <immintrin.h>, in files whose
// code only runs where cpu_has_avx2(). Its own functions are compiled for AVX2 whatever
// the includer does (a copy compiled otherwise could be the one the linker keeps); a
// file without the pragma fails to inline them, which is the wanted error.
#pragma once

#include <immintrin.h>

#include <cstdint>

#pragma GCC push_options
#pragma GCC target("avx2")

namespace qb::kernels::avx2 {

// Per-lane constants of multiply_by_quantized_multiplier, derived once per group of
// channels (or once per layer when one multiplier serves all).
struct LaneRequant {
  __m256i multiplier_even;  // _mm256_mul_epi32 reads the even lanes
  __m256i multiplier_odd;   // the odd lanes, moved down to even positions
  __m256i left;             // max(shift, 0)
  __m256i right;            // max(-shift, 0)
  __m256i right_nudge;      // 2^right / 2, rounded down: 0 when right is 0
};

inline LaneRequant lane_requant(__m256i multiplier, __m256i shift) {
  const __m256i zero = _mm256_setzero_si256();
  LaneRequant q;
  q.multiplier_even = multiplier;
  q.multiplier_odd = _mm256_srli_epi64(multiplier, 32);
  q.left = _mm256_max_epi32(shift, zero);
  q.right = _mm256_max_epi32(_mm256_sub_epi32(zero, shift), zero);
  // 1 << 31 is 2^31 read as unsigned; the logical shift halves it to 2^30.
  q.right_nudge = _mm256_srli_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), q.right), 1);
  return q;
}

inline LaneRequant lane_requant(int32_t multiplier, int32_t shift) {
  return lane_requant(_mm256_set1_epi32(multiplier), _mm256_set1_epi32(shift));
}

// multiply_by_quantized_multiplier on eight lanes. The multiplier is never negative (the
// loader rejects it), so the one case the scalar high multiply saturates, both operands
// INT32_MIN, cannot occur.
// MayShiftLeft = false is a promise that no lane has shift > 0, which skips the left
// shift (a layer whose multipliers are all below one, e.g. both rescales of an add).
template <bool MayShiftLeft = true>
inline __m256i requantize(__m256i x, const LaneRequant& q) {
  __m256i lifted = x;
  if constexpr (MayShiftLeft) {
    // saturating_left_shift: a shift that loses bits does not survive the way back.
    const __m256i shifted = _mm256_sllv_epi32(x, q.left);
    const __m256i exact = _mm256_cmpeq_epi32(_mm256_srav_epi32(shifted, q.left), x);
    const __m256i saturated =
        _mm256_xor_si256(_mm256_srai_epi32(x, 31), _mm256_set1_epi32(0x7FFFFFFF));
    lifted = _mm256_blendv_epi8(saturated, shifted, exact);
  }

  // saturating_rounding_doubling_high_mul = (a * b + 2^30) >> 31 in 64 bits. Only the low
  // 32 bits of the shifted product are kept, so a logical 64-bit shift serves: bits
  // 31..62 land in the low half of an even lane, or (shifted left by one) in the high
  // half of an odd one.
  const __m256i nudge = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(lifted, q.multiplier_even), nudge);
  const __m256i odd =
      _mm256_add_epi64(_mm256_mul_epi32(_mm256_shuffle_epi32(lifted, 0xF5), q.multiplier_odd), nudge);
  const __m256i high =
      _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);

  // rounding_divide_by_pot rounds half away from zero, which is rounding the magnitude
  // half up and putting the sign back. |high| <= 2^31 and the nudge <= 2^30 fit an
  // unsigned lane (abs(INT32_MIN) is 2^31 read as unsigned, hence the logical shift), and
  // sign_epi32 gives 0 for 0, whose rounded magnitude is 0 too.
  const __m256i magnitude = _mm256_srlv_epi32(
      _mm256_add_epi32(_mm256_abs_epi32(high), q.right_nudge), q.right);
  return _mm256_sign_epi32(magnitude, high);
}

// add_offset_and_clamp without a 64-bit sum: clamping v to [lo - offset, hi - offset]
// before adding the offset gives the same bytes (act_min <= act_max, both int8, and the
// offset is a zero point) and cannot overflow.
struct LaneClamp {
  __m256i offset, lo, hi;
};

inline LaneClamp lane_clamp(int32_t offset, int32_t act_min, int32_t act_max) {
  return {_mm256_set1_epi32(offset), _mm256_set1_epi32(act_min - offset),
          _mm256_set1_epi32(act_max - offset)};
}

inline __m256i offset_and_clamp(__m256i v, const LaneClamp& c) {
  return _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(v, c.lo), c.hi), c.offset);
}

// Eight lanes already in [-128, 127] to eight bytes, lane 0 in the lowest byte.
inline uint64_t pack8(__m256i v) {
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  return static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_packs_epi16(words, words)));
}

// Two groups of eight lanes already in [-128, 127] to 16 bytes in lane order.
inline __m128i pack16(__m256i low, __m256i high) {
  const __m256i words = _mm256_permute4x64_epi64(_mm256_packs_epi32(low, high), 0xD8);
  return _mm_packs_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1));
}

// Four groups of eight lanes already in [-128, 127] to 32 bytes in lane order.
inline __m256i pack32(__m256i a, __m256i b, __m256i c, __m256i d) {
  // The in-lane packs interleave the 128-bit halves; one permute restores the order.
  const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Sixteen bytes, zero-extended past `count` (< 16), from a range that may end anywhere.
inline __m128i load_partial16(const int8_t* p, int32_t count) {
  alignas(16) int8_t buffer[16] = {};
  for (int32_t i = 0; i < count; ++i) buffer[i] = p[i];
  return _mm_load_si128(reinterpret_cast<const __m128i*>(buffer));
}

inline void store_partial(int8_t* p, const void* bytes, int32_t count) {
  const int8_t* src = static_cast<const int8_t*>(bytes);
  for (int32_t i = 0; i < count; ++i) p[i] = src[i];
}

}  // namespace qb::kernels::avx2

#pragma GCC pop_options
