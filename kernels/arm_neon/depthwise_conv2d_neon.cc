// Depthwise convolution (depth multiplier 1) on NEON, plus a dotprod form for 3x3 windows
// with stride_w 1 (below, at depthwise_dot_block); the dotprod set uses the NEON form for
// every other shape.
//
// NEON: lanes run across channels: in NHWC a tap's 16 (or 8) channels are contiguous both in
// the input pixel and in the filter row [kh][kw][c]. Channel blocks are the outer loop,
// so a block's folded bias and requantization stay in registers over every pixel. Per
// tap, SMULL/SMULL2 form int16 products and the next tap's SMLAL/SMLAL2 adds its own: two
// products fit int16 (|w| <= 127, |x| <= 128), then SADDW widens them into four int32x4
// accumulators. Taps in the padding read a vector of the input zero point (folded_bias
// counts every tap as a real input); interior pixels skip that test.
// Channel counts that are not a multiple of 16 end with one block that overlaps the
// previous ones (recomputing a few channels with identical results); fewer than 8
// channels go to the reference.
#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#include "kernels/arm_neon/neon_common.h"
#include "kernels/arm_neon/neon_ops.h"

namespace qb::kernels::neon {
namespace {

constexpr int32_t kMaxTaps = 64;

struct DwGeometry {
  int32_t in_h, in_w, channels, k_h, k_w, stride_h, stride_w, pad_top, pad_left, out_h, out_w;
  int32_t batches;
};

DwGeometry geometry_of(const ConvArgs& args) {
  return {args.input_shape.h,   args.input_shape.w,   args.input_shape.c,   args.filter_shape.h,
          args.filter_shape.w,  args.params.stride_h, args.params.stride_w, args.params.pad_top,
          args.params.pad_left, args.output_shape.h,  args.output_shape.w,  args.input_shape.n};
}

// Sixteen channels of one block, accumulated tap pair by tap pair.
struct Acc16 {
  int32x4_t a0, a1, a2, a3;
  int16x8_t lo = vdupq_n_s16(0), hi = vdupq_n_s16(0);
  bool pending = false;

  void tap(int8x16_t x, int8x16_t w) {
    if (!pending) {
      lo = vmull_s8(vget_low_s8(x), vget_low_s8(w));
      hi = vmull_high_s8(x, w);
      pending = true;
    } else {
      lo = vmlal_s8(lo, vget_low_s8(x), vget_low_s8(w));
      hi = vmlal_high_s8(hi, x, w);
      flush();
    }
  }
  void flush() {
    a0 = vaddw_s16(a0, vget_low_s16(lo));
    a1 = vaddw_high_s16(a1, lo);
    a2 = vaddw_s16(a2, vget_low_s16(hi));
    a3 = vaddw_high_s16(a3, hi);
    pending = false;
  }
};

struct Acc8 {
  int32x4_t a0, a1;
  int16x8_t p = vdupq_n_s16(0);
  bool pending = false;

