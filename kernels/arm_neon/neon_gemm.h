// The int8 matrix-product core that conv2d (over im2col columns), pointwise_conv2d and
// dense share: up to four rows (pixels or batches) against the filter rows, four output
// channels at a time, each output the folded bias plus a dot product over the depth k.
//
// Lanes run along the depth: a 16-byte slice of a row meets the same slice of a filter
// row, and the products land in an int32x4 whose lanes are summed at the end by pairwise
// adds (three ADDPs give one row's four channels). With the Armv8.2-A dot product, SDOT
// takes a slice in one instruction. On Armv8-A, SMULL + SMLAL2 form eight int16 sums of two
// products each and SADALP widens them into the accumulator: two products stay within
// int16 because weights are symmetric (|w| <= 127, DESIGN.md) and |x| <= 128.
// A depth that is not a multiple of 16 ends with the 16-byte slice that ends the row, its
// lanes already counted zeroed on the row side; a depth under 16 reads 16 bytes from rows
// the caller made readable (copies near the end of a buffer) and zeroes lanes past k.
// Depth 8 (1x1 convolutions over 8 channels) puts two filter rows in one vector against
// the row repeated in both halves, so no lane is wasted.
#pragma once

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "kernels/arm_neon/neon_common.h"

namespace qb::kernels::neon {

// acc += the 16 products of a and w, in some lanes of acc.
template <bool kDot>
inline int32x4_t mac16(int32x4_t acc, int8x16_t a, int8x16_t w) {
#if defined(__ARM_FEATURE_DOTPROD)
  if constexpr (kDot) return vdotq_s32(acc, a, w);
#endif
  const int16x8_t pairs = vmlal_high_s8(vmull_s8(vget_low_s8(a), vget_low_s8(w)), a, w);
  return vpadalq_s16(acc, pairs);
}

// 8 bytes at p in both halves of a vector.
inline int8x16_t load_dup8(const int8_t* p) {
  uint64_t bits;
  std::memcpy(&bits, p, 8);
  return vreinterpretq_s8_u64(vdupq_n_u64(bits));
}

struct GemmParams {
  int32_t k = 0, n = 0;            // depth, output channels
  const int8_t* filter = nullptr;  // [n][k]
  const int32_t* bias = nullptr;   // folded bias, [n]
  const int32_t* multiplier = nullptr;
  const int32_t* shift = nullptr;
  bool per_channel = true;  // false: multiplier[0], shift[0] for every channel
  int32_t output_offset = 0, act_min = -128, act_max = 127;
  OutputStage out;
  int8x16_t tail_mask;  // lanes of the last slice not yet counted
};

inline GemmParams make_gemm(int32_t k, int32_t n, const int8_t* filter, const int32_t* bias,
                            const int32_t* multiplier, const int32_t* shift, bool per_channel,
                            int32_t output_offset, int32_t act_min, int32_t act_max) {
  GemmParams g;
  g.k = k;
  g.n = n;
  g.filter = filter;
  g.bias = bias;
  g.multiplier = multiplier;
  g.shift = shift;
  g.per_channel = per_channel;
  g.output_offset = output_offset;
  g.act_min = act_min;
  g.act_max = act_max;
  g.out = make_output_stage(output_offset, act_min, act_max);
  // Depth < 16: lanes [0, k). Otherwise the last slice starts at k - 16 and its first
  // 16 - k % 16 lanes were in the previous slice.
  g.tail_mask = k < 16 ? mask_first(k) : vmvnq_s8(mask_first(16 - k % 16));
  return g;
}

// Channels [oc, oc + count) of the requantization.
inline Quant4 load_quant_group(const GemmParams& g, int32_t oc, int32_t count) {
  if (g.per_channel) {
    return count == 4 ? load_quant4(g.bias, g.multiplier, g.shift, oc)
                      : load_quant_partial(g.bias, g.multiplier, g.shift, oc, count);
  }
  int32x4_t bias;
  if (count == 4) {
    bias = vld1q_s32(g.bias + oc);
  } else {
    int32_t b[4];
    for (int32_t i = 0; i < 4; ++i) b[i] = g.bias[oc + (i < count ? i : count - 1)];
    bias = vld1q_s32(b);
  }
  return make_quant4(bias, vdupq_n_s32(g.multiplier[0]), vdupq_n_s32(g.shift[0]));
}

// out[r] = the depth-k dot products of row r (at a + r * a_stride) with the four filter
// rows w0..w3, one channel per lane.
template <bool kDot, int kRows>
inline void dot_tile(const int8_t* a, int32_t a_stride, const int8_t* w0, const int8_t* w1,
                     const int8_t* w2, const int8_t* w3, int32_t k, int8x16_t tail_mask,
                     int32x4_t* out) {
  int32x4_t acc[kRows][4];
  for (int r = 0; r < kRows; ++r)
    for (int j = 0; j < 4; ++j) acc[r][j] = vdupq_n_s32(0);
  int32_t off = 0;
  for (; off + 16 <= k; off += 16) {
    const int8x16_t wv[4] = {vld1q_s8(w0 + off), vld1q_s8(w1 + off), vld1q_s8(w2 + off),
                             vld1q_s8(w3 + off)};
    for (int r = 0; r < kRows; ++r) {
      const int8x16_t av = vld1q_s8(a + r * a_stride + off);
      for (int j = 0; j < 4; ++j) acc[r][j] = mac16<kDot>(acc[r][j], av, wv[j]);
    }
  }
  if (off < k) {
    const int32_t last = k < 16 ? 0 : k - 16;
    const int8x16_t wv[4] = {vld1q_s8(w0 + last), vld1q_s8(w1 + last), vld1q_s8(w2 + last),
                             vld1q_s8(w3 + last)};
    for (int r = 0; r < kRows; ++r) {
      const int8x16_t av = vandq_s8(vld1q_s8(a + r * a_stride + last), tail_mask);
      for (int j = 0; j < 4; ++j) acc[r][j] = mac16<kDot>(acc[r][j], av, wv[j]);
    }
  }
  for (int r = 0; r < kRows; ++r) {
    out[r] = vpaddq_s32(vpaddq_s32(acc[r][0], acc[r][1]), vpaddq_s32(acc[r][2], acc[r][3]));
  }
}

// Depth 8: w01 holds channels 0 and 1 (8 bytes each), w23 channels 2 and 3; the
// accumulators start from b01 = {bias0, 0, bias1, 0} and b23 = {bias2, 0, bias3, 0}, so
// the pairwise add that joins them yields the biased sums of channels 0..3.
template <bool kDot, int kRows>
inline void dot_tile_k8(const int8_t* a, int32_t a_stride, int8x16_t w01, int8x16_t w23,
                        int32x4_t b01, int32x4_t b23, int32x4_t* out) {
  for (int r = 0; r < kRows; ++r) {
    const int8x16_t av = load_dup8(a + r * a_stride);
#if defined(__ARM_FEATURE_DOTPROD)
    if constexpr (kDot) {
      out[r] = vpaddq_s32(vdotq_s32(b01, av, w01), vdotq_s32(b23, av, w23));
      continue;
    }
#endif
    const int8x8_t a8 = vget_low_s8(av);
    const int16x8_t p0 = vmull_s8(a8, vget_low_s8(w01));
    const int16x8_t p1 = vmull_high_s8(av, w01);
    const int16x8_t p2 = vmull_s8(a8, vget_low_s8(w23));
    const int16x8_t p3 = vmull_high_s8(av, w23);
    // One pairwise add keeps two products per int16 lane; SADALP widens into the bias.
    const int32x4_t s01 = vpadalq_s16(b01, vpaddq_s16(p0, p1));
    const int32x4_t s23 = vpadalq_s16(b23, vpaddq_s16(p2, p3));
    out[r] = vpaddq_s32(s01, s23);
  }
}

// Stores the four channel bytes of row r (lane r of v as int32) at dst.
template <int kRow>
inline void store_row4(int8_t* dst, int8x16_t v) {
  const uint32_t bits = vgetq_lane_u32(vreinterpretq_u32_s8(v), kRow);
  std::memcpy(dst, &bits, 4);
}

// One group of four output channels: its filter rows, its requantization, and the depth-8
// form of both; loaded once and used for every row.
struct ChannelGroup {
  int32_t oc, count;
  const int8_t *w0, *w1, *w2, *w3;  // filter rows; missing channels repeat the last
  Quant4 q;
  int8x16_t w01, w23;  // depth 8 only
  int32x4_t b01, b23;  // depth 8 only: {bias0, 0, bias1, 0}, {bias2, 0, bias3, 0}
};

// spill: 64 bytes for filter rows whose 16-byte loads would pass the filter's end.
inline ChannelGroup load_group(const GemmParams& g, int32_t oc, int8_t* spill) {
  ChannelGroup c;
  c.oc = oc;
  c.count = g.n - oc < 4 ? g.n - oc : 4;
  const int32_t last = oc + c.count - 1;
  const int8_t* const base = g.filter + oc * g.k;
  c.w0 = base;
  c.w1 = c.count > 1 ? base + g.k : g.filter + last * g.k;
  c.w2 = c.count > 2 ? base + 2 * g.k : g.filter + last * g.k;
  c.w3 = c.count > 3 ? base + 3 * g.k : g.filter + last * g.k;
  c.q = load_quant_group(g, oc, c.count);
  if (g.k == 8) {
    c.w01 = vcombine_s8(vld1_s8(c.w0), vld1_s8(c.w1));
    c.w23 = vcombine_s8(vld1_s8(c.w2), vld1_s8(c.w3));
    const int32x4_t zero = vdupq_n_s32(0);
    c.b01 = vzip1q_s32(c.q.bias, zero);
    c.b23 = vzip2q_s32(c.q.bias, zero);
  } else {
    c.w01 = c.w23 = vdupq_n_s8(0);
    c.b01 = c.b23 = c.q.bias;
    if (g.k < 16) {
      const int8_t* const end = g.filter + g.n * g.k;
      c.w0 = readable16(c.w0, g.k, end, spill);
      c.w1 = readable16(c.w1, g.k, end, spill + 16);
      c.w2 = readable16(c.w2, g.k, end, spill + 32);
      c.w3 = readable16(c.w3, g.k, end, spill + 48);
    }
  }
  return c;
}

// kRows rows (row r at a + r * a_stride, k bytes, 16 readable when k < 16 and k != 8)
// against one channel group; row r's outputs go to out + r * n.
template <bool kDot, bool kLeftShift, int kRows>
inline void tile(const GemmParams& g, const ChannelGroup& c, const int8_t* a, int32_t a_stride,
                 int8_t* out) {
  int32x4_t acc[kRows];
  int32x4_t r[4];
  if (g.k == 8) {
    dot_tile_k8<kDot, kRows>(a, a_stride, c.w01, c.w23, c.b01, c.b23, acc);
    for (int i = 0; i < kRows; ++i)
      r[i] = requantize<kLeftShift>(acc[i], c.q.multiplier, c.q.left, c.q.right);
  } else {
    dot_tile<kDot, kRows>(a, a_stride, c.w0, c.w1, c.w2, c.w3, g.k, g.tail_mask, acc);
    for (int i = 0; i < kRows; ++i) r[i] = requantize<kLeftShift>(acc[i], c.q);
  }
  for (int i = kRows; i < 4; ++i) r[i] = r[0];
  const int8x16_t v = narrow16(g.out, r[0], r[1], r[2], r[3]);
  int8_t* const dst = out + c.oc;
  if (c.count == 4) {
    store_row4<0>(dst, v);
    if constexpr (kRows > 1) store_row4<1>(dst + g.n, v);
    if constexpr (kRows > 2) store_row4<2>(dst + 2 * g.n, v);
    if constexpr (kRows > 3) store_row4<3>(dst + 3 * g.n, v);
  } else {
    alignas(16) int8_t bytes[16];
    vst1q_s8(bytes, v);
    for (int i = 0; i < kRows; ++i)
      for (int32_t j = 0; j < c.count; ++j) dst[i * g.n + j] = bytes[4 * i + j];
  }
}

template <bool kDot, bool kLeftShift>
inline void tile_some(const GemmParams& g, const ChannelGroup& c, int32_t rows, const int8_t* a,
                      int32_t a_stride, int8_t* out) {
  switch (rows) {
    case 4:
      tile<kDot, kLeftShift, 4>(g, c, a, a_stride, out);
      break;
    case 3:
      tile<kDot, kLeftShift, 3>(g, c, a, a_stride, out);
      break;
    case 2:
      tile<kDot, kLeftShift, 2>(g, c, a, a_stride, out);
      break;
    default:
      tile<kDot, kLeftShift, 1>(g, c, a, a_stride, out);
      break;
  }
}

// All n output channels of `rows` (1..4) rows at a + r * a_stride (16 readable bytes
// each when k < 16), outputs at out + r * n. Row tiles outermost: conv2d holds only four
// im2col columns at a time.
template <bool kDot, bool kLeftShift>
inline void gemm_rows(const GemmParams& params, int32_t rows, const int8_t* a, int32_t a_stride,
                      int8_t* out) {
  // A local copy: the int8 output stores may alias anything reached through a pointer,
  // which would make the compiler reload every parameter after each store.
  const GemmParams g = params;
  alignas(16) int8_t spill[64];
  for (int32_t oc = 0; oc < g.n; oc += 4) {
    const ChannelGroup c = load_group(g, oc, spill);
    tile_some<kDot, kLeftShift>(g, c, rows, a, a_stride, out);
  }
}

// Products so small (the XOR-sized dense layers) that vector loads, reductions and setup
// would cost more than the arithmetic: scalar code, scalar SQRDMULH/SRSHL requantization.
inline void gemm_matrix_small(const GemmParams& g, int32_t rows, const int8_t* a, int8_t* out) {
  for (int32_t r = 0; r < rows; ++r, a += g.k, out += g.n) {
    const int8_t* w = g.filter;
    for (int32_t o = 0; o < g.n; ++o, w += g.k) {
      int32_t acc = g.bias[o];
      for (int32_t i = 0; i < g.k; ++i) acc += int32_t{w[i]} * int32_t{a[i]};
      const int32_t q = g.per_channel ? o : 0;
      const int64_t v =
          int64_t{requantize_scalar(acc, g.multiplier[q], g.shift[q])} + g.output_offset;
      out[o] = static_cast<int8_t>(v < g.act_min ? g.act_min : (v > g.act_max ? g.act_max : v));
    }
  }
}

// One row (a dense layer's single batch): channel groups one after the other.
template <bool kDot, bool kLeftShift>
inline void gemm_vector(const GemmParams& params, const int8_t* a, int8_t* out) {
  const GemmParams g = params;  // local: see gemm_rows
  alignas(16) int8_t spill_w[64];
  alignas(16) int8_t spill_a[16];
  if (g.k < 16 && g.k != 8) a = readable16(a, g.k, a + g.k, spill_a);
  for (int32_t oc = 0; oc < g.n; oc += 4) {
    const ChannelGroup c = load_group(g, oc, spill_w);
    tile<kDot, kLeftShift, 1>(g, c, a, g.k, out);
  }
}

// The whole product of a [rows][k] matrix (row r at a + r * k) into out (row r at
// out + r * n). Channel groups outermost, so each group's filter rows, bias and
// requantization stay in registers across the rows.
template <bool kDot, bool kLeftShift>
inline void gemm_matrix(const GemmParams& params, int32_t rows, const int8_t* a, int8_t* out) {
  const GemmParams g = params;  // local: see gemm_rows
  alignas(16) int8_t spill_w[64];
  alignas(16) int8_t spill_a[64];
  const int32_t k = g.k;
  // Rows whose 16-byte loads could pass the end of the matrix (depth < 16, not 8) go
  // through a copy with a 16-byte stride.
  const bool copy_tail = k < 16 && k != 8;
  const int32_t direct_rows = copy_tail ? (rows * k >= 16 ? (rows * k - 16) / k + 1 : 0) : rows;
  for (int32_t oc = 0; oc < g.n; oc += 4) {
    const ChannelGroup c = load_group(g, oc, spill_w);
    int32_t r = 0;
    for (; r + 4 <= direct_rows; r += 4) {
      tile<kDot, kLeftShift, 4>(g, c, a + r * k, k, out + r * g.n);
    }
    for (; r < rows; r += 4) {
      const int32_t n_rows = rows - r < 4 ? rows - r : 4;
      const int8_t* rows_at = a + r * k;
      int32_t stride = k;
      if (copy_tail) {
        for (int32_t i = 0; i < n_rows; ++i)
          for (int32_t j = 0; j < 16; ++j) spill_a[16 * i + j] = j < k ? rows_at[i * k + j] : 0;
        rows_at = spill_a;
        stride = 16;
      }
      tile_some<kDot, kLeftShift>(g, c, n_rows, rows_at, stride, out + r * g.n);
    }
  }
}

}  // namespace qb::kernels::neon

#endif
