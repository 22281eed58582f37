// Helium pooling: max, average and global average, channels across vector lanes.
//
// Why this shape: pooling never mixes channels, and NHWC keeps a pixel's channels
// contiguous, so one vector holds up to 16 channels of a tap and a window is a handful
// of lane-wise operations: VMAX.S8 over the taps for max pooling (windows inside the
// input run through a per-layer tap-offset table, 2x2 unrolled); for averages, sums in
// int16 lanes (VLDRB.S16 widens eight channels; a sum of up to 256 int8 values lies in
// [-32768, 32512]) divided by the tap count with rounding half away from zero, in int32
// lanes (the even and odd halves) and narrowed back. The division is exact without a divide instruction per lane: for
// n = |sum| + count/2 < 2^16 and 2 <= count <= 256, floor(n / count) equals the high half of
// n * (floor((2^32 - 1) / count) + 1) (VMULH.U32): the multiplier exceeds 2^32 / count by
// less than 1, so the error is below n / 2^32 <= 2^-16 < 1 / count, too small to cross
// an integer. Larger windows (never in practice) sum in int32 lanes and divide lane by
// lane in core registers.
// Taps outside the input are skipped (max) or left out of the count (average), as the
// reference does; a channel tail is handled with predicated loads and stores.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include "kernels/arm_mve/mve_kernels.h"