  void tap(int8x8_t x, int8x8_t w) {
    if (!pending) {
      p = vmull_s8(x, w);
      pending = true;
    } else {
      p = vmlal_s8(p, x, w);
      flush();
    }
  }
  void flush() {
    a0 = vaddw_s16(a0, vget_low_s16(p));
    a1 = vaddw_high_s16(a1, p);
    pending = false;
  }
};

// One block of kWidth (16 or 8) channels starting at channel cb, over every output pixel.
// kKH/kKW > 0 fix the window size at compile time (3x3), 0 takes it from the geometry.
template <bool kLeftShift, int kWidth, int kKH, int kKW>
void depthwise_block(const ConvArgs& args, const DwGeometry& g, int32_t cb) {
  const int32_t k_h = kKH > 0 ? kKH : g.k_h;
  const int32_t k_w = kKW > 0 ? kKW : g.k_w;
  const int32_t taps = k_h * k_w;
  const int32_t c = g.channels;
  const int32_t row_stride = g.in_w * c;
  const int32_t* const bias = args.folded_bias;
  const int32_t* const mult = args.requant.multiplier;
  const int32_t* const shift = args.requant.shift;
  const Quant4 q0 = load_quant4(bias, mult, shift, cb);
  const Quant4 q1 = load_quant4(bias, mult, shift, cb + 4);
  Quant4 q2 = q0, q3 = q1;
  if constexpr (kWidth == 16) {
    q2 = load_quant4(bias, mult, shift, cb + 8);
    q3 = load_quant4(bias, mult, shift, cb + 12);
  }
  const OutputStage o =
      make_output_stage(args.params.output_offset, args.params.act_min, args.params.act_max);
  alignas(16) int8_t zero_points[16];
  vst1q_s8(zero_points, vdupq_n_s8(static_cast<int8_t>(-args.params.input_offset)));
  // Byte offset of each tap from the window's top-left input pixel.
  int32_t tap_offset[kMaxTaps];
  for (int32_t ky = 0, t = 0; ky < k_h; ++ky)
    for (int32_t kx = 0; kx < k_w; ++kx, ++t) tap_offset[t] = ky * row_stride + kx * c;
  const int8_t* const filter = args.filter + cb;

  // Accumulates one pixel: tap_ptr(t, ky, kx) gives the input bytes of tap t.
  auto pixel = [&](auto tap_ptr, int8_t* out) {
    if constexpr (kWidth == 16) {
      Acc16 acc;
      acc.a0 = q0.bias;
      acc.a1 = q1.bias;
      acc.a2 = q2.bias;
      acc.a3 = q3.bias;
#pragma GCC unroll 16
      for (int32_t ky = 0, t = 0; ky < k_h; ++ky)
#pragma GCC unroll 16
        for (int32_t kx = 0; kx < k_w; ++kx, ++t)
          acc.tap(vld1q_s8(tap_ptr(t, ky, kx)), vld1q_s8(filter + t * c));
      if (acc.pending) acc.flush();
      const int8x16_t v =
          narrow16(o, requantize<kLeftShift>(acc.a0, q0.multiplier, q0.left, q0.right),
                   requantize<kLeftShift>(acc.a1, q1.multiplier, q1.left, q1.right),
                   requantize<kLeftShift>(acc.a2, q2.multiplier, q2.left, q2.right),
                   requantize<kLeftShift>(acc.a3, q3.multiplier, q3.left, q3.right));
      vst1q_s8(out, v);
    } else {
      Acc8 acc;
      acc.a0 = q0.bias;
      acc.a1 = q1.bias;
#pragma GCC unroll 16
      for (int32_t ky = 0, t = 0; ky < k_h; ++ky)
#pragma GCC unroll 16
        for (int32_t kx = 0; kx < k_w; ++kx, ++t)
          acc.tap(vld1_s8(tap_ptr(t, ky, kx)), vld1_s8(filter + t * c));
      if (acc.pending) acc.flush();
      vst1_s8(out, narrow8(o, requantize<kLeftShift>(acc.a0, q0.multiplier, q0.left, q0.right),
                           requantize<kLeftShift>(acc.a1, q1.multiplier, q1.left, q1.right)));
    }
  };

  for (int32_t b = 0; b < g.batches; ++b) {
    const int8_t* const image = args.input + b * g.in_h * row_stride + cb;
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t iy0 = oy * g.stride_h - g.pad_top;
      const bool rows_inside = iy0 >= 0 && iy0 + k_h <= g.in_h;
      int8_t* out = args.output + ((b * g.out_h + oy) * g.out_w) * c + cb;
      for (int32_t ox = 0; ox < g.out_w; ++ox, out += c) {
        const int32_t ix0 = ox * g.stride_w - g.pad_left;
        if (rows_inside && ix0 >= 0 && ix0 + k_w <= g.in_w) {
          const int8_t* const base = image + iy0 * row_stride + ix0 * c;
          if constexpr (kKH > 0 && kKW > 0) {
            pixel([&](int32_t, int32_t ky, int32_t kx) { return base + ky * row_stride + kx * c; },
                  out);
          } else {
            pixel([&](int32_t t, int32_t, int32_t) { return base + tap_offset[t]; }, out);
          }
        } else {
          pixel(
              [&](int32_t, int32_t ky, int32_t kx) -> const int8_t* {
                const int32_t iy = iy0 + ky, ix = ix0 + kx;
                if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) return zero_points;
                return image + iy * row_stride + ix * c;
              },
              out);
        }
      }
    }
  }
  (void)taps;
}

