// Int8 3x3 stride-1 convolution for AVX2 by Winograd's F(2x2, 3x3), in exact integers.
//
// Each 2x2 block of output pixels is computed from its 4x4 input patch with 16 products
// per (input, output) channel pair instead of 36: the patch is transformed
// (U = B^T d B), multiplied elementwise by the transformed filter (V = G g G^T) and summed
// over input channels, and the 16 sums are transformed back (Y = A^T M A). G has halves
// in it, so the filter is transformed with 2G instead: V is 4x its exact value and so is
// Y, which is then an exact multiple of 4. Every step is integer addition or
// multiplication within bounds checked up front (|U| <= 4 * 128, |V| <= 9 * 127), so the
// result is the convolution's exact sum, and the output stage is the same as every
// other path's: the bytes are the reference's.
//
// The multiply-accumulate is the packed product's layout: U pairs of input channels
// broadcast, V packed as [position][channel pair][8 output channels], pmaddwd.
#if defined(__x86_64__)
#include "kernels/x86_avx2/avx2_kernels.h"

#pragma GCC target("avx2")
#include <immintrin.h>

#include "kernels/x86_avx2/avx2_vector.h"
#include "kernels/x86_avx2/packed_gemm_avx2.h"

namespace qb::kernels::avx2 {
namespace {

constexpr int32_t kTileBlock = 3;                 // 2x2 output blocks per pass
constexpr int32_t kMaxChannelChunks = 4;          // input channels <= 64
constexpr int32_t kMaxGroups = 16;                // output channels <= 128
constexpr int32_t kFilterPairs = 16384;           // transformed filter: 64 KB of int16 pairs

struct Geometry {
  int32_t in_h, in_w, in_c, out_h, out_w, out_c;
  int32_t pad_top, pad_left;
  int32_t chunks;  // input channels in vectors of 16 (rounded up)
  int32_t pairs;   // 8 * chunks
  int32_t groups;  // output channels in groups of 8 (rounded up)
  int32_t tiles_h, tiles_w;
};

// V for every position p, channel pair j and output channel: v[(p * pairs + j) * 8 * groups
// + oc] is the int16 pair (V[oc][2j][p], V[oc][2j + 1][p]); channels past the ends are 0.
void transform_filter(const ConvArgs& args, const Geometry& g, int32_t* v) {
  const int32_t in_c = g.in_c;
  const int32_t stride = 8 * g.groups;
  __builtin_memset(v, 0, sizeof(int32_t) * 16 * g.pairs * stride);
  for (int32_t oc = 0; oc < g.out_c; ++oc) {
    const int8_t* f = args.filter + oc * 9 * in_c;
    for (int32_t chunk = 0; chunk < g.chunks; ++chunk) {
      const int32_t ic0 = 16 * chunk;
      const int32_t count = in_c - ic0 < 16 ? in_c - ic0 : 16;
      __m256i w[3][3];
      for (int32_t t = 0; t < 9; ++t) {
        const int8_t* p = f + t * in_c + ic0;
        w[t / 3][t % 3] = _mm256_cvtepi8_epi16(
            count == 16 ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p))
                        : load_partial16(p, count));
      }
      // 2G g: rows 2g0, g0 + g1 + g2, g0 - g1 + g2, 2g2 (over ky), then the same over kx.
      __m256i r[4][3];
      for (int32_t kx = 0; kx < 3; ++kx) {
        const __m256i g0 = w[0][kx], g1 = w[1][kx], g2 = w[2][kx];
        const __m256i even = _mm256_add_epi16(g0, g2);
        r[0][kx] = _mm256_add_epi16(g0, g0);
        r[1][kx] = _mm256_add_epi16(even, g1);
        r[2][kx] = _mm256_sub_epi16(even, g1);
        r[3][kx] = _mm256_add_epi16(g2, g2);
      }
      alignas(32) int16_t values[16][16];  // [position][input channel]
      for (int32_t a = 0; a < 4; ++a) {
        const __m256i g0 = r[a][0], g1 = r[a][1], g2 = r[a][2];
        const __m256i even = _mm256_add_epi16(g0, g2);
        _mm256_store_si256(reinterpret_cast<__m256i*>(values[4 * a + 0]), _mm256_add_epi16(g0, g0));
        _mm256_store_si256(reinterpret_cast<__m256i*>(values[4 * a + 1]), _mm256_add_epi16(even, g1));
        _mm256_store_si256(reinterpret_cast<__m256i*>(values[4 * a + 2]), _mm256_sub_epi16(even, g1));
        _mm256_store_si256(reinterpret_cast<__m256i*>(values[4 * a + 3]), _mm256_add_epi16(g2, g2));
      }
      for (int32_t p = 0; p < 16; ++p) {
        for (int32_t jj = 0; jj < 8; ++jj) {
          const uint32_t pair = static_cast<uint16_t>(values[p][2 * jj]) |
                                (static_cast<uint32_t>(static_cast<uint16_t>(values[p][2 * jj + 1])) << 16);
          v[(p * g.pairs + 8 * chunk + jj) * stride + oc] = static_cast<int32_t>(pair);
        }
      }
    }
  }
}

