// 2-D convolution on NEON / dotprod.
//
// General case: im2col into args.scratch, four output pixels at a time (the scratch holds
// four columns of round_up(kh * kw * in_c, 16) bytes), then the shared matrix product
// (neon_gemm.h) of those columns against the filter rows [out_c][kh * kw * in_c]. A tap
// in the padding is written as the input zero-point byte, so folded_bias (which assumes
// every tap reads a real input) stays right; rows of a window are copied with overlapping
// 16/8/4-byte moves, never a byte past the input.
//
// One-input-channel 3x3 stems (stride_w 1 or 2) skip im2col: a 3x3 patch has 9 bytes, a
// poor fit for 16-byte depth slices. There the lanes run over output channels instead,
// four output pixels per step sharing one load of each input row:
//  - dotprod: SDOT by element, each 32-bit lane of the row vector holding one pixel's
//    three taps of a filter row (a TBL gathers them, the 4th byte meets a zero weight);
//  - neon: SMLAL by element, int16 weights of eight channels times one input pixel.
#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#include <utility>

#include "kernels/arm_neon/neon_common.h"
#include "kernels/arm_neon/neon_gemm.h"
#include "kernels/arm_neon/neon_ops.h"

namespace qb::kernels::neon {
namespace {

struct ConvGeometry {
  int32_t in_h, in_w, in_c, k_h, k_w, stride_h, stride_w, pad_top, pad_left;
  int32_t out_h, out_w;
  const int8_t* input;
  int8x16_t zero_point;  // the input zero point in every lane
};

ConvGeometry geometry_of(const ConvArgs& args) {
  ConvGeometry g;
  g.in_h = args.input_shape.h;
  g.in_w = args.input_shape.w;
  g.in_c = args.input_shape.c;
  g.k_h = args.filter_shape.h;
  g.k_w = args.filter_shape.w;
  g.stride_h = args.params.stride_h;
  g.stride_w = args.params.stride_w;
  g.pad_top = args.params.pad_top;
  g.pad_left = args.params.pad_left;
  g.out_h = args.output_shape.h;
  g.out_w = args.output_shape.w;
  g.input = args.input;
  g.zero_point = vdupq_n_s8(static_cast<int8_t>(-args.params.input_offset));
  return g;
}

// `rows` rows of n bytes, src_stride apart, to dst, dst_stride apart. The size class is
// chosen once for all rows; inside a class, two moves that overlap cover any n.
inline void copy_rows(int8_t* dst, int32_t dst_stride, const int8_t* src, int32_t src_stride,
                      int32_t n, int32_t rows) {
  if (n >= 16 && n <= 32) {
    for (int32_t r = 0; r < rows; ++r, dst += dst_stride, src += src_stride) {
      const int8x16_t a = vld1q_s8(src), b = vld1q_s8(src + n - 16);
      vst1q_s8(dst, a);
      vst1q_s8(dst + n - 16, b);
    }
  } else if (n >= 8 && n < 16) {
    for (int32_t r = 0; r < rows; ++r, dst += dst_stride, src += src_stride) {
      const int8x8_t a = vld1_s8(src), b = vld1_s8(src + n - 8);
      vst1_s8(dst, a);
      vst1_s8(dst + n - 8, b);
    }
  } else {
    for (int32_t r = 0; r < rows; ++r, dst += dst_stride, src += src_stride) {
      copy_bytes(dst, src, n);
    }
  }
}

// The kh * kw * in_c patch of output pixel (b, oy, ox) into col (col_stride bytes, a
// multiple of 16), padding as zero points: a window that leaves the input is first
// filled with zero points, then its part inside the input copied over.
inline void im2col(const ConvGeometry& g, int32_t b, int32_t oy, int32_t ox, int8_t* col,
                   int32_t col_stride) {
  const int32_t iy0 = oy * g.stride_h - g.pad_top;
  const int32_t ix0 = ox * g.stride_w - g.pad_left;
  const int32_t run = g.k_w * g.in_c;  // one window row
  const int32_t row_stride = g.in_w * g.in_c;
  const int32_t ky_begin = iy0 < 0 ? -iy0 : 0;
  const int32_t ky_end = g.in_h - iy0 < g.k_h ? g.in_h - iy0 : g.k_h;
  const int32_t kx_begin = ix0 < 0 ? -ix0 : 0;
  const int32_t kx_end = g.in_w - ix0 < g.k_w ? g.in_w - ix0 : g.k_w;
  const int8_t* const image = g.input + b * g.in_h * row_stride;
  if (ky_begin == 0 && ky_end == g.k_h && kx_begin == 0 && kx_end == g.k_w) {
    copy_rows(col, run, image + iy0 * row_stride + ix0 * g.in_c, row_stride, run, g.k_h);
    return;
  }
  for (int32_t i = 0; i < col_stride; i += 16) vst1q_s8(col + i, g.zero_point);
  if (ky_end <= ky_begin || kx_end <= kx_begin) return;
  copy_rows(col + ky_begin * run + kx_begin * g.in_c, run,
            image + (iy0 + ky_begin) * row_stride + (ix0 + kx_begin) * g.in_c, row_stride,
            (kx_end - kx_begin) * g.in_c, ky_end - ky_begin);
}

template <bool kDot, bool kLeftShift>
void conv_im2col(const ConvArgs& args) {
  const ConvGeometry geo = geometry_of(args);
  const int32_t depth = geo.k_h * geo.k_w * geo.in_c;
  const int32_t col_stride = (depth + 15) / 16 * 16;
  const int32_t out_c = args.output_shape.c;
  const GemmParams gemm = make_gemm(
      depth, out_c, args.filter, args.folded_bias, args.requant.multiplier, args.requant.shift,
      true, args.params.output_offset, args.params.act_min, args.params.act_max);
  const int32_t pixels = args.output_shape.n * geo.out_h * geo.out_w;
  int32_t b = 0, oy = 0, ox = 0;
  for (int32_t p = 0; p < pixels; p += 4) {
    const int32_t rows = pixels - p < 4 ? pixels - p : 4;
    for (int32_t r = 0; r < rows; ++r) {
      im2col(geo, b, oy, ox, args.scratch + r * col_stride, col_stride);
      if (++ox == geo.out_w) {
        ox = 0;
        if (++oy == geo.out_h) {
          oy = 0;
          ++b;
        }
      }
    }
    gemm_rows<kDot, kLeftShift>(gemm, rows, args.scratch, col_stride, args.output + p * out_c);
  }
}

// ---- one-input-channel 3x3 stems --------------------------------------------------------

// Input bytes ix0 .. ix0 + 15 of input row iy (zero points outside the image), for an
// output-pixel group whose taps all lie in the row or not.
inline int8x16_t stem_row_bytes(const ConvGeometry& g, const int8_t* image, int32_t iy,
                                int32_t ix0) {
  alignas(16) int8_t buf[16];
  const int8_t zp = vgetq_lane_s8(g.zero_point, 0);
  const bool row_ok = iy >= 0 && iy < g.in_h;
  for (int32_t i = 0; i < 16; ++i) {
    const int32_t x = ix0 + i;
    buf[i] = row_ok && x >= 0 && x < g.in_w ? image[iy * g.in_w + x] : zp;
  }
  return vld1q_s8(buf);
}

// Requantizes, narrows and stores four pixels' eight channels (acc[j][h]: pixel j,
// channels 4h..4h+3 of the block); n_pix pixels and n_ch channels are real.
template <bool kLeftShift>
inline void stem_store(const OutputStage& o, const Quant4& q0, const Quant4& q1,
                       const int32x4_t (&acc)[4][2], int8_t* out, int32_t out_c, int32_t n_pix,
                       int32_t n_ch) {
  int32x4_t r[4][2];
  for (int j = 0; j < 4; ++j) {
    r[j][0] = requantize<kLeftShift>(acc[j][0], q0.multiplier, q0.left, q0.right);
    r[j][1] = requantize<kLeftShift>(acc[j][1], q1.multiplier, q1.left, q1.right);
  }
  const int8x16_t p01 = narrow16(o, r[0][0], r[0][1], r[1][0], r[1][1]);
  const int8x16_t p23 = narrow16(o, r[2][0], r[2][1], r[3][0], r[3][1]);
  if (n_ch == 8 && out_c == 8 && n_pix == 4) {
    vst1q_s8(out, p01);
    vst1q_s8(out + 16, p23);
  } else if (n_ch == 8) {
    vst1_s8(out, vget_low_s8(p01));
    if (n_pix > 1) vst1_s8(out + out_c, vget_high_s8(p01));
    if (n_pix > 2) vst1_s8(out + 2 * out_c, vget_low_s8(p23));
    if (n_pix > 3) vst1_s8(out + 3 * out_c, vget_high_s8(p23));
  } else {
    alignas(16) int8_t bytes[32];
    vst1q_s8(bytes, p01);
    vst1q_s8(bytes + 16, p23);
    for (int32_t j = 0; j < n_pix; ++j)
      for (int32_t c = 0; c < n_ch; ++c) out[j * out_c + c] = bytes[8 * j + c];
  }
}

#if defined(__ARM_FEATURE_DOTPROD)
// Output pixel kJ of four, eight channels (two halves): three SDOTs by element each, lane
// kJ of xw[ky] holding the pixel's taps of window row ky.
template <int... kJ>
inline void stem_dot_pixels(const int8x16_t (&wd)[2][3], const int8x16_t (&xw)[3], int32x4_t bias0,
                            int32x4_t bias1, int32x4_t (&acc)[4][2],
                            std::integer_sequence<int, kJ...>) {
  ((acc[kJ][0] = vdotq_laneq_s32(
        vdotq_laneq_s32(vdotq_laneq_s32(bias0, wd[0][0], xw[0], kJ), wd[0][1], xw[1], kJ), wd[0][2],
        xw[2], kJ),
    acc[kJ][1] = vdotq_laneq_s32(
        vdotq_laneq_s32(vdotq_laneq_s32(bias1, wd[1][0], xw[0], kJ), wd[1][1], xw[1], kJ), wd[1][2],
        xw[2], kJ)),
   ...);
}
#endif

// One tap of one output pixel for eight channels: kI = pixel * 9 + ky * 3 + kx reads input
// lane pixel * kSW + kx of window row ky (int16, in lo or hi).
template <int kSW, int kI>
inline void stem_mla_tap(const int16x8_t (&w16)[9], const int16x8_t (&lo)[3],
                         const int16x8_t (&hi)[3], int32x4_t (&acc)[4][2]) {
  constexpr int kPixel = kI / 9, kTap = kI % 9, kRow = kTap / 3, kCol = kTap % 3;
  constexpr int kLane = kPixel * kSW + kCol;
  const int16x8_t v = kLane < 8 ? lo[kRow] : hi[kRow];
  acc[kPixel][0] = vmlal_laneq_s16(acc[kPixel][0], vget_low_s16(w16[kTap]), v, kLane & 7);
  acc[kPixel][1] = vmlal_high_laneq_s16(acc[kPixel][1], w16[kTap], v, kLane & 7);
}

template <int kSW, int... kI>
inline void stem_mla_taps(const int16x8_t (&w16)[9], const int16x8_t (&lo)[3],
                          const int16x8_t (&hi)[3], int32x4_t (&acc)[4][2],
                          std::integer_sequence<int, kI...>) {
  (stem_mla_tap<kSW, kI>(w16, lo, hi, acc), ...);
}

// Channels [ocb, ocb + 8) of a 1-input-channel 3x3 convolution with stride_w kSW.
template <bool kDot, bool kLeftShift, int kSW>
void stem3x3_block(const ConvArgs& args, const ConvGeometry& g, int32_t ocb) {
  const int32_t out_c = args.output_shape.c;
  const int32_t n_ch = out_c - ocb < 8 ? out_c - ocb : 8;
  const int32_t* const bias = args.folded_bias;
  const int32_t* const mult = args.requant.multiplier;
  const int32_t* const shift = args.requant.shift;
  const Quant4 q0 = n_ch >= 4 ? load_quant4(bias, mult, shift, ocb)
                              : load_quant_partial(bias, mult, shift, ocb, n_ch);
  const Quant4 q1 = n_ch == 8  ? load_quant4(bias, mult, shift, ocb + 4)
                    : n_ch > 4 ? load_quant_partial(bias, mult, shift, ocb + 4, n_ch - 4)
                               : q0;
  const OutputStage o =
      make_output_stage(args.params.output_offset, args.params.act_min, args.params.act_max);
  // Weights of the block's channels; missing channels get zero weights.
#if defined(__ARM_FEATURE_DOTPROD)
  // wd[h][ky]: lane i (channel 4h + i) = {w(ky,0), w(ky,1), w(ky,2), 0}.
  int8x16_t wd[2][3];
  if constexpr (kDot) {
    alignas(16) int8_t wbuf[2][3][16];
    for (int32_t h = 0; h < 2; ++h)
      for (int32_t ky = 0; ky < 3; ++ky)
        for (int32_t i = 0; i < 4; ++i)
          for (int32_t t = 0; t < 4; ++t) {
            const int32_t c = 4 * h + i;
            wbuf[h][ky][4 * i + t] =
                c < n_ch && t < 3 ? args.filter[(ocb + c) * 9 + ky * 3 + t] : int8_t{0};
          }
    for (int32_t h = 0; h < 2; ++h)
      for (int32_t ky = 0; ky < 3; ++ky) wd[h][ky] = vld1q_s8(wbuf[h][ky]);
  }
#endif
  // w16[tap]: the eight channels' weights of one tap, as int16.
  int16x8_t w16[9];
  if constexpr (!kDot) {
    alignas(16) int16_t wbuf[9][8];
    for (int32_t t = 0; t < 9; ++t)
      for (int32_t c = 0; c < 8; ++c)
        wbuf[t][c] = c < n_ch ? static_cast<int16_t>(args.filter[(ocb + c) * 9 + t]) : int16_t{0};
    for (int32_t t = 0; t < 9; ++t) w16[t] = vld1q_s16(wbuf[t]);
  }
  // Pixel j's four bytes (three taps and one spare) at 32-bit lane j.
  static constexpr int8_t kWindows[16] = {0,       1,           2,           3,
                                          kSW,     kSW + 1,     kSW + 2,     kSW + 3,
                                          2 * kSW, 2 * kSW + 1, 2 * kSW + 2, 2 * kSW + 3,
                                          3 * kSW, 3 * kSW + 1, 3 * kSW + 2, 3 * kSW + 3};
  const uint8x16_t windows = vreinterpretq_u8_s8(vld1q_s8(kWindows));
  (void)windows;

  const int8_t* const input_end = g.input + args.input_shape.n * g.in_h * g.in_w;
  for (int32_t b = 0; b < args.input_shape.n; ++b) {
    const int8_t* const image = g.input + b * g.in_h * g.in_w;
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t iy0 = oy * g.stride_h - g.pad_top;
      const bool rows_inside = iy0 >= 0 && iy0 + 3 <= g.in_h;
      const int8_t* const row0 = rows_inside ? image + iy0 * g.in_w : image;
      int8_t* out = args.output + ((b * g.out_h + oy) * g.out_w) * out_c + ocb;
      for (int32_t ox = 0; ox < g.out_w; ox += 4, out += 4 * out_c) {
        const int32_t n_pix = g.out_w - ox < 4 ? g.out_w - ox : 4;
        const int32_t ix0 = ox * kSW - g.pad_left;
        int8x16_t x[3];
        if (rows_inside && ix0 >= 0 && ix0 + (n_pix - 1) * kSW + 3 <= g.in_w &&
            row0 + 2 * g.in_w + ix0 + 16 <= input_end) {
          x[0] = vld1q_s8(row0 + ix0);
          x[1] = vld1q_s8(row0 + g.in_w + ix0);
          x[2] = vld1q_s8(row0 + 2 * g.in_w + ix0);
        } else {
          for (int32_t ky = 0; ky < 3; ++ky) x[ky] = stem_row_bytes(g, image, iy0 + ky, ix0);
        }
        int32x4_t acc[4][2];
#if defined(__ARM_FEATURE_DOTPROD)
        if constexpr (kDot) {
          const int8x16_t xw[3] = {vqtbl1q_s8(x[0], windows), vqtbl1q_s8(x[1], windows),
                                   vqtbl1q_s8(x[2], windows)};
          stem_dot_pixels(wd, xw, q0.bias, q1.bias, acc, std::make_integer_sequence<int, 4>());
        }
#endif
        if constexpr (!kDot) {
          int16x8_t lo[3], hi[3];
          for (int ky = 0; ky < 3; ++ky) {
            lo[ky] = vmovl_s8(vget_low_s8(x[ky]));
            hi[ky] = vmovl_high_s8(x[ky]);
          }
          for (int j = 0; j < 4; ++j) {
            acc[j][0] = q0.bias;
            acc[j][1] = q1.bias;
          }
          stem_mla_taps<kSW>(w16, lo, hi, acc, std::make_integer_sequence<int, 36>());
        }
        stem_store<kLeftShift>(o, q0, q1, acc, out, out_c, n_pix, n_ch);
      }
    }
  }
}

template <bool kDot, bool kLeftShift, int kSW>
void stem3x3(const ConvArgs& args) {
  const ConvGeometry g = geometry_of(args);
  for (int32_t ocb = 0; ocb < args.output_shape.c; ocb += 8) {
    stem3x3_block<kDot, kLeftShift, kSW>(args, g, ocb);
  }
}

template <bool kDot, bool kLeftShift>
void conv(const ConvArgs& args) {
  const bool stem = args.input_shape.c == 1 && args.filter_shape.h == 3 && args.filter_shape.w == 3;
  if (stem && args.params.stride_w == 1) {
    stem3x3<kDot, kLeftShift, 1>(args);
  } else if (stem && args.params.stride_w == 2) {
    stem3x3<kDot, kLeftShift, 2>(args);
  } else {
    conv_im2col<kDot, kLeftShift>(args);
  }
}

template <bool kDot>
void conv2d_entry(const ConvArgs& args) {
  if (any_left_shift(args.requant.shift, args.output_shape.c)) {
    conv<kDot, true>(args);
  } else {
    conv<kDot, false>(args);
  }
}

}  // namespace

void conv2d_neon(const ConvArgs& args) { conv2d_entry<false>(args); }
#if defined(__ARM_FEATURE_DOTPROD)
void conv2d_dotprod(const ConvArgs& args) { conv2d_entry<true>(args); }
#endif

}  // namespace qb::kernels::neon

#endif
