// The int8 matrix product behind pointwise and im2col convolutions with at least a few
// rows: weights packed once per call as int16 pairs, rows widened to int16 once per
// tile, and a 6-row x 16-column register tile (12 accumulators).
//
// Why this layout: AVX2 has no int8 dot product that cannot saturate on full-range
// weights (pmaddubsw's int16 pair sums overflow at 255 * 127 * 2), so the multiply is
// pmaddwd on int16 pairs. With the weights packed as [8 columns][k, k + 1] and a row's
// pair (x[k], x[k + 1]) broadcast from memory (a load-port-only broadcast, which is why
// rows are widened first), one pmaddwd adds two depth steps into eight output columns,
// and the accumulators are the output lanes themselves: no horizontal reduction, and the
// requantization runs on eight channels at a time.
//
// Include after `#pragma GCC target("avx2")` and <immintrin.h>, in files whose code only
// runs where cpu_has_avx2().
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <type_traits>

#include "kernels/x86_avx2/avx2_kernels.h"
#include "kernels/x86_avx2/avx2_vector.h"

#pragma GCC push_options
#pragma GCC target("avx2")

namespace qb::kernels::avx2::packed {

// Bounds of the stack buffers: the row tile holds kRowTile rows of up to kMaxDepth int16
// values; the weight buffer holds as many 8-column groups of the current depth as fit.
// A product deeper than kMaxDepth takes the plain path (matmul_requantize).
inline constexpr int32_t kRowTile = 6;
inline constexpr int32_t kMaxDepth = 1024;
inline constexpr int32_t kMaxPairs = kMaxDepth / 2;
inline constexpr int32_t kWeightPairs = 8192;  // int32 pairs: 32 KB
inline constexpr int32_t kMaxGroups = 64;      // 512 columns per pass

// The output stages a chunk of columns can take. kExact and kExactLeft are
// multiply_by_quantized_multiplier lane for lane (kExactLeft when some column shifts
// left). kBounded serves chunks whose accumulators are known to stay far inside the
// int32 range (see bounded_fits): the weights and biases are packed doubled, so the
// rounded high half of each 64-bit product is its upper dword, and the rounding right
// shift's nudge and the output offset ride in the 64-bit constant added to the product.
enum Mode { kExact, kExactLeft, kBounded };

// kBounded per group: requantize(acc) + offset = (hi32(2acc * M + C) + tie) >> right,
// C = 2^31 + (2^right / 2 + offset * 2^right) * 2^32, tie = -1 for a negative
// accumulator when right > 0 (rounding half away from zero), else 0.
struct BoundedStage {
  __m256i multiplier_even, multiplier_odd;  // as LaneRequant
  __m256i constant_even, constant_odd;      // C of the even lanes, of the odd lanes
  __m256i right, tie_mask;                  // right; -1 where right > 0
};

// The output stage of one group of eight columns, in lanes. bias is doubled for
// kBounded.
struct GroupStage {
  __m256i bias;
  LaneRequant q;
  BoundedStage b;
};

// Saturating packs replace offset_and_clamp: for any int32 v, an int8 offset and
// [lo, hi] inside [-128, 127], clamp(sat8(sat16(sat16(v) + offset)), lo, hi) equals
// clamp(v + offset, lo, hi), since every saturation that bites already lies beyond the
// clamp on the same side.
struct ByteStage {
  __m256i offset16, lo8, hi8;
  bool narrow;  // the activation range is not all of [-128, 127]
};

inline ByteStage byte_stage(int32_t offset, int32_t act_min, int32_t act_max) {
  return {_mm256_set1_epi16(static_cast<int16_t>(offset)),
          _mm256_set1_epi8(static_cast<int8_t>(act_min)),
          _mm256_set1_epi8(static_cast<int8_t>(act_max)), act_min > -128 || act_max < 127};
}

// kBounded's requantization, output offset included. The product's high dword is
// exact: |2acc * M| < 2^61 and |C| < 2^62 (bounded_fits), and the high dword of the sum,
// hi32 = floor((2acc * M + 2^31) / 2^32) + nudge + offset * 2^right, stays below 2^30 in
// magnitude, so neither the 64-bit sum nor the 32-bit tie adjustment can overflow.
// Replacing "high half negative" by "accumulator negative" in the tie only differs where
// the high half is 0, and there (0 + nudge - 1) >> right is still 0.
inline __m256i requantize_bounded(__m256i acc2, const BoundedStage& f) {
  const __m256i even =
      _mm256_add_epi64(_mm256_mul_epi32(acc2, f.multiplier_even), f.constant_even);
  const __m256i odd = _mm256_add_epi64(
      _mm256_mul_epi32(_mm256_shuffle_epi32(acc2, 0xF5), f.multiplier_odd), f.constant_odd);
  const __m256i high = _mm256_blend_epi32(_mm256_shuffle_epi32(even, 0xF5), odd, 0xAA);
  const __m256i tie = _mm256_and_si256(_mm256_srai_epi32(acc2, 31), f.tie_mask);
  return _mm256_srav_epi32(_mm256_add_epi32(high, tie), f.right);
}

// Four groups of eight kBounded lanes (offset already in) to 32 bytes, as pack_quad.
inline __m256i pack_quad_offset(__m256i a, __m256i b, __m256i c, __m256i d, const ByteStage& s) {
  __m256i bytes = _mm256_permutevar8x32_epi32(
      _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d)),
      _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  if (s.narrow) bytes = _mm256_min_epi8(_mm256_max_epi8(bytes, s.lo8), s.hi8);
  return bytes;
}

