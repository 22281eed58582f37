// Int8 matrix product with requantization for AVX2, and the two ops that are nothing
// else: pointwise convolution (pixels x input channels) and dense (batches x features).
// Pointwise layers of six pixels or more take the packed product (packed_gemm_avx2.h);
// the dot-product tiles here serve dense layers, few-pixel pointwise layers and the
// im2col fallback of conv2d.
#if defined(__x86_64__)
#include "kernels/x86_avx2/avx2_kernels.h"

#pragma GCC target("avx2")
#include <immintrin.h>

#include "kernels/x86_avx2/avx2_vector.h"
#include "kernels/x86_avx2/packed_gemm_avx2.h"

namespace qb::kernels::avx2 {
namespace {

// Zeros for the low half, ones for the high: 16 int16 lanes read from kTailKeep + r keep
// only their last r lanes.
alignas(32) constexpr int16_t kTailKeep[32] = {0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
                                               0,  0,  0,  0,  0,  -1, -1, -1, -1, -1, -1,
                                               -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};

inline __m256i widen16(const int8_t* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Eight int32 vectors of partial sums to their eight totals, in argument order.
inline __m256i reduce8(__m256i a0, __m256i a1, __m256i a2, __m256i a3, __m256i a4, __m256i a5,
                       __m256i a6, __m256i a7) {
  const __m256i low = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
  const __m256i high = _mm256_hadd_epi32(_mm256_hadd_epi32(a4, a5), _mm256_hadd_epi32(a6, a7));
  return _mm256_add_epi32(_mm256_permute2x128_si256(low, high, 0x20),
                          _mm256_permute2x128_si256(low, high, 0x31));
}

// Dot products of R rows of A with C rows of B over `depth` (>= 16) bytes: R x C
// accumulators of madd pairs. The last partial chunk re-reads the final 16 bytes and
// masks off, in B, the lanes the full chunks already counted, so nothing past either
// row is read. Totals come back in lane r * C + c (R * C <= 8; missing lanes are 0).
template <int R, int C>
inline __m256i dot_tile(const int8_t* const* a, const int8_t* const* b, int32_t depth,
                        __m256i tail_keep) {
  __m256i acc[8];
  for (int i = 0; i < 8; ++i) acc[i] = _mm256_setzero_si256();
  int32_t k = 0;
  for (; k + 16 <= depth; k += 16) {
    __m256i bv[C];
    for (int c = 0; c < C; ++c) bv[c] = widen16(b[c] + k);
    for (int r = 0; r < R; ++r) {
      const __m256i av = widen16(a[r] + k);
      for (int c = 0; c < C; ++c) {
        acc[r * C + c] = _mm256_add_epi32(acc[r * C + c], _mm256_madd_epi16(av, bv[c]));
      }
    }
  }
  if (k < depth) {
    const int32_t last = depth - 16;
    __m256i bv[C];
    for (int c = 0; c < C; ++c) bv[c] = _mm256_and_si256(widen16(b[c] + last), tail_keep);
    for (int r = 0; r < R; ++r) {
      const __m256i av = widen16(a[r] + last);
      for (int c = 0; c < C; ++c) {
        acc[r * C + c] = _mm256_add_epi32(acc[r * C + c], _mm256_madd_epi16(av, bv[c]));
      }
    }
  }
  return reduce8(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]);
}

// Per-column values (bias, multiplier, shift) spread over a tile's lanes: lane r * C + c
// holds column c's.
template <int C>
inline __m256i column_lanes(const int32_t* p);
template <>
inline __m256i column_lanes<1>(const int32_t* p) {
  return _mm256_set1_epi32(*p);
}
template <>
inline __m256i column_lanes<4>(const int32_t* p) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// The output stage of C consecutive columns, in tile lanes.
struct ColumnStage {
  __m256i bias;
  LaneRequant q;
};

template <int C>
inline ColumnStage column_stage(const OutputStage& stage, int32_t c) {
  return {column_lanes<C>(stage.folded_bias + c),
          stage.per_channel ? lane_requant(column_lanes<C>(stage.requant.multiplier + c),
                                           column_lanes<C>(stage.requant.shift + c))
                            : lane_requant(stage.requant.multiplier[0], stage.requant.shift[0])};
}

// R rows x C columns: dot products, requantization, and one store of C bytes per row.
template <int R, int C>
inline void matmul_tile(const int8_t* const* a, const int8_t* const* b, int32_t depth,
                        __m256i tail_keep, const ColumnStage& cs, const LaneClamp& clamp,
                        int8_t* out, int32_t columns) {
  const __m256i totals = dot_tile<R, C>(a, b, depth, tail_keep);
  const uint64_t bytes =
      pack8(offset_and_clamp(requantize(_mm256_add_epi32(totals, cs.bias), cs.q), clamp));
  for (int r = 0; r < R; ++r) {
    const uint64_t row = bytes >> (8 * C * r);
    __builtin_memcpy(out + r * columns, &row, C);
  }
}

// Columns [c, c + C) against every row: the column stage is derived once, the weight
// rows stay in L1 while the rows stream past, R rows per tile and then one at a time.
template <int R, int C>
void matmul_columns(const int8_t* a, int32_t a_stride, int32_t rows, int32_t depth, const int8_t* b,
                    int32_t c, int32_t columns, const OutputStage& stage, __m256i tail_keep,
                    int8_t* out) {
  const LaneClamp clamp = lane_clamp(stage.output_offset, stage.act_min, stage.act_max);
  const ColumnStage cs = column_stage<C>(stage, c);
  const int8_t* b_rows[C];
  for (int j = 0; j < C; ++j) b_rows[j] = b + (c + j) * depth;
  int32_t r = 0;
  for (; r + R <= rows; r += R) {
    const int8_t* a_rows[R];
    for (int i = 0; i < R; ++i) a_rows[i] = a + (r + i) * a_stride;
    matmul_tile<R, C>(a_rows, b_rows, depth, tail_keep, cs, clamp, out + r * columns + c, columns);
  }
  for (; r < rows; ++r) {
    const int8_t* a_row[1] = {a + r * a_stride};
    matmul_tile<1, C>(a_row, b_rows, depth, tail_keep, cs, clamp, out + r * columns + c, columns);
  }
}

// Depth under 16: each row and weight row is copied into a zero-padded 16-byte chunk, so
// the tile code runs one full chunk. Only small layers (dense heads, 8-channel pointwise)
// take this path.
void matmul_shallow(const int8_t* a, int32_t a_stride, int32_t rows, int32_t depth, const int8_t* b,
                    int32_t columns, const OutputStage& stage, int8_t* out) {
  const LaneClamp clamp = lane_clamp(stage.output_offset, stage.act_min, stage.act_max);
  const __m256i unused = _mm256_setzero_si256();
  alignas(16) int8_t a_pad[4][16];
  alignas(16) int8_t b_pad[16];
  for (int32_t r0 = 0; r0 < rows; r0 += 4) {
    const int32_t block = rows - r0 < 4 ? rows - r0 : 4;
    const int8_t* a_rows[4];
    for (int32_t r = 0; r < 4; ++r) {
      __builtin_memset(a_pad[r], 0, 16);
      if (r < block)
        __builtin_memcpy(a_pad[r], a + (r0 + r) * a_stride, static_cast<size_t>(depth));
      a_rows[r] = a_pad[r];
    }
    for (int32_t c = 0; c < columns; ++c) {
      __builtin_memset(b_pad, 0, 16);
      __builtin_memcpy(b_pad, b + c * depth, static_cast<size_t>(depth));
      const int8_t* b_rows[1] = {b_pad};
      const __m256i totals = dot_tile<4, 1>(a_rows, b_rows, 16, unused);
      const int32_t qi = stage.per_channel ? c : 0;
      const __m256i v = offset_and_clamp(
          requantize(_mm256_add_epi32(totals, _mm256_set1_epi32(stage.folded_bias[c])),
                     lane_requant(stage.requant.multiplier[qi], stage.requant.shift[qi])),
          clamp);
      const uint64_t bytes = pack8(v);
      for (int32_t r = 0; r < block; ++r) {
        out[(r0 + r) * columns + c] = static_cast<int8_t>(bytes >> (8 * r));
      }
    }
  }
}

// depth >= 16. Tiles of 2 rows x 4 columns (eight accumulators, six widening loads per
// 16 of depth); the last columns one at a time against 8 rows.
void matmul_deep(const int8_t* a, int32_t a_stride, int32_t rows, int32_t depth, const int8_t* b,
                 int32_t columns, const OutputStage& stage, int8_t* out) {
  const __m256i tail_keep =
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailKeep + depth % 16));
  int32_t c = 0;
  for (; c + 4 <= columns; c += 4) {
    matmul_columns<2, 4>(a, a_stride, rows, depth, b, c, columns, stage, tail_keep, out);
  }
  for (; c < columns; ++c) {
    matmul_columns<8, 1>(a, a_stride, rows, depth, b, c, columns, stage, tail_keep, out);
  }
}

}  // namespace

