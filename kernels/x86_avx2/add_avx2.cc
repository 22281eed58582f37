// Int8 elementwise add (TFLite ADD) for AVX2: the three rescales of kernels/int8/add.cc
// on eight int32 lanes, 32 elements per step.
#if defined(__x86_64__)
#include "kernels/x86_avx2/avx2_kernels.h"

#pragma GCC target("avx2")
#include <immintrin.h>

#include "kernels/x86_avx2/avx2_vector.h"

namespace qb::kernels::avx2 {
namespace {

struct AddLanes {
  __m256i offset1, offset2;
  __m128i left_shift;
  LaneRequant q1, q2, q_out;
  LaneClamp clamp;
};

// Eight elements: bytes 8i .. 8i + 7 of the 32 loaded.
template <bool MayShiftLeft>
inline __m256i add8(const AddLanes& a, __m128i x1, __m128i x2) {
  const __m256i v1 = _mm256_add_epi32(_mm256_cvtepi8_epi32(x1), a.offset1);
  const __m256i v2 = _mm256_add_epi32(_mm256_cvtepi8_epi32(x2), a.offset2);
  const __m256i scaled1 = requantize<MayShiftLeft>(_mm256_sll_epi32(v1, a.left_shift), a.q1);
  const __m256i scaled2 = requantize<MayShiftLeft>(_mm256_sll_epi32(v2, a.left_shift), a.q2);
  return offset_and_clamp(requantize<MayShiftLeft>(_mm256_add_epi32(scaled1, scaled2), a.q_out),
                          a.clamp);
}

template <bool MayShiftLeft>
inline __m256i add32(const AddLanes& a, const int8_t* in1, const int8_t* in2) {
  const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in1));
  const __m256i x2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in2));
  const __m128i x1_low = _mm256_castsi256_si128(x1), x1_high = _mm256_extracti128_si256(x1, 1);
  const __m128i x2_low = _mm256_castsi256_si128(x2), x2_high = _mm256_extracti128_si256(x2, 1);
  return pack32(add8<MayShiftLeft>(a, x1_low, x2_low),
                add8<MayShiftLeft>(a, _mm_srli_si128(x1_low, 8), _mm_srli_si128(x2_low, 8)),
                add8<MayShiftLeft>(a, x1_high, x2_high),
                add8<MayShiftLeft>(a, _mm_srli_si128(x1_high, 8), _mm_srli_si128(x2_high, 8)));
}

template <bool MayShiftLeft>
void add_all(const AddLanes& a, int32_t count, const int8_t* input1, const int8_t* input2,
             int8_t* output) {
  if (count < 32) {
    alignas(32) int8_t in1[32] = {}, in2[32] = {}, out[32];
    store_partial(in1, input1, count);
    store_partial(in2, input2, count);
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), add32<MayShiftLeft>(a, in1, in2));
    store_partial(output, out, count);
    return;
  }
  int32_t i = 0;
  for (; i + 32 <= count; i += 32) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(output + i),
                        add32<MayShiftLeft>(a, input1 + i, input2 + i));
  }
  // The last block ends at the last element, recomputing a few: the output does not
  // alias the inputs (the loader checks), so the rewritten bytes are the same.
  if (i < count) {
    const int32_t last = count - 32;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(output + last),
                        add32<MayShiftLeft>(a, input1 + last, input2 + last));
  }
}

}  // namespace

void add(const AddParams& p, int32_t count, const int8_t* input1, const int8_t* input2,
         int8_t* output) {
  if (count <= 0) return;
  AddLanes a;
  a.offset1 = _mm256_set1_epi32(p.input1_offset);
  a.offset2 = _mm256_set1_epi32(p.input2_offset);
  a.left_shift = _mm_cvtsi32_si128(p.left_shift);
  a.q1 = lane_requant(p.input1_multiplier, p.input1_shift);
  a.q2 = lane_requant(p.input2_multiplier, p.input2_shift);
  a.q_out = lane_requant(p.output_multiplier, p.output_shift);
  a.clamp = lane_clamp(p.output_offset, p.act_min, p.act_max);
  if (p.input1_shift <= 0 && p.input2_shift <= 0 && p.output_shift <= 0) {
    add_all<false>(a, count, input1, input2, output);
  } else {
    add_all<true>(a, count, input1, input2, output);
  }
}

}  // namespace qb::kernels::avx2
#endif  // __x86_64__