// Four groups of eight requantized lanes to 32 bytes: a's eight, then b's, c's, d's.
inline __m256i pack_quad(__m256i a, __m256i b, __m256i c, __m256i d, const ByteStage& s) {
  const __m256i ab = _mm256_adds_epi16(_mm256_packs_epi32(a, b), s.offset16);
  const __m256i cd = _mm256_adds_epi16(_mm256_packs_epi32(c, d), s.offset16);
  // In-lane packs leave (a, b, c, d) low halves in the low 128 bits and high halves in
  // the high 128 bits, four bytes each; one dword permute puts each group back together.
  const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(ab, cd),
                                                    _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  return _mm256_min_epi8(_mm256_max_epi8(bytes, s.lo8), s.hi8);
}

// ---- rows ----------------------------------------------------------------------------

// dst[i] = src[i] for i < count (int8 to int16).
inline void widen_copy(int16_t* dst, const int8_t* src, int32_t count) {
  int32_t i = 0;
  for (; i + 16 <= count; i += 16) {
    _mm256_storeu_si256(
        reinterpret_cast<__m256i*>(dst + i),
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  }
  for (; i < count; ++i) dst[i] = src[i];
}

inline void fill16(int16_t* dst, int16_t value, int32_t count) {
  for (int32_t i = 0; i < count; ++i) dst[i] = value;
}

// ---- weights -------------------------------------------------------------------------

// Columns [c0, c0 + 8 * groups) of B (rows of `depth` bytes, `columns` of them) as
// int16 pairs: group g, pair j holds column c0 + 8g + l's (b[2j], b[2j + 1]) in lane l,
// at out + (g * pairs + j) * 8. Columns past the end and the odd depth's last partner
// are zero.
inline void pack_weights(const int8_t* b, int32_t depth, int32_t columns, int32_t c0,
                         int32_t groups, int32_t pairs, bool doubled, int32_t* out) {
  for (int32_t g = 0; g < groups; ++g) {
    const int8_t* rows[8];
    int32_t present = 0;
    for (int32_t l = 0; l < 8; ++l) {
      const int32_t c = c0 + 8 * g + l;
      rows[l] = c < columns ? b + c * depth : nullptr;
      present += c < columns ? 1 : 0;
    }
    int32_t* dst = out + g * pairs * 8;
    // Sixteen depth bytes of eight columns at a time: each widened row is eight pairs,
    // and an 8 x 8 transpose of dwords turns column-major pairs into pair-major lanes.
    for (int32_t k = 0; k < depth; k += 16) {
      const int32_t count = depth - k < 16 ? depth - k : 16;
      __m256i v[8];
      for (int32_t l = 0; l < 8; ++l) {
        if (l >= present) {
          v[l] = _mm256_setzero_si256();
        } else if (count == 16) {
          v[l] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[l] + k)));
        } else {
          v[l] = _mm256_cvtepi8_epi16(load_partial16(rows[l] + k, count));
        }
      }
      if (doubled) {
        for (int32_t l = 0; l < 8; ++l) v[l] = _mm256_slli_epi16(v[l], 1);
      }
      const __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]), t1 = _mm256_unpackhi_epi32(v[0], v[1]);
      const __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]), t3 = _mm256_unpackhi_epi32(v[2], v[3]);
      const __m256i t4 = _mm256_unpacklo_epi32(v[4], v[5]), t5 = _mm256_unpackhi_epi32(v[4], v[5]);
      const __m256i t6 = _mm256_unpacklo_epi32(v[6], v[7]), t7 = _mm256_unpackhi_epi32(v[6], v[7]);
      // u0: pair 0 of columns 0-3 | pair 4 of columns 0-3, and so on.
      const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
      const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
      const __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
      const __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
      const __m256i p[8] = {
          _mm256_permute2x128_si256(u0, u4, 0x20), _mm256_permute2x128_si256(u1, u5, 0x20),
          _mm256_permute2x128_si256(u2, u6, 0x20), _mm256_permute2x128_si256(u3, u7, 0x20),
          _mm256_permute2x128_si256(u0, u4, 0x31), _mm256_permute2x128_si256(u1, u5, 0x31),
          _mm256_permute2x128_si256(u2, u6, 0x31), _mm256_permute2x128_si256(u3, u7, 0x31)};
      const int32_t j0 = k / 2;
      const int32_t chunk_pairs = (count + 1) / 2;
      for (int32_t j = 0; j < chunk_pairs; ++j) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + (j0 + j) * 8), p[j]);
      }
    }
  }
}