// U = B^T d B of one 2x2 block's 4x4 patch, 16 channels per vector: u[p * u_stride + ic].
// B^T rows: (1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1).
void transform_input(const ConvArgs& args, const Geometry& g, int32_t b, int32_t ty, int32_t tx,
                     int16_t* u, int32_t u_stride) {
  const int8_t zero_point = static_cast<int8_t>(-args.params.input_offset);
  const int32_t iy0 = 2 * ty - g.pad_top, ix0 = 2 * tx - g.pad_left;
  const int8_t* image = args.input + b * g.in_h * g.in_w * g.in_c;
  for (int32_t chunk = 0; chunk < g.chunks; ++chunk) {
    const int32_t ic0 = 16 * chunk;
    const int32_t count = g.in_c - ic0 < 16 ? g.in_c - ic0 : 16;
    __m256i d[4][4];
    for (int32_t a = 0; a < 4; ++a) {
      const int32_t iy = iy0 + a;
      for (int32_t c = 0; c < 4; ++c) {
        const int32_t ix = ix0 + c;
        __m128i bytes;
        if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) {
          bytes = _mm_set1_epi8(zero_point);
        } else {
          const int8_t* p = image + (iy * g.in_w + ix) * g.in_c + ic0;
          bytes = count == 16 ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p))
                              : load_partial16(p, count);
        }
        d[a][c] = _mm256_cvtepi8_epi16(bytes);
      }
    }
    __m256i t[4][4];
    for (int32_t c = 0; c < 4; ++c) {
      t[0][c] = _mm256_sub_epi16(d[0][c], d[2][c]);
      t[1][c] = _mm256_add_epi16(d[1][c], d[2][c]);
      t[2][c] = _mm256_sub_epi16(d[2][c], d[1][c]);
      t[3][c] = _mm256_sub_epi16(d[1][c], d[3][c]);
    }
    for (int32_t a = 0; a < 4; ++a) {
      int16_t* row = u + 4 * a * u_stride + ic0;
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row), _mm256_sub_epi16(t[a][0], t[a][2]));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + u_stride),
                          _mm256_add_epi16(t[a][1], t[a][2]));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + 2 * u_stride),
                          _mm256_sub_epi16(t[a][2], t[a][1]));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + 3 * u_stride),
                          _mm256_sub_epi16(t[a][1], t[a][3]));
    }
  }
}

// M[r][group][p] = sum over channel pairs of U[r][p] x V[p] for R blocks and G groups at
// one position p.
template <int R, int G>
inline void multiply(const int16_t* const* u, const int32_t* v, int32_t v_stride, int32_t pairs,
                     __m256i* m, int32_t m_stride_r, int32_t m_stride_g) {
  __m256i acc[R][G];
  for (int r = 0; r < R; ++r) {
    for (int gg = 0; gg < G; ++gg) acc[r][gg] = _mm256_setzero_si256();
  }
#pragma GCC unroll 4
  for (int32_t j = 0; j < pairs; ++j) {
    __m256i wv[G];
    for (int gg = 0; gg < G; ++gg) {
      wv[gg] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + j * v_stride + 8 * gg));
    }
    for (int r = 0; r < R; ++r) {
      const __m256i x = _mm256_set1_epi32(packed::load_pair(u[r] + 2 * j));
      for (int gg = 0; gg < G; ++gg) {
        acc[r][gg] = _mm256_add_epi32(acc[r][gg], _mm256_madd_epi16(x, wv[gg]));
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int gg = 0; gg < G; ++gg) m[r * m_stride_r + gg * m_stride_g] = acc[r][gg];
  }
}