namespace qb::kernels::mve {
namespace {

inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

// The window of output (oy, ox) clipped to the input.
struct Window {
  int32_t ky_begin, ky_end, kx_begin, kx_end;
  const int8_t* first;  // input at (ky_begin, kx_begin)
};

inline Window clip(const PoolParams& p, const Shape& in, const int8_t* image, int32_t oy,
                   int32_t ox) {
  const int32_t iy0 = oy * p.stride_h - p.pad_top, ix0 = ox * p.stride_w - p.pad_left;
  Window w{max_i32(0, -iy0), min_i32(p.filter_h, in.h - iy0), max_i32(0, -ix0),
           min_i32(p.filter_w, in.w - ix0), image};
  if (w.ky_begin < w.ky_end && w.kx_begin < w.kx_end) {
    w.first = image + ((iy0 + w.ky_begin) * in.w + ix0 + w.kx_begin) * in.c;
  }
  return w;
}

// sum / count rounded half away from zero, four lanes; count in [2, 256] and
// |sum| <= 128 * count (see the file comment).
inline int32x4_t rounded_mean(int32x4_t sum, uint32_t count, uint32_t reciprocal) {
  const uint32x4_t magnitude =
      vaddq_n_u32(vreinterpretq_u32_s32(vabsq_s32(sum)), count / 2);
  const int32x4_t q = vreinterpretq_s32_u32(vmulhq_u32(magnitude, vdupq_n_u32(reciprocal)));
  return vnegq_m_s32(q, q, vcmpltq_n_s32(sum, 0));
}

// The eight int16 sums' rounded means (count in [1, 256]), clamped to [lo, hi] and stored
// as bytes in the predicated lanes: the even and odd lanes widen to int32 for the
// division and narrow back into their places.
inline void store_mean8(int16x8_t sum, uint32_t count, uint32_t reciprocal, int16x8_t lo,
                        int16x8_t hi, int8_t* out, mve_pred16_t lanes) {
  int16x8_t mean = sum;
  if (count >= 2) {
    const int32x4_t even = rounded_mean(vmovlbq_s16(sum), count, reciprocal);
    const int32x4_t odd = rounded_mean(vmovltq_s16(sum), count, reciprocal);
    mean = vmovntq_s32(vmovnbq_s32(sum, even), odd);
  }
  vstrbq_p_s16(out, vminq_s16(vmaxq_s16(mean, lo), hi), lanes);
}

// The same, one lane at a time, for any count >= 1.
inline int32x4_t rounded_mean_scalar(int32x4_t sum, int32_t count) {
  int32_t v[4];
  vst1q_s32(v, sum);
  for (int32_t& s : v) s = s > 0 ? (s + count / 2) / count : (s - count / 2) / count;
  return vld1q_s32(v);
}

}  // namespace

// `count` horizontally adjacent output pixels whose windows lie inside the input; first:
// the first window's first tap, step: input bytes between windows. 2x2 windows (the
// usual pooling) are unrolled; others read their taps through the offset table. Not
// inlined, so the loop's state stays in registers.
__attribute__((noinline)) void max_run_inside(const int8_t* first, int32_t count, int32_t step,
                                              const int32_t* taps, int32_t window, bool two_by_two,
                                              int32_t channels, int8x16_t lo, int8x16_t hi,
                                              int8_t* out) {
  const int32_t right = taps[1], below = two_by_two ? taps[2] : 0;
  for (int32_t i = 0; i < count; ++i, first += step, out += channels) {
    for (int32_t c = 0; c < channels; c += 16) {
      const mve_pred16_t lanes = vctp8q(static_cast<uint32_t>(channels - c));
      const int8_t* x = first + c;
      int8x16_t best;
      if (two_by_two) {
        const int8x16_t top = vmaxq_s8(vldrbq_z_s8(x, lanes), vldrbq_z_s8(x + right, lanes));
        const int8_t* y = x + below;
        best = vmaxq_s8(top, vmaxq_s8(vldrbq_z_s8(y, lanes), vldrbq_z_s8(y + right, lanes)));
      } else {
        best = vldrbq_z_s8(x, lanes);
        for (int32_t t = 1; t < window; ++t) best = vmaxq_s8(best, vldrbq_z_s8(x + taps[t], lanes));
      }
      vstrbq_p_s8(out + c, vminq_s8(vmaxq_s8(best, lo), hi), lanes);
    }
  }
}

void max_pool2d(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output) {
  const PoolParams p = params;
  const Shape in = input_shape, out = output_shape;
  const int8x16_t lo = vdupq_n_s8(static_cast<int8_t>(p.act_min));
  const int8x16_t hi = vdupq_n_s8(static_cast<int8_t>(p.act_max));
  const int32_t row = in.w * in.c;
  // Windows entirely inside the input (the usual case) read their taps through a table
  // of offsets from the first tap; it holds windows of up to kMaxTableTaps taps.
  constexpr int32_t kMaxTableTaps = 16;
  int32_t taps[kMaxTableTaps];
  const int32_t window = p.filter_h * p.filter_w;
  const bool table = window >= 2 && window <= kMaxTableTaps;
  if (table) {
    for (int32_t ky = 0, t = 0; ky < p.filter_h; ++ky) {
      for (int32_t kx = 0; kx < p.filter_w; ++kx, ++t) taps[t] = ky * row + kx * in.c;
    }
  }
  const bool two_by_two = p.filter_h == 2 && p.filter_w == 2;
  // Output columns whose windows lie inside the input horizontally: [x_begin, x_end).
  int32_t x_begin = (p.pad_left + p.stride_w - 1) / p.stride_w;
  const int32_t last_start = in.w - p.filter_w + p.pad_left;
  int32_t x_end = last_start < 0 ? 0 : last_start / p.stride_w + 1;
  if (x_end > out.w) x_end = out.w;
  if (x_begin > x_end) x_begin = x_end;
  for (int32_t b = 0; b < in.n; ++b) {
    const int8_t* image = input + b * in.h * row;
    for (int32_t oy = 0; oy < out.h; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_top;
      const bool rows_inside = iy0 >= 0 && iy0 + p.filter_h <= in.h;
      for (int32_t ox = 0; ox < out.w; ++ox, output += out.c) {
        if (table && rows_inside && ox == x_begin && x_begin < x_end) {
          const int32_t count = x_end - x_begin;
          max_run_inside(image + (iy0 * in.w + ox * p.stride_w - p.pad_left) * in.c, count,
                         p.stride_w * in.c, taps, window, two_by_two, in.c, lo, hi, output);
          ox += count - 1;
          output += (count - 1) * out.c;
          continue;
        }
        const Window w = clip(p, in, image, oy, ox);
        for (int32_t c = 0; c < in.c; c += 16) {
          const mve_pred16_t lanes = vctp8q(static_cast<uint32_t>(in.c - c));
          // -128 is the identity of max over int8; an empty window keeps it and then
          // clamps to act_min, as the reference does.
          int8x16_t best = vdupq_n_s8(-128);
          const int8_t* tap_row = w.first + c;
          for (int32_t ky = w.ky_begin; ky < w.ky_end; ++ky, tap_row += row) {
            const int8_t* tap = tap_row;
            for (int32_t kx = w.kx_begin; kx < w.kx_end; ++kx, tap += in.c) {
              best = vmaxq_s8(best, vldrbq_z_s8(tap, lanes));
            }
          }
          vstrbq_p_s8(output + c, vminq_s8(vmaxq_s8(best, lo), hi), lanes);
        }
      }
    }
  }
}

void avg_pool2d(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output) {
  const PoolParams p = params;
  const Shape in = input_shape, out = output_shape;
  const int32x4_t lo = vdupq_n_s32(p.act_min);
  const int32x4_t hi = vdupq_n_s32(p.act_max);
  const int16x8_t lo16 = vdupq_n_s16(static_cast<int16_t>(p.act_min));
  const int16x8_t hi16 = vdupq_n_s16(static_cast<int16_t>(p.act_max));
  const int32_t row = in.w * in.c;
  for (int32_t b = 0; b < in.n; ++b) {
    const int8_t* image = input + b * in.h * row;
    for (int32_t oy = 0; oy < out.h; ++oy) {
      for (int32_t ox = 0; ox < out.w; ++ox, output += out.c) {
        const Window w = clip(p, in, image, oy, ox);
        const int32_t count =
            max_i32(0, w.ky_end - w.ky_begin) * max_i32(0, w.kx_end - w.kx_begin);
        const uint32_t reciprocal =
            count >= 2 ? 0xFFFFFFFFu / static_cast<uint32_t>(count) + 1 : 0;
        if (count >= 1 && count <= 256) {
          for (int32_t c = 0; c < in.c; c += 8) {
            const mve_pred16_t lanes = vctp16q(static_cast<uint32_t>(in.c - c));
            int16x8_t sum = vdupq_n_s16(0);
            const int8_t* tap_row = w.first + c;
            for (int32_t ky = w.ky_begin; ky < w.ky_end; ++ky, tap_row += row) {
              const int8_t* tap = tap_row;
              for (int32_t kx = w.kx_begin; kx < w.kx_end; ++kx, tap += in.c) {
                sum = vaddq_s16(sum, vldrbq_z_s16(tap, lanes));
              }
            }
            store_mean8(sum, static_cast<uint32_t>(count), reciprocal, lo16, hi16, output + c,
                        lanes);
          }
          continue;
        }
        for (int32_t c = 0; c < in.c; c += 4) {
          const mve_pred16_t lanes = vctp32q(static_cast<uint32_t>(in.c - c));
          int32x4_t v;
          if (count == 0) {
            // No tap: act_min, as the reference writes for a void window.
            v = lo;
          } else {
            int32x4_t sum = vdupq_n_s32(0);
            const int8_t* tap_row = w.first + c;
            for (int32_t ky = w.ky_begin; ky < w.ky_end; ++ky, tap_row += row) {
              const int8_t* tap = tap_row;
              for (int32_t kx = w.kx_begin; kx < w.kx_end; ++kx, tap += in.c) {
                sum = vaddq_s32(sum, vldrbq_z_s32(tap, lanes));
              }
            }
            v = rounded_mean_scalar(sum, count);  // count > 256
          }
          vstrbq_p_s32(output + c, vminq_s32(vmaxq_s32(v, lo), hi), lanes);
        }
      }
    }
  }
}

void global_avg_pool2d(int32_t act_min, int32_t act_max, const Shape& input_shape,
                       const int8_t* input, int8_t* output) {
  const Shape in = input_shape;
  const int32_t pixels = in.h * in.w;
  const int32x4_t lo = vdupq_n_s32(act_min);
  const int32x4_t hi = vdupq_n_s32(act_max);
  const uint32_t reciprocal = pixels >= 2 ? 0xFFFFFFFFu / static_cast<uint32_t>(pixels) + 1 : 0;
  for (int32_t b = 0; b < in.n; ++b, output += in.c) {
    const int8_t* image = input + b * pixels * in.c;
    if (pixels >= 1 && pixels <= 256) {
      const int16x8_t lo16 = vdupq_n_s16(static_cast<int16_t>(act_min));
      const int16x8_t hi16 = vdupq_n_s16(static_cast<int16_t>(act_max));
      for (int32_t c = 0; c < in.c; c += 8) {
        const mve_pred16_t lanes = vctp16q(static_cast<uint32_t>(in.c - c));
        int16x8_t sum = vdupq_n_s16(0);
        const int8_t* px = image + c;
        for (int32_t i = 0; i < pixels; ++i, px += in.c) {
          sum = vaddq_s16(sum, vldrbq_z_s16(px, lanes));
        }
        store_mean8(sum, static_cast<uint32_t>(pixels), reciprocal, lo16, hi16, output + c,
                    lanes);
      }
      continue;
    }
    for (int32_t c = 0; c < in.c; c += 4) {
      const mve_pred16_t lanes = vctp32q(static_cast<uint32_t>(in.c - c));
      int32x4_t v = lo;  // no pixels: act_min, as the reference writes
      if (pixels > 0) {
        // An int32 sum of int8 values is exact for up to 2^24 pixels.
        int32x4_t sum = vdupq_n_s32(0);
        const int8_t* px = image + c;
        for (int32_t i = 0; i < pixels; ++i, px += in.c) {
          sum = vaddq_s32(sum, vldrbq_z_s32(px, lanes));
        }
        v = rounded_mean_scalar(sum, pixels);  // pixels > 256
      }
      vstrbq_p_s32(output + c, vminq_s32(vmaxq_s32(v, lo), hi), lanes);
    }
  }
}

}  // namespace qb::kernels::mve

#endif