// ---- the register tile ---------------------------------------------------------------

inline int32_t load_pair(const int16_t* p) {
  int32_t v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

// Where a tile's rows live: row r's depth is `segments` runs of segment_pairs int16
// pairs, run s at segment[s] + offset[r]. One run for a widened row buffer; k_h runs
// (one per kernel row, in separately stored input rows) for a direct convolution.
struct RowSet {
  const int16_t* const* segment;
  int32_t segments, segment_pairs;
  const int32_t* offset;  // per row, in int16 values
};

// R rows x G groups of eight columns (w_stride int32 apart); the result's rows go to
// out, `out_stride` bytes apart, `width` (<= 8 * G) bytes each.
template <int R, int G, Mode M>
inline void tile(const RowSet& rows, const int32_t* w, int32_t w_stride, const GroupStage* stage,
                 const ByteStage& bytes, int8_t* out, int32_t out_stride, int32_t columns_left,
                 int32_t tiles) {
  // `tiles` blocks of G groups side by side, in one call: the row pointers and the
  // call itself are paid once per row tile.
  for (int32_t t = 0; t < tiles;
       ++t, w += G * w_stride, stage += G, out += 8 * G, columns_left -= 8 * G) {
  const int32_t width = columns_left < 8 * G ? columns_left : 8 * G;
  __m256i acc[R][G];
  for (int r = 0; r < R; ++r) {
    for (int g = 0; g < G; ++g) acc[r][g] = stage[g].bias;
  }
  const int32_t pairs = rows.segment_pairs;
  const int32_t* ws = w;
  for (int32_t s = 0; s < rows.segments; ++s, ws += pairs * 8) {
    const int16_t* a[R];
    for (int r = 0; r < R; ++r) a[r] = rows.segment[s] + rows.offset[r];
#pragma GCC unroll 4
    for (int32_t j = 0; j < pairs; ++j) {
      __m256i wv[G];
      for (int g = 0; g < G; ++g) {
        wv[g] = _mm256_load_si256(reinterpret_cast<const __m256i*>(ws + g * w_stride + j * 8));
      }
      for (int r = 0; r < R; ++r) {
        const __m256i x = _mm256_set1_epi32(load_pair(a[r] + 2 * j));
        for (int g = 0; g < G; ++g) {
          acc[r][g] = _mm256_add_epi32(acc[r][g], _mm256_madd_epi16(x, wv[g]));
        }
      }
    }
  }
  // Requantized and packed a few rows at a time, so the accumulators are consumed
  // where they are and the output stage needs few registers of its own.
  auto q = [&](int r, int g) {
    if constexpr (M == kBounded) {
      return requantize_bounded(acc[r][g], stage[g].b);
    } else {
      return requantize<M == kExactLeft>(acc[r][g], stage[g].q);
    }
  };
  auto pack = [&](__m256i a, __m256i b, __m256i c, __m256i d) {
    if constexpr (M == kBounded) {
      return pack_quad_offset(a, b, c, d, bytes);
    } else {
      return pack_quad(a, b, c, d, bytes);
    }
  };
  const __m256i zero = _mm256_setzero_si256();
  alignas(32) int8_t buffer[32];
  auto store = [&](int8_t* dst, const int8_t* src) {
    if (width == 8 * G) {
      __builtin_memcpy(dst, src, 8 * G);
    } else {
      store_partial(dst, src, width);
    }
  };
  if constexpr (G == 2) {
    // Two rows per 32 bytes.
    for (int r = 0; r < R; r += 2) {
      const __m256i v = r + 1 < R ? pack(q(r, 0), q(r, 1), q(r + 1, 0), q(r + 1, 1))
                                  : pack(q(r, 0), q(r, 1), zero, zero);
      if (width == 16) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + r * out_stride),
                         _mm256_castsi256_si128(v));
        if (r + 1 < R) {
          _mm_storeu_si128(reinterpret_cast<__m128i*>(out + (r + 1) * out_stride),
                           _mm256_extracti128_si256(v, 1));
        }
        continue;
      }
      _mm256_store_si256(reinterpret_cast<__m256i*>(buffer), v);
      store(out + r * out_stride, buffer);
      if (r + 1 < R) store(out + (r + 1) * out_stride, buffer + 16);
    }
  } else {
    // Four rows per 32 bytes.
    for (int r = 0; r < R; r += 4) {
      const __m256i v = pack(q(r, 0), r + 1 < R ? q(r + 1, 0) : zero,
                             r + 2 < R ? q(r + 2, 0) : zero, r + 3 < R ? q(r + 3, 0) : zero);
      _mm256_store_si256(reinterpret_cast<__m256i*>(buffer), v);
      for (int i = 0; i < 4 && r + i < R; ++i) store(out + (r + i) * out_stride, buffer + 8 * i);
    }
  }
  }
}

