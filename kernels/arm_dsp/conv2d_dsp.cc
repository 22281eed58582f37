// conv2d for the DSP extension: im2col into a stack tile of int16 columns, then the tile
// core (matmul_tile_dsp.h); or, where a tile does not pay (too few pixels, long columns,
// tables outside the folded requantization, Cortex-M7), into two columns of the arena
// scratch and the 2-pixel x 2-channel SMLAD core (matmul_dsp.h). Both cores read the
// same column layout, built by the same code.
//
// Why: a convolution is a matrix product once each output pixel's receptive field is laid
// out as a column; building the column costs one to a few instructions per input byte and
// is shared by every output channel, while the product costs at most one instruction per
// MAC (11-16 per 16 MACs, by core). Padded taps are written as the input zero point, so
// every pixel, border or not, starts from folded_bias and runs the same loop. Columns are
// built straight from the input when in_c is a multiple of 4 (whole words per tap);
// otherwise the patch's bytes are first gathered row run by row run (a kernel row's kw *
// in_c bytes are contiguous in NHWC) into a stack buffer and expanded from there. That
// second form is the fast path of the 7x7 stride-2 stem with three input channels
// (147-value columns, 1.6-1.8 instructions per MAC in all): its product dominates, so it
// needs no loop of its own. The 3x3 stem over three channels is not so long (27 values),
// and there the gather cost more than the product: a window of it inside the input builds
// its column straight from its three runs (build_column_3x3x3). The one-input-channel
// 3x3 stem, whose 9-value columns would waste a quarter of the core's blocks, has its own
// (conv2d_stem_dsp.cc).
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>
#include <cstring>

#include "kernels/arm_dsp/conv2d_stem_dsp.h"
#include "kernels/arm_dsp/dsp_kernels.h"
#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/arm_dsp/matmul_dsp.h"
#include "kernels/arm_dsp/matmul_tile_dsp.h"
#include "kernels/arm_dsp/requant_dsp.h"