void matmul_requantize(const int8_t* a, int32_t a_stride, int32_t rows, int32_t depth,
                       const int8_t* b, int32_t columns, const OutputStage& stage, int8_t* out) {
  if (depth < 16) {
    matmul_shallow(a, a_stride, rows, depth, b, columns, stage, out);
  } else {
    matmul_deep(a, a_stride, rows, depth, b, columns, stage, out);
  }
}

void pointwise_conv2d(const ConvArgs& args) {
  const int32_t pixels = args.input_shape.n * args.input_shape.h * args.input_shape.w;
  const OutputStage stage{args.folded_bias,          args.requant,        true,
                          args.params.output_offset, args.params.act_min, args.params.act_max};
  const int32_t depth = args.input_shape.c;
  if (pixels >= packed::kRowTile && packed::fits(depth)) {
    packed::product(pixels, depth, args.filter, args.output_shape.c, stage, args.output,
                    [&](int32_t r0, int32_t count, int16_t* dst, int32_t stride) {
                      for (int32_t r = 0; r < count; ++r) {
                        packed::widen_copy(dst + r * stride, args.input + (r0 + r) * depth, depth);
                      }
                    });
    return;
  }
  matmul_requantize(args.input, args.input_shape.c, pixels, args.input_shape.c, args.filter,
                    args.output_shape.c, stage, args.output);
}

void dense(const DenseArgs& args) {
  const OutputStage stage{args.folded_bias,          args.requant,        args.params.per_channel,
                          args.params.output_offset, args.params.act_min, args.params.act_max};
  matmul_requantize(args.input, args.in_features, args.batches, args.in_features, args.filter,
                    args.out_features, stage, args.output);
}

}  // namespace qb::kernels::avx2
#endif  // __x86_64__