template <int G, Mode M>
inline void tile_rows(int32_t count, const RowSet& rows, const int32_t* w, int32_t w_stride,
                      const GroupStage* stage, const ByteStage& bytes, int8_t* out,
                      int32_t out_stride, int32_t columns_left, int32_t tiles) {
  switch (count) {
#define QB_TILE(R) \
  case R: tile<R, G, M>(rows, w, w_stride, stage, bytes, out, out_stride, columns_left, tiles); break;
    QB_TILE(6)
    QB_TILE(5)
    QB_TILE(4)
    QB_TILE(3)
    QB_TILE(2)
#undef QB_TILE
    default: tile<1, G, M>(rows, w, w_stride, stage, bytes, out, out_stride, columns_left, tiles); break;
  }
}

// ---- columns -------------------------------------------------------------------------

inline bool fits(int32_t depth) { return depth >= 1 && depth <= kMaxDepth; }

// Room for one pass over as many columns as the packed weights allow.
struct ColumnBuffers {
  alignas(32) int32_t w[kWeightPairs];
  GroupStage stages[kMaxGroups];
};

// Columns [8 * g0, 8 * (g0 + groups)) of the product, packed.
struct Chunk {
  const int32_t* w;
  const GroupStage* stages;
  int32_t g0, groups, pairs, columns;
  Mode mode;
  ByteStage bytes;
};