namespace qb::kernels::dsp {
namespace {

// Largest patch gathered through the stack buffer (in_c not a multiple of 4): a 7x7 stem
// of three channels is 147.
constexpr int32_t kMaxGatherBytes = 160;

// Output pixel p of the flattened (n, h, w) grid, stepped one at a time without divisions.
struct PixelCursor {
  int32_t b = 0, oy = 0, ox = 0;
  void next(const Shape& out) {
    if (++ox == out.w) {
      ox = 0;
      if (++oy == out.h) {
        oy = 0;
        ++b;
      }
    }
  }
};

struct ConvGeometry {
  const int8_t* input;
  int32_t in_h, in_w, in_c;
  int32_t k_h, k_w;
  int32_t stride_h, stride_w, pad_top, pad_left;
  int8_t zero_point;
  int32_t k;  // k_h * k_w * in_c
  const int8_t* input_end;
};

// Whole-word fills and copies of n >= 0 bytes: up to 3 bytes past n are written (and, for
// the copy, read). The gather below writes a patch front to back into a buffer with 3
// bytes of slack, so every such spill is overwritten by the next segment or lands in the
// slack.
inline void fill_words(int8_t* d, int32_t n, uint32_t v4) {
  for (int32_t i = 0; i < n; i += 4) store_u32(d + i, v4);
}
inline void copy_words(int8_t* d, const int8_t* s, int32_t n) {
  for (int32_t i = 0; i < n; i += 4) store_u32(d + i, load_u32(s + i));
}

// Where a pixel's window meets the input: taps [kx_lo, kx_hi) of each row are inside.
struct WindowSpan {
  int32_t iy0, ix0, kx_lo, kx_hi;
  bool inside;  // every tap inside the input
};

inline WindowSpan window_span(const ConvGeometry& g, int32_t oy, int32_t ox) {
  WindowSpan w;
  w.iy0 = oy * g.stride_h - g.pad_top;
  w.ix0 = ox * g.stride_w - g.pad_left;
  w.kx_lo = w.ix0 < 0 ? -w.ix0 : 0;
  w.kx_hi = g.in_w - w.ix0 < g.k_w ? g.in_w - w.ix0 : g.k_w;
  if (w.kx_hi < w.kx_lo) w.kx_hi = w.kx_lo;
  w.inside = w.kx_lo == 0 && w.kx_hi == g.k_w && w.iy0 >= 0 && w.iy0 + g.k_h <= g.in_h;
  return w;
}

// The patch of output pixel (b, oy, ox) as k contiguous bytes at dst (which has 3 bytes
// of slack), padding with the zero point. A window inside the input whose last row can
// be read a word at a time takes a short path: its k_h runs copied in whole words, with
// no padding checks (the MLPerf VWW model's 3x3 stride-2 stem over three channels: 122
// fewer instructions a pixel, 17% of the layer). A kernel row's taps inside the input
// are one contiguous run (NHWC). A run is copied in whole words unless that would read
// past the input's end (then byte by byte).
void gather_patch(int8_t* dst, const ConvGeometry& g, int32_t b, int32_t oy, int32_t ox) {
  const WindowSpan w = window_span(g, oy, ox);
  const int32_t row_bytes = g.k_w * g.in_c;
  const int32_t row_step = g.in_w * g.in_c;
  const int8_t* src = g.input + ((b * g.in_h + w.iy0) * g.in_w + w.ix0 + w.kx_lo) * g.in_c;
  const uint32_t zp4 = (static_cast<uint32_t>(g.zero_point) & 0xFFu) * 0x01010101u;
  if (w.inside && src + (g.k_h - 1) * row_step + row_bytes + 3 <= g.input_end) {
    for (int32_t ky = 0; ky < g.k_h; ++ky, dst += row_bytes, src += row_step) {
      copy_words(dst, src, row_bytes);
    }
    return;
  }
  const int32_t left = w.kx_lo * g.in_c;
  const int32_t mid = (w.kx_hi - w.kx_lo) * g.in_c;
  const int32_t right = row_bytes - left - mid;
  for (int32_t ky = 0; ky < g.k_h; ++ky, dst += row_bytes, src += row_step) {
    const int32_t iy = w.iy0 + ky;
    if (iy < 0 || iy >= g.in_h || mid == 0) {
      fill_words(dst, row_bytes, zp4);
      continue;
    }
    if (left != 0) fill_words(dst, left, zp4);
    if (src + mid + 3 <= g.input_end) {
      copy_words(dst + left, src, mid);
    } else {
      for (int32_t i = 0; i < mid; ++i) dst[left + i] = src[i];
    }
    if (right != 0) fill_words(dst + left + mid, right, zp4);
  }
}

inline int32_t* fill_words(int32_t* d, int32_t pair, int32_t n) {
  for (int32_t i = 0; i < n; ++i, d += 4) d[0] = d[1] = pair;
  return d;
}

// The column of a 3x3 window over three channels that lies inside the input (the stem of
// the MLPerf VWW and image-classification models): its 27 values are three 9-byte runs
// r0, r1, r2 (one per kernel row), and each block of four is loaded as one word, two of
// them from two runs (v8 | v9-11 and v16-17 | v18-19) and the tail block (0, v24-26)
// masked, then split by SXTB16 into the column's layout: 60 instructions. With the tile
// loop's bookkeeping a pixel's column now costs about 110, against 236 through
// gather_patch and expand_column, which handle any window (measured on the VWW stem).
inline void build_column_3x3x3(int32_t* cols, int32_t slot, const int8_t* r0, int32_t row_step) {
  const int8_t* const r1 = r0 + row_step;
  const int8_t* const r2 = r1 + row_step;
  uint16_t r1_tail, r2_head;
  std::memcpy(&r1_tail, r1 + 7, 2);
  std::memcpy(&r2_head, r2, 2);
  const uint32_t words[7] = {
      load_u32(r0),
      load_u32(r0 + 4),
      (static_cast<uint32_t>(r0[8]) & 0xFFu) | (load_u32(r1) << 8),
      load_u32(r1 + 3),
      r1_tail | (static_cast<uint32_t>(r2_head) << 16),
      load_u32(r2 + 2),
      load_u32(r2 + 5) & 0xFFFFFF00u,
  };
  int32_t* d = cols + slot * 2;
  for (int32_t b = 0; b < 7; ++b, d += 4) {
    d[0] = sxtb16_even(words[b]);
    d[1] = sxtb16_odd(words[b]);
  }
}

// Column `slot` for output pixel (b, oy, ox) when in_c % 4 == 0: every tap is whole
// blocks, sign-extended straight from the input.
void build_column_c4(int32_t* cols, int32_t slot, const ConvGeometry& g, int32_t b, int32_t oy,
                     int32_t ox, int32_t zp_pair) {
  const WindowSpan w = window_span(g, oy, ox);
  const int32_t words_per_tap = g.in_c >> 2;
  const int32_t row_words = g.k_w * words_per_tap;
  const int32_t row_step = g.in_w * g.in_c;
  const int8_t* src = g.input + ((b * g.in_h + w.iy0) * g.in_w + w.ix0 + w.kx_lo) * g.in_c;
  int32_t* d = cols + slot * 2;
  if (w.inside) {
    for (int32_t ky = 0; ky < g.k_h; ++ky, src += row_step) d = expand_words<16>(d, src, row_words);
    return;
  }
  const int32_t left = w.kx_lo * words_per_tap;
  const int32_t mid = (w.kx_hi - w.kx_lo) * words_per_tap;
  for (int32_t ky = 0; ky < g.k_h; ++ky, src += row_step) {
    const int32_t iy = w.iy0 + ky;
    if (iy < 0 || iy >= g.in_h || mid == 0) {
      d = fill_words(d, zp_pair, row_words);
      continue;
    }
    d = fill_words(d, zp_pair, left);
    if (mid > 0) d = expand_words<16>(d, src, mid);
    d = fill_words(d, zp_pair, row_words - left - mid);
  }
}

// Column `slot` for a patch too large for the stack buffer, byte by byte: value k goes to
// its halfword of the block layout (even pair, odd pair); the last block overlaps as the
// weight loads do.
void build_column_bytes(int32_t* cols, int32_t slot, const ConvGeometry& g, int32_t b,
                        int32_t oy, int32_t ox) {
  int16_t* h = reinterpret_cast<int16_t*>(cols);
  const int32_t full = g.k >> 2;
  const int32_t rem = g.k & 3;
  // Lane of byte j of a block: even pair (0, 2) then odd pair (1, 3).
  constexpr int32_t kLane[4] = {0, 2, 1, 3};
  if (rem != 0) {
    for (int32_t j = 0; j < 4; ++j) h[full * 8 + slot * 4 + kLane[j]] = 0;
  }
  const int32_t iy0 = oy * g.stride_h - g.pad_top;
  const int32_t ix0 = ox * g.stride_w - g.pad_left;
  int32_t k = 0;
  for (int32_t ky = 0; ky < g.k_h; ++ky) {
    const int32_t iy = iy0 + ky;
    for (int32_t kx = 0; kx < g.k_w; ++kx) {
      const int32_t ix = ix0 + kx;
      const bool inside = iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w;
      const int8_t* s = g.input + ((b * g.in_h + iy) * g.in_w + ix) * g.in_c;
      for (int32_t c = 0; c < g.in_c; ++c, ++k) {
        const int16_t v = inside ? s[c] : g.zero_point;
        const int32_t block = k >> 2;
        if (block < full) h[block * 8 + slot * 4 + kLane[k & 3]] = v;
        if (block >= full) h[full * 8 + slot * 4 + kLane[k - (g.k - 4)]] = v;
      }
    }
  }
}

void conv_im2col(const ConvArgs& a) {
  const ConvGeometry g{a.input,
                       a.input_shape.h,
                       a.input_shape.w,
                       a.input_shape.c,
                       a.filter_shape.h,
                       a.filter_shape.w,
                       a.params.stride_h,
                       a.params.stride_w,
                       a.params.pad_top,
                       a.params.pad_left,
                       static_cast<int8_t>(-a.params.input_offset),
                       a.filter_shape.h * a.filter_shape.w * a.input_shape.c,
                       a.input + a.input_shape.elements()};
  const MatmulShape s = make_matmul_shape(g.k);
  const OutputQuant o = make_output_quant(a.params.output_offset, a.params.act_min, a.params.act_max);
  const int32_t out_c = a.output_shape.c;
  const int32_t pixels = a.output_shape.n * a.output_shape.h * a.output_shape.w;
  int32_t* const cols = reinterpret_cast<int32_t*>(a.scratch);
  const int32_t zp_pair = static_cast<int32_t>(
      (static_cast<uint32_t>(g.zero_point) & 0xFFFFu) * 0x00010001u);
  const bool words = (g.in_c & 3) == 0;
  const bool gather = !words && g.k <= kMaxGatherBytes;
  const bool stem_3x3x3 = g.k_h == 3 && g.k_w == 3 && g.in_c == 3;
  alignas(4) int8_t patch[kMaxGatherBytes + 4];  // + slack for whole-word row copies
  ChannelQuant quant[kMatmulQuantChunk];

  const int32_t tile_cols = tile_columns(g.k);
  // Column tiles and their weight table (at most kTileBytes), when the layer takes them.
  const int32_t tile_words = (tile_cols / 2 + 1) * pair_words(g.k);
  int32_t* const tile =
      tile_cols > 0 ? static_cast<int32_t*>(__builtin_alloca(sizeof(int32_t) * tile_words))
                    : nullptr;
  // Column `slot` of the pair at pair_cols for the output pixel at px.
  auto build_column = [&](int32_t* pair_cols, int32_t slot, const PixelCursor& px) {
    if (words) {
      build_column_c4(pair_cols, slot, g, px.b, px.oy, px.ox, zp_pair);
    } else if (gather) {
      if (stem_3x3x3) {
        // window_span's test, without the column span it also works out: calling it costs
        // the VWW stem 2.4% more instructions.
        const int32_t iy0 = px.oy * g.stride_h - g.pad_top, ix0 = px.ox * g.stride_w - g.pad_left;
        if (iy0 >= 0 && iy0 + 3 <= g.in_h && ix0 >= 0 && ix0 + 3 <= g.in_w) {
          build_column_3x3x3(pair_cols, slot,
                             g.input + ((px.b * g.in_h + iy0) * g.in_w + ix0) * 3, g.in_w * 3);
          return;
        }
      }
      gather_patch(patch, g, px.b, px.oy, px.ox);
      expand_column(pair_cols, slot, patch, g.k);
    } else {
      build_column_bytes(pair_cols, slot, g, px.b, px.oy, px.ox);
    }
  };

  for (int32_t oc0 = 0; oc0 < out_c; oc0 += kMatmulQuantChunk) {
    const int32_t n = out_c - oc0 < kMatmulQuantChunk ? out_c - oc0 : kMatmulQuantChunk;
    const QuantKind kind = fill_channel_quant(quant, n, a.requant.multiplier + oc0,
                                              a.requant.shift + oc0, a.folded_bias + oc0,
                                              int64_t{g.k} << 14, a.params.output_offset, true);
    const int8_t* const filter = a.filter + oc0 * g.k;
    const int32_t* const bias = a.folded_bias + oc0;
    PixelCursor pa;
    int32_t p = 0;
    // Tiles while enough pixels are left for one (the tile core takes folded tables only);
    // the rest two at a time.
    if (kind == QuantKind::kFolded && tile_cols > 0) {
      p = matmul_tiles(tile, pixels, s, filter, bias, quant, n, o, a.output + oc0, out_c,
                       [&](int32_t* pair_cols, int32_t slot) {
                         build_column(pair_cols, slot, pa);
                         pa.next(a.output_shape);
                       });
    }
    for (; p < pixels; p += 2) {
      PixelCursor pb = pa;
      const bool has_b = p + 1 < pixels;
      if (has_b) pb.next(a.output_shape);
      build_column(cols, 0, pa);
      build_column(cols, 1, pb);
      int8_t* out_a = a.output + p * out_c + oc0;
      matmul_2cols(kind, cols, s, filter, bias, quant, n, o, out_a,
                   has_b ? out_a + out_c : nullptr);
      pa = pb;
      if (has_b) pa.next(a.output_shape);
    }
  }
}

}  // namespace

void conv2d(const ConvArgs& a) {
  if (conv2d_stem_3x3_c1(a)) return;
  const int32_t k = a.filter_shape.h * a.filter_shape.w * a.input_shape.c;
  // A patch under four values (a 1x1 convolution of up to three channels) has no block
  // to run; such layers are all requantization, and the reference serves them.
  if (k < 4) {
    ref::conv2d(a);
    return;
  }
  conv_im2col(a);
}

}  // namespace qb::kernels::dsp
#endif
