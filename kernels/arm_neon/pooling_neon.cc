// Max, average and global average pooling on NEON; the dotprod set uses them too.
//
// Lanes run across channels (contiguous in NHWC), 16 or 8 at a time; a channel count that
// is not a multiple of 16 ends with a block overlapping the previous one (same results
// written twice), and fewer than 8 channels go to the reference. Windows are clipped to
// the input as in the reference, so padded taps never take part.
// Means: int8 sums stay exact in int16 for up to 255 taps (global pooling flushes into
// int32 every 255 pixels). Division with rounding half away from zero is FDIV plus FCVTAS
// (round to nearest, ties away): the sum (|s| < 2^24) and the count convert exactly, a
// quotient that is exactly k + 1/2 is representable and comes out exact, and any other
// quotient lies at least 1/(2 * count) from a half-integer while its float rounding
// error is below 2^-18 (|q| <= 128), so for count < 2^16 the rounded integer is the
// exact one. Larger counts go to the reference.
#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#include "kernels/arm_neon/neon_common.h"
#include "kernels/arm_neon/neon_ops.h"
#include "kernels/int8/pooling.h"

namespace qb::kernels::neon {
namespace {

inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

// The channel blocks of a layer: full 16-wide blocks, then one overlapping block (16 or
// 8 wide) for the rest; calls block16(cb) / block8(cb). channels >= 8.
template <typename Block16, typename Block8>
inline void for_channel_blocks(int32_t channels, Block16 block16, Block8 block8) {
  int32_t cb = 0;
  for (; cb + 16 <= channels; cb += 16) block16(cb);
  const int32_t rest = channels - cb;
  if (rest == 0) return;
  if (rest > 8 && channels >= 16) {
    block16(channels - 16);
  } else {
    block8(channels - 8);
    if (rest > 8) block8(cb);
  }
}

// sum / count rounded half away from zero, clamped, narrowed: four sums per vector.
inline int8x16_t mean16(int32x4_t s0, int32x4_t s1, int32x4_t s2, int32x4_t s3, float32x4_t count,
                        int8x16_t lo, int8x16_t hi) {
  const int32x4_t q0 = vcvtaq_s32_f32(vdivq_f32(vcvtq_f32_s32(s0), count));
  const int32x4_t q1 = vcvtaq_s32_f32(vdivq_f32(vcvtq_f32_s32(s1), count));
  const int32x4_t q2 = vcvtaq_s32_f32(vdivq_f32(vcvtq_f32_s32(s2), count));
  const int32x4_t q3 = vcvtaq_s32_f32(vdivq_f32(vcvtq_f32_s32(s3), count));
  // |q| <= 128: the narrows cannot saturate.
  const int16x8_t a = vmovn_high_s32(vmovn_s32(q0), q1);
  const int16x8_t b = vmovn_high_s32(vmovn_s32(q2), q3);
  const int8x16_t r = vqmovn_high_s16(vqmovn_s16(a), b);
  return vminq_s8(vmaxq_s8(r, lo), hi);
}

struct Window {
  int32_t ky_begin, ky_end, kx_begin, kx_end;
  const int8_t* origin;  // input pixel (iy0 + ky_begin, ix0 + kx_begin) of the batch image
};

// Calls body(window, out_pixel) for every output pixel.
// Parameters are taken by value: the int8 output stores could alias anything reached
// through a reference, which would make the compiler reload them for every pixel.
template <typename Body>
inline void for_windows(const PoolParams p, const Shape in, const Shape out, const int8_t* input,
                        int8_t* output, Body body) {
  const int32_t c = in.c;
  for (int32_t b = 0; b < in.n; ++b) {
    const int8_t* const image = input + b * in.h * in.w * c;
    for (int32_t oy = 0; oy < out.h; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_top;
      const int32_t ky_begin = max_i32(0, -iy0);
      const int32_t ky_end = min_i32(p.filter_h, in.h - iy0);
      int8_t* dst = output + (b * out.h + oy) * out.w * c;
      for (int32_t ox = 0; ox < out.w; ++ox, dst += c) {
        const int32_t ix0 = ox * p.stride_w - p.pad_left;
        Window w;
        w.ky_begin = ky_begin;
        w.ky_end = ky_end;
        w.kx_begin = max_i32(0, -ix0);
        w.kx_end = min_i32(p.filter_w, in.w - ix0);
        w.origin = w.ky_end > w.ky_begin && w.kx_end > w.kx_begin
                       ? image + ((iy0 + ky_begin) * in.w + ix0 + w.kx_begin) * c
                       : image;
        body(w, dst);
      }
    }
  }
}

}  // namespace

void max_pool2d_neon(const PoolParams& p, const Shape& in, const int8_t* input, const Shape& out,
                     int8_t* output) {
  if (in.c < 8) {
    max_pool2d(p, in, input, out, output);
    return;
  }
  const int32_t c = in.c, row_stride = in.w * in.c;
  const int8x16_t lo = vdupq_n_s8(static_cast<int8_t>(p.act_min));
  const int8x16_t hi = vdupq_n_s8(static_cast<int8_t>(p.act_max));
  for_windows(p, in, out, input, output, [&](const Window& w, int8_t* dst) {
    const int32_t rows = w.ky_end - w.ky_begin, cols = w.kx_end - w.kx_begin;
    if (c == 8 && cols == 2) {
      // A window row of two 8-channel pixels is one 16-byte load; fold the halves last.
      int8x16_t m = vdupq_n_s8(-128);
      const int8_t* row = w.origin;
      for (int32_t ky = 0; ky < rows; ++ky, row += row_stride) m = vmaxq_s8(m, vld1q_s8(row));
      const int8x8_t folded = vmax_s8(vget_low_s8(m), vget_high_s8(m));
      vst1_s8(dst, vmin_s8(vmax_s8(folded, vget_low_s8(lo)), vget_low_s8(hi)));
      return;
    }
    for_channel_blocks(
        c,
        [&](int32_t cb) {
          // -128 is the identity of max; an empty window keeps it and clamps to act_min.
          int8x16_t m = vdupq_n_s8(-128);
          const int8_t* row = w.origin + cb;
          for (int32_t ky = 0; ky < rows; ++ky, row += row_stride)
            for (int32_t kx = 0; kx < cols; ++kx) m = vmaxq_s8(m, vld1q_s8(row + kx * c));
          vst1q_s8(dst + cb, vminq_s8(vmaxq_s8(m, lo), hi));
        },
        [&](int32_t cb) {
          int8x8_t m = vdup_n_s8(-128);
          const int8_t* row = w.origin + cb;
          for (int32_t ky = 0; ky < rows; ++ky, row += row_stride)
            for (int32_t kx = 0; kx < cols; ++kx) m = vmax_s8(m, vld1_s8(row + kx * c));
          vst1_s8(dst + cb, vmin_s8(vmax_s8(m, vget_low_s8(lo)), vget_low_s8(hi)));
        });
  });
}

void avg_pool2d_neon(const PoolParams& p, const Shape& in, const int8_t* input, const Shape& out,
                     int8_t* output) {
  if (in.c < 8 || p.filter_h * p.filter_w > 255) {
    avg_pool2d(p, in, input, out, output);
    return;
  }
  const int32_t c = in.c, row_stride = in.w * in.c;
  const int8x16_t lo = vdupq_n_s8(static_cast<int8_t>(p.act_min));
  const int8x16_t hi = vdupq_n_s8(static_cast<int8_t>(p.act_max));
  for_windows(p, in, out, input, output, [&](const Window& w, int8_t* dst) {
    const int32_t rows = max_i32(0, w.ky_end - w.ky_begin);
    const int32_t cols = max_i32(0, w.kx_end - w.kx_begin);
    const int32_t count = rows * cols;
    const float32x4_t count_f = vdupq_n_f32(static_cast<float>(count));
    for_channel_blocks(
        c,
        [&](int32_t cb) {
          // A window with no taps writes act_min, as the reference does.
          if (count == 0) {
            vst1q_s8(dst + cb, lo);
            return;
          }
          int16x8_t s_lo = vdupq_n_s16(0), s_hi = vdupq_n_s16(0);
          const int8_t* row = w.origin + cb;
          for (int32_t ky = 0; ky < rows; ++ky, row += row_stride)
            for (int32_t kx = 0; kx < cols; ++kx) {
              const int8x16_t v = vld1q_s8(row + kx * c);
              s_lo = vaddw_s8(s_lo, vget_low_s8(v));
              s_hi = vaddw_high_s8(s_hi, v);
            }
          vst1q_s8(dst + cb,
                   mean16(vmovl_s16(vget_low_s16(s_lo)), vmovl_high_s16(s_lo),
                          vmovl_s16(vget_low_s16(s_hi)), vmovl_high_s16(s_hi), count_f, lo, hi));
        },
        [&](int32_t cb) {
          if (count == 0) {
            vst1_s8(dst + cb, vget_low_s8(lo));
            return;
          }
          int16x8_t s = vdupq_n_s16(0);
          const int8_t* row = w.origin + cb;
          for (int32_t ky = 0; ky < rows; ++ky, row += row_stride)
            for (int32_t kx = 0; kx < cols; ++kx) s = vaddw_s8(s, vld1_s8(row + kx * c));
          const int32x4_t s0 = vmovl_s16(vget_low_s16(s)), s1 = vmovl_high_s16(s);
          vst1_s8(dst + cb, vget_low_s8(mean16(s0, s1, s0, s1, count_f, lo, hi)));
        });
  });
}

void global_avg_pool2d_neon(int32_t act_min, int32_t act_max, const Shape& in, const int8_t* input,
                            int8_t* output) {
  const int32_t c = in.c, pixels = in.h * in.w;
  if (c < 8 || pixels >= 65536 || pixels == 0) {
    global_avg_pool2d(act_min, act_max, in, input, output);
    return;
  }
  const int8x16_t lo = vdupq_n_s8(static_cast<int8_t>(act_min));
  const int8x16_t hi = vdupq_n_s8(static_cast<int8_t>(act_max));
  const float32x4_t count = vdupq_n_f32(static_cast<float>(pixels));
  for (int32_t b = 0; b < in.n; ++b) {
    const int8_t* const image = input + b * pixels * c;
    int8_t* const dst = output + b * c;
    for_channel_blocks(
        c,
        [&](int32_t cb) {
          int32x4_t s0 = vdupq_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
          const int8_t* px = image + cb;
          for (int32_t p0 = 0; p0 < pixels; p0 += 255) {
            const int32_t n = min_i32(255, pixels - p0);
            int16x8_t a = vdupq_n_s16(0), h = vdupq_n_s16(0);
            for (int32_t i = 0; i < n; ++i, px += c) {
              const int8x16_t v = vld1q_s8(px);
              a = vaddw_s8(a, vget_low_s8(v));
              h = vaddw_high_s8(h, v);
            }
            s0 = vaddw_s16(s0, vget_low_s16(a));
            s1 = vaddw_high_s16(s1, a);
            s2 = vaddw_s16(s2, vget_low_s16(h));
            s3 = vaddw_high_s16(s3, h);
          }
          vst1q_s8(dst + cb, mean16(s0, s1, s2, s3, count, lo, hi));
        },
        [&](int32_t cb) {
          int32x4_t s0 = vdupq_n_s32(0), s1 = s0;
          const int8_t* px = image + cb;
          for (int32_t p0 = 0; p0 < pixels; p0 += 255) {
            const int32_t n = min_i32(255, pixels - p0);
            int16x8_t a = vdupq_n_s16(0);
            for (int32_t i = 0; i < n; ++i, px += c) a = vaddw_s8(a, vld1_s8(px));
            s0 = vaddw_s16(s0, vget_low_s16(a));
            s1 = vaddw_high_s16(s1, a);
          }
          vst1_s8(dst + cb, vget_low_s8(mean16(s0, s1, s0, s1, count, lo, hi)));
        });
  }
}

}  // namespace qb::kernels::neon

#endif