template <int R>
void multiply_groups(const int16_t* const* u, const int32_t* v, int32_t v_stride, int32_t pairs,
                     int32_t groups, __m256i* m, int32_t m_stride_r, int32_t m_stride_g) {
  int32_t gg = 0;
  for (; gg + 4 <= groups; gg += 4) {
    multiply<R, 4>(u, v + 8 * gg, v_stride, pairs, m + gg * m_stride_g, m_stride_r, m_stride_g);
  }
  switch (groups - gg) {
    case 3: multiply<R, 3>(u, v + 8 * gg, v_stride, pairs, m + gg * m_stride_g, m_stride_r, m_stride_g); break;
    case 2: multiply<R, 2>(u, v + 8 * gg, v_stride, pairs, m + gg * m_stride_g, m_stride_r, m_stride_g); break;
    case 1: multiply<R, 1>(u, v + 8 * gg, v_stride, pairs, m + gg * m_stride_g, m_stride_r, m_stride_g); break;
    default: break;
  }
}

}  // namespace

bool conv2d_winograd(const ConvArgs& args) {
  const ConvParams& p = args.params;
  if (args.filter_shape.h != 3 || args.filter_shape.w != 3 || p.stride_h != 1 || p.stride_w != 1) {
    return false;
  }
  Geometry g{};
  g.in_h = args.input_shape.h;
  g.in_w = args.input_shape.w;
  g.in_c = args.input_shape.c;
  g.out_h = args.output_shape.h;
  g.out_w = args.output_shape.w;
  g.out_c = args.output_shape.c;
  g.pad_top = p.pad_top;
  g.pad_left = p.pad_left;
  g.chunks = (g.in_c + 15) / 16;
  g.pairs = 8 * g.chunks;
  g.groups = (g.out_c + 7) / 8;
  g.tiles_h = (g.out_h + 1) / 2;
  g.tiles_w = (g.out_w + 1) / 2;
  if (g.chunks > kMaxChannelChunks || g.groups > kMaxGroups) return false;
  if (16 * g.pairs * 8 * g.groups > kFilterPairs) return false;

  // The bounded output stage (packed_gemm_avx2.h) over the exact sums, and int32 room
  // for the transforms: |M| <= 16 * chunks * 512 * 1143 and |Y| <= 9 |M|.
  int64_t max_bias = 0;
  int32_t max_right = 0;
  for (int32_t oc = 0; oc < g.out_c; ++oc) {
    if (args.requant.shift[oc] > 0) return false;
    const int64_t bias = args.folded_bias[oc];
    if ((bias < 0 ? -bias : bias) > max_bias) max_bias = bias < 0 ? -bias : bias;
    if (-args.requant.shift[oc] > max_right) max_right = -args.requant.shift[oc];
  }
  if (!packed::bounded_fits(max_bias, 9 * g.in_c, max_right)) return false;
  if (int64_t{9} * 16 * g.chunks * 512 * 1143 >= (int64_t{1} << 30)) return false;
  if (4 * (max_bias + int64_t{9} * g.in_c * 128 * 128) >= (int64_t{1} << 30)) return false;

  const int32_t v_stride = 8 * g.groups;  // int32 per channel pair
  alignas(32) int32_t v[kFilterPairs];
  transform_filter(args, g, v);

  // Output stage per group: bounded requantization (doubled bias, offset inside).
  packed::GroupStage stages[kMaxGroups];
  for (int32_t gg = 0; gg < g.groups; ++gg) {
    alignas(32) int32_t bias[8] = {}, multiplier[8] = {}, right[8] = {}, tie[8] = {};
    alignas(32) int64_t constants[8] = {};
    for (int32_t l = 0; l < 8; ++l) {
      const int32_t oc = 8 * gg + l;
      if (oc >= g.out_c) continue;
      const int32_t r = -args.requant.shift[oc];
      bias[l] = 2 * args.folded_bias[oc];
      multiplier[l] = args.requant.multiplier[oc];
      const int64_t k = ((int64_t{1} << r) >> 1) + int64_t{p.output_offset} * (int64_t{1} << r);
      constants[l] = (int64_t{1} << 31) + k * (int64_t{1} << 32);
      right[l] = r;
      tie[l] = r > 0 ? -1 : 0;
    }
    packed::GroupStage& st = stages[gg];
    st.bias = _mm256_load_si256(reinterpret_cast<const __m256i*>(bias));
    const __m256i m = _mm256_load_si256(reinterpret_cast<const __m256i*>(multiplier));
    st.b.multiplier_even = m;
    st.b.multiplier_odd = _mm256_srli_epi64(m, 32);
    st.b.constant_even = _mm256_setr_epi64x(constants[0], constants[2], constants[4], constants[6]);
    st.b.constant_odd = _mm256_setr_epi64x(constants[1], constants[3], constants[5], constants[7]);
    st.b.right = _mm256_load_si256(reinterpret_cast<const __m256i*>(right));
    st.b.tie_mask = _mm256_load_si256(reinterpret_cast<const __m256i*>(tie));
  }
  const packed::ByteStage bytes = packed::byte_stage(p.output_offset, p.act_min, p.act_max);

  const int32_t u_stride = 16 * g.chunks;  // int16 per position
  alignas(32) int16_t u[kTileBlock][16 * 16 * kMaxChannelChunks];
  // m[(r * groups + group) * 16 + position]
  __m256i m[kTileBlock * kMaxGroups * 16];

  const int32_t tiles = g.tiles_h * g.tiles_w;
  for (int32_t b = 0; b < args.input_shape.n; ++b) {
    for (int32_t t0 = 0; t0 < tiles; t0 += kTileBlock) {
      const int32_t count = tiles - t0 < kTileBlock ? tiles - t0 : kTileBlock;
      for (int32_t r = 0; r < count; ++r) {
        const int32_t t = t0 + r;
        transform_input(args, g, b, t / g.tiles_w, t % g.tiles_w, u[r], u_stride);
      }
      for (int32_t pos = 0; pos < 16; ++pos) {
        const int16_t* rows[kTileBlock] = {u[0] + pos * u_stride, u[1] + pos * u_stride,
                                           u[2] + pos * u_stride};
        const int32_t* vp = v + pos * g.pairs * v_stride;
        __m256i* mp = m + pos;
        switch (count) {
          case 3: multiply_groups<3>(rows, vp, v_stride, g.pairs, g.groups, mp, g.groups * 16, 16); break;
          case 2: multiply_groups<2>(rows, vp, v_stride, g.pairs, g.groups, mp, g.groups * 16, 16); break;
          default: multiply_groups<1>(rows, vp, v_stride, g.pairs, g.groups, mp, g.groups * 16, 16); break;
        }
      }
      for (int32_t r = 0; r < count; ++r) {
        const int32_t t = t0 + r;
        const int32_t oy0 = 2 * (t / g.tiles_w), ox0 = 2 * (t % g.tiles_w);
        for (int32_t gg = 0; gg < g.groups; ++gg) {
          const __m256i* mm = m + (r * g.groups + gg) * 16;
          // A^T rows: (1, 1, 1, 0), (0, 1, -1, -1); first over the rows of M, then columns.
          __m256i s[2][4];
          for (int32_t c = 0; c < 4; ++c) {
            const __m256i m1 = mm[4 + c], m2 = mm[8 + c];
            s[0][c] = _mm256_add_epi32(_mm256_add_epi32(mm[c], m1), m2);
            s[1][c] = _mm256_sub_epi32(_mm256_sub_epi32(m1, m2), mm[12 + c]);
          }
          __m256i y[4];  // (0,0), (0,1), (1,0), (1,1); 4x the sums, exactly
          for (int32_t i = 0; i < 2; ++i) {
            y[2 * i] = _mm256_add_epi32(_mm256_add_epi32(s[i][0], s[i][1]), s[i][2]);
            y[2 * i + 1] = _mm256_sub_epi32(_mm256_sub_epi32(s[i][1], s[i][2]), s[i][3]);
          }
          const packed::GroupStage& st = stages[gg];
          for (auto& value : y) {
            value = packed::requantize_bounded(
                _mm256_add_epi32(_mm256_srai_epi32(value, 1), st.bias), st.b);
          }
          alignas(32) int8_t out_bytes[32];
          _mm256_store_si256(reinterpret_cast<__m256i*>(out_bytes),
                             packed::pack_quad_offset(y[0], y[1], y[2], y[3], bytes));
          const int32_t width = g.out_c - 8 * gg < 8 ? g.out_c - 8 * gg : 8;
          for (int32_t i = 0; i < 4; ++i) {
            const int32_t oy = oy0 + i / 2, ox = ox0 + i % 2;
            if (oy >= g.out_h || ox >= g.out_w) continue;
            int8_t* dst = args.output + ((b * g.out_h + oy) * g.out_w + ox) * g.out_c + 8 * gg;
            if (width == 8) {
              __builtin_memcpy(dst, out_bytes + 8 * i, 8);
            } else {
              store_partial(dst, out_bytes + 8 * i, width);
            }
          }
        }
      }
    }
  }
  return true;
}

}  // namespace qb::kernels::avx2
#endif  // __x86_64__