// Rows [0, count) of `rows` (count <= kRowTile) times the chunk's columns, into out_rows
// (row 0's column 0 of the whole output; rows `columns` bytes apart).
inline void run_tile(const Chunk& chunk, const RowSet& rows, int32_t count, int8_t* out_rows) {
  const int32_t w_stride = chunk.pairs * 8;
  auto run = [&](auto g_tag, auto mode_tag, int32_t g, int32_t tiles) {
    constexpr int G = decltype(g_tag)::value;
    const int32_t c = 8 * (chunk.g0 + g);
    tile_rows<G, decltype(mode_tag)::value>(count, rows, chunk.w + g * w_stride, w_stride,
                                            chunk.stages + g, chunk.bytes, out_rows + c,
                                            chunk.columns, chunk.columns - c, tiles);
  };
  auto groups = [&](auto g_tag, int32_t g, int32_t tiles) {
    switch (chunk.mode) {
      case kBounded: run(g_tag, std::integral_constant<Mode, kBounded>{}, g, tiles); break;
      case kExactLeft: run(g_tag, std::integral_constant<Mode, kExactLeft>{}, g, tiles); break;
      default: run(g_tag, std::integral_constant<Mode, kExact>{}, g, tiles); break;
    }
  };
  const int32_t pairs_of_groups = chunk.groups / 2;
  if (pairs_of_groups > 0) groups(std::integral_constant<int, 2>{}, 0, pairs_of_groups);
  if (chunk.groups % 2 != 0) groups(std::integral_constant<int, 1>{}, chunk.groups - 1, 1);
}

// Whether kBounded serves columns whose folded biases reach max_bias in magnitude and
// whose right shifts reach max_right: every accumulator is below max_bias + depth * 2^14
// in magnitude (products of int8 values), and the margins in requantize_bounded need
// that plus 129 * 2^max_right below 2^30.
inline bool bounded_fits(int64_t max_bias, int32_t depth, int32_t max_right) {
  const int64_t bound = max_bias + int64_t{depth} * 128 * 128;
  return bound + 129 * (int64_t{1} << max_right) < (int64_t{1} << 30);
}