template <bool kLeftShift, int kKH, int kKW>
void depthwise(const ConvArgs& args) {
  const DwGeometry g = geometry_of(args);
  const int32_t c = g.channels;
  int32_t cb = 0;
  for (; cb + 16 <= c; cb += 16) depthwise_block<kLeftShift, 16, kKH, kKW>(args, g, cb);
  const int32_t rest = c - cb;
  if (rest == 0) return;
  if (rest > 8 && c >= 16) {
    depthwise_block<kLeftShift, 16, kKH, kKW>(args, g, c - 16);
  } else {
    depthwise_block<kLeftShift, 8, kKH, kKW>(args, g, c - 8);
    if (rest > 8) depthwise_block<kLeftShift, 8, kKH, kKW>(args, g, cb);  // 8 < rest < 16, c < 16
  }
}

template <bool kLeftShift>
void depthwise_entry(const ConvArgs& args) {
  if (args.filter_shape.h == 3 && args.filter_shape.w == 3) {
    depthwise<kLeftShift, 3, 3>(args);
  } else {
    depthwise<kLeftShift, 0, 0>(args);
  }
}

#if defined(__ARM_FEATURE_DOTPROD)
// ---- dotprod: 3x3 windows, stride_w 1 ---------------------------------------------------
//
// SDOT sums four neighbouring bytes, so the three rows of a window column are interleaved
// per channel as {row0, row1, row2, 0} (three ZIPs of the rows' 8-channel loads) and
// meet filter bytes laid out the same way: one SDOT per window column and four channels.
// A column serves the three output pixels whose windows cover it, so each pixel builds
// one new column. Rows in the padding read a zero-point buffer (address step 0), columns
// in the padding are a constant zero-point column.

struct DotColumn {
  int8x16_t lo, hi;  // channels 0..3 and 4..7 of the block, {row0, row1, row2, 0} each
};

