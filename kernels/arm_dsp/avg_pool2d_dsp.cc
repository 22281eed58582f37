// avg_pool2d for the DSP extension: four channels per word summed with SXTAB16 into two
// 16-bit-lane accumulators, then one SDIV per output.
//
// Why: SXTAB16 sign-extends bytes 0 and 2 (or, rotated, 1 and 3) of a word and adds them
// to two 16-bit lanes in one instruction, so a tap of four channels costs an LDR and two
// SXTAB16. A window has at most 15 x 15 = 225 taps, and 225 * 128 fits a signed 16-bit
// lane. The mean rounds half away from zero like the reference: the half-count nudge
// takes the sum's sign, and SDIV truncates toward zero.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>

#include "kernels/arm_dsp/dsp_kernels.h"
#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/int8/pooling.h"
#include "kernels/int8/requantize.h"

namespace qb::kernels::dsp {
namespace {

inline uint32_t load_channels(const int8_t* p, int32_t nc) {
  if (nc == 4) return load_u32(p);
  uint32_t w = 0;
  for (int32_t i = 0; i < nc; ++i) w |= (static_cast<uint32_t>(p[i]) & 0xFFu) << (8 * i);
  return w;
}

// sum / count rounded half away from zero, clamped.
inline int8_t mean(int32_t sum, int32_t count, int32_t half, int32_t lo, int32_t hi) {
  const int32_t sign = sum >> 31;  // 0 or -1
  const int32_t nudged = sum + ((half ^ sign) - sign);
  return static_cast<int8_t>(clamp(nudged / count, lo, hi));
}

}  // namespace

void avg_pool2d(const PoolParams& params, const Shape& in_shape, const int8_t* input,
                const Shape& out_shape, int8_t* output) {
  // The 16-bit lanes hold at most 256 taps of -128.
  if (params.filter_h * params.filter_w > 256) {
    kernels::avg_pool2d(params, in_shape, input, out_shape, output);
    return;
  }
  const int32_t in_h = in_shape.h, in_w = in_shape.w, channels = in_shape.c;
  const int32_t row_step = in_w * channels;
  for (int32_t b = 0; b < in_shape.n; ++b) {
    const int8_t* image = input + b * in_h * row_step;
    for (int32_t oy = 0; oy < out_shape.h; ++oy) {
      const int32_t iy0 = oy * params.stride_h - params.pad_top;
      const int32_t ky_lo = iy0 < 0 ? -iy0 : 0;
      const int32_t ky_hi = in_h - iy0 < params.filter_h ? in_h - iy0 : params.filter_h;
      for (int32_t ox = 0; ox < out_shape.w; ++ox) {
        const int32_t ix0 = ox * params.stride_w - params.pad_left;
        const int32_t kx_lo = ix0 < 0 ? -ix0 : 0;
        const int32_t kx_hi = in_w - ix0 < params.filter_w ? in_w - ix0 : params.filter_w;
        int8_t* out = output + ((b * out_shape.h + oy) * out_shape.w + ox) * channels;
        const int32_t rows = ky_hi - ky_lo, cols = kx_hi - kx_lo;
        if (rows <= 0 || cols <= 0) {
          // No tap inside: the reference writes act_min rather than divide by zero.
          for (int32_t c = 0; c < channels; ++c) out[c] = static_cast<int8_t>(params.act_min);
          continue;
        }
        const int32_t count = rows * cols;
        const int32_t half = count / 2;
        const int8_t* first = image + ((iy0 + ky_lo) * in_w + ix0 + kx_lo) * channels;
        for (int32_t c = 0; c < channels; c += 4) {
          const int32_t nc = channels - c < 4 ? channels - c : 4;
          int32_t even = 0, odd = 0;  // lanes: channels (0, 2) and (1, 3)
          const int8_t* row = first + c;
          for (int32_t ky = 0; ky < rows; ++ky, row += row_step) {
            const int8_t* p = row;
            for (int32_t kx = 0; kx < cols; ++kx, p += channels) {
              const uint32_t w = load_channels(p, nc);
              even = __sxtab16(even, w);
              odd = sxtab16_odd(odd, w);
            }
          }
          const int32_t sums[4] = {static_cast<int16_t>(even), static_cast<int16_t>(odd),
                                   even >> 16, odd >> 16};
          for (int32_t i = 0; i < nc; ++i) {
            out[c + i] = mean(sums[i], count, half, params.act_min, params.act_max);
          }
        }
      }
    }
  }
}

}  // namespace qb::kernels::dsp
#endif