// Calls body(chunk) for successive chunks of B's columns (rows of `depth` bytes), each
// packed into `buffers`. Requires fits(depth).
template <class Body>
void for_each_chunk(const int8_t* b, int32_t depth, int32_t columns, const OutputStage& stage,
                    ColumnBuffers& buffers, Body&& body) {
  const int32_t pairs = (depth + 1) / 2;
  const int32_t all_groups = (columns + 7) / 8;
  int32_t chunk_groups = kWeightPairs / (8 * pairs);
  if (chunk_groups > kMaxGroups) chunk_groups = kMaxGroups;
  for (int32_t g0 = 0; g0 < all_groups; g0 += chunk_groups) {
    const int32_t groups = all_groups - g0 < chunk_groups ? all_groups - g0 : chunk_groups;
    const int32_t c0 = 8 * g0;
    const int32_t c1 = c0 + 8 * groups < columns ? c0 + 8 * groups : columns;
    bool shift_left = false;
    int64_t max_bias = 0;
    int32_t max_right = 0;
    for (int32_t c = c0; c < c1; ++c) {
      const int32_t shift = stage.requant.shift[stage.per_channel ? c : 0];
      const int64_t bias = stage.folded_bias[c];
      shift_left |= shift > 0;
      max_bias = bias < 0 ? (-bias > max_bias ? -bias : max_bias) : (bias > max_bias ? bias : max_bias);
      if (-shift > max_right) max_right = -shift;
    }
    const Mode mode = shift_left                                   ? kExactLeft
                      : bounded_fits(max_bias, depth, max_right) ? kBounded
                                                                   : kExact;
    pack_weights(b, depth, columns, c0, groups, pairs, mode == kBounded, buffers.w);
    for (int32_t g = 0; g < groups; ++g) {
      alignas(32) int32_t lanes[3][8] = {};  // bias, multiplier, shift
      alignas(32) int64_t constants[8] = {};
      alignas(32) int32_t right[8] = {}, tie_mask[8] = {};
      for (int32_t l = 0; l < 8; ++l) {
        const int32_t c = c0 + 8 * g + l;
        if (c >= columns) continue;
        const int32_t qi = stage.per_channel ? c : 0;
        lanes[0][l] = stage.folded_bias[c];
        lanes[1][l] = stage.requant.multiplier[qi];
        lanes[2][l] = stage.requant.shift[qi];
        if (mode == kBounded) {
          lanes[0][l] *= 2;
          const int32_t r = -lanes[2][l];
          const int64_t k = ((int64_t{1} << r) >> 1) + int64_t{stage.output_offset} * (int64_t{1} << r);
          constants[l] = (int64_t{1} << 31) + k * (int64_t{1} << 32);
          right[l] = r;
          tie_mask[l] = r > 0 ? -1 : 0;
        }
      }
      GroupStage& st = buffers.stages[g];
      st.bias = _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes[0]));
      const __m256i multiplier = _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes[1]));
      st.q = lane_requant(multiplier, _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes[2])));
      st.b.multiplier_even = multiplier;
      st.b.multiplier_odd = _mm256_srli_epi64(multiplier, 32);
      st.b.constant_even = _mm256_setr_epi64x(constants[0], constants[2], constants[4], constants[6]);
      st.b.constant_odd = _mm256_setr_epi64x(constants[1], constants[3], constants[5], constants[7]);
      st.b.right = _mm256_load_si256(reinterpret_cast<const __m256i*>(right));
      st.b.tie_mask = _mm256_load_si256(reinterpret_cast<const __m256i*>(tie_mask));
    }
    const Chunk chunk{buffers.w, buffers.stages, g0, groups, pairs, columns, mode,
                      byte_stage(stage.output_offset, stage.act_min, stage.act_max)};
    body(chunk);
  }
}

// out[r][c] = requantize(folded_bias[c] + sum over k of row_r[k] * b[c][k]) for r < rows,
// c < columns, where fill_rows(r0, count, dst, stride) writes rows r0 .. r0 + count - 1,
// widened to int16, `stride` values apart (depth values each). Requires fits(depth).
template <class FillRows>
void product(int32_t rows, int32_t depth, const int8_t* b, int32_t columns, const OutputStage& stage,
             int8_t* out, FillRows&& fill_rows) {
  const int32_t pairs = (depth + 1) / 2;
  const int32_t a_stride = 2 * pairs + 16;  // int16; the padding keeps rows off one stride
  alignas(32) int16_t a[kRowTile * (2 * kMaxPairs + 16)];
  ColumnBuffers buffers;
  int32_t offsets[kRowTile];
  for (int32_t r = 0; r < kRowTile; ++r) offsets[r] = r * a_stride;
  const int16_t* const segment[1] = {a};
  const RowSet set{segment, 1, pairs, offsets};
  for_each_chunk(b, depth, columns, stage, buffers, [&](const Chunk& chunk) {
    for (int32_t r0 = 0; r0 < rows; r0 += kRowTile) {
      const int32_t count = rows - r0 < kRowTile ? rows - r0 : kRowTile;
      fill_rows(r0, count, a, a_stride);
      if (depth % 2 != 0) {
        for (int32_t r = 0; r < count; ++r) a[r * a_stride + depth] = 0;
      }
      run_tile(chunk, set, count, out + r0 * columns);
    }
  });
}

}  // namespace qb::kernels::avx2::packed

#pragma GCC pop_options