template <bool kLeftShift>
void depthwise_dot_block(const ConvArgs& args, const DwGeometry& geometry, int32_t cb) {
  const DwGeometry g = geometry;  // a local: the int8 stores could alias a reference
  const int32_t c = g.channels;
  const int32_t row_stride = g.in_w * c;
  const int32_t* const bias = args.folded_bias;
  const int32_t* const mult = args.requant.multiplier;
  const int32_t* const shift = args.requant.shift;
  const Quant4 q0 = load_quant4(bias, mult, shift, cb);
  const Quant4 q1 = load_quant4(bias, mult, shift, cb + 4);
  const OutputStage o =
      make_output_stage(args.params.output_offset, args.params.act_min, args.params.act_max);
  const int8_t zp = static_cast<int8_t>(-args.params.input_offset);
  alignas(16) int8_t zero_points[16];
  vst1q_s8(zero_points, vdupq_n_s8(zp));
  const int8x16_t zero = vdupq_n_s8(0);
  // Three rows of eight channels as {row0, row1, row2, 0} per channel.
  auto interleave = [&](int8x8_t r0, int8x8_t r1, int8x8_t r2) -> DotColumn {
    const int16x8_t r01 = vreinterpretq_s16_s8(
        vzip1q_s8(vcombine_s8(r0, vget_low_s8(zero)), vcombine_s8(r1, vget_low_s8(zero))));
    const int16x8_t r2z = vreinterpretq_s16_s8(vzip1q_s8(vcombine_s8(r2, vget_low_s8(zero)), zero));
    return {vreinterpretq_s8_s16(vzip1q_s16(r01, r2z)), vreinterpretq_s8_s16(vzip2q_s16(r01, r2z))};
  };
  // Weights of window column kx, laid out like the input columns.
  DotColumn w[3];
  for (int32_t kx = 0; kx < 3; ++kx) {
    const int8_t* const f = args.filter + kx * c + cb;
    w[kx] = interleave(vld1_s8(f), vld1_s8(f + 3 * c), vld1_s8(f + 6 * c));
  }
  const int8x16_t zp_col = vreinterpretq_s8_s32(vdupq_n_s32(
      static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint8_t>(zp)) * 0x010101u)));

  for (int32_t b = 0; b < g.batches; ++b) {
    const int8_t* const image = args.input + b * g.in_h * row_stride + cb;
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t iy0 = oy * g.stride_h - g.pad_top;
      const int8_t* rows[3];
      int32_t step[3];
      for (int32_t ky = 0; ky < 3; ++ky) {
        const bool inside = iy0 + ky >= 0 && iy0 + ky < g.in_h;
        rows[ky] = inside ? image + (iy0 + ky) * row_stride : zero_points;
        step[ky] = inside ? c : 0;
      }
      auto column = [&](int32_t ix) -> DotColumn {
        if (static_cast<uint32_t>(ix) >= static_cast<uint32_t>(g.in_w)) return {zp_col, zp_col};
        return interleave(vld1_s8(rows[0] + ix * step[0]), vld1_s8(rows[1] + ix * step[1]),
                          vld1_s8(rows[2] + ix * step[2]));
      };
      int8_t* out = args.output + ((b * g.out_h + oy) * g.out_w) * c + cb;
      auto pixel = [&](const DotColumn& x0, const DotColumn& x1, const DotColumn& x2) {
        int32x4_t a0 = vdotq_s32(q0.bias, x0.lo, w[0].lo);
        int32x4_t a1 = vdotq_s32(q1.bias, x0.hi, w[0].hi);
        a0 = vdotq_s32(a0, x1.lo, w[1].lo);
        a1 = vdotq_s32(a1, x1.hi, w[1].hi);
        a0 = vdotq_s32(a0, x2.lo, w[2].lo);
        a1 = vdotq_s32(a1, x2.hi, w[2].hi);
        vst1_s8(out, narrow8(o, requantize<kLeftShift>(a0, q0.multiplier, q0.left, q0.right),
                             requantize<kLeftShift>(a1, q1.multiplier, q1.left, q1.right)));
        out += c;
      };
      int32_t ix = -g.pad_left;  // the next column to build
      const int32_t n = g.out_w;
      // Three pixels per turn rotate the three live columns without copies.
      DotColumn x0 = column(ix), x1 = column(ix + 1), x2;
      ix += 2;
      int32_t ox = 0;
      for (; ox + 3 <= n; ox += 3, ix += 3) {
        x2 = column(ix);
        pixel(x0, x1, x2);
        x0 = column(ix + 1);
        pixel(x1, x2, x0);
        x1 = column(ix + 2);
        pixel(x2, x0, x1);
      }
      if (ox < n) {
        x2 = column(ix);
        pixel(x0, x1, x2);
        if (ox + 1 < n) pixel(x1, x2, column(ix + 1));
      }
    }
  }
}

template <bool kLeftShift>
void depthwise_dot(const ConvArgs& args) {
  const DwGeometry g = geometry_of(args);
  const int32_t c = g.channels;
  int32_t cb = 0;
  for (; cb + 8 <= c; cb += 8) depthwise_dot_block<kLeftShift>(args, g, cb);
  if (cb < c) depthwise_dot_block<kLeftShift>(args, g, c - 8);
}
#endif

}  // namespace

void depthwise_conv2d_neon(const ConvArgs& args) {
  if (args.input_shape.c < 8 || args.filter_shape.h * args.filter_shape.w > kMaxTaps) {
    ref::depthwise_conv2d(args);
  } else if (any_left_shift(args.requant.shift, args.input_shape.c)) {
    depthwise_entry<true>(args);
  } else {
    depthwise_entry<false>(args);
  }
}

#if defined(__ARM_FEATURE_DOTPROD)
void depthwise_conv2d_dotprod(const ConvArgs& args) {
  // Stride 2 builds two columns per pixel, which costs as much as the NEON form saves.
  const bool fits = args.input_shape.c >= 8 && args.filter_shape.h == 3 &&
                    args.filter_shape.w == 3 && args.params.stride_w == 1;
  if (!fits) {
    depthwise_conv2d_neon(args);
  } else if (any_left_shift(args.requant.shift, args.input_shape.c)) {
    depthwise_dot<true>(args);
  } else {
    depthwise_dot<false>(args);
  }
}
#endif

}  // namespace qb::kernels::neon

#endif
