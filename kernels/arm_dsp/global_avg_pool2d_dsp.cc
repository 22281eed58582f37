// global_avg_pool2d for the DSP extension: per image, channels in groups of eight summed
// over the pixels with SXTAB16 into 16-bit lanes, flushed into 32-bit sums every 256
// pixels, then one SDIV per channel.
//
// Why: SXTAB16 adds two sign-extended bytes of a word to two 16-bit lanes in one
// instruction, so a pixel's four channels cost an LDR and two SXTAB16 (an int8 lane sum
// is exact for 256 pixels: 256 * 128 fits 16 bits); two words per pixel share the
// pointer step. The mean rounds half away from zero as the reference does.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>

#include "kernels/arm_dsp/dsp_kernels.h"
#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/int8/requantize.h"

namespace qb::kernels::dsp {
namespace {

constexpr int32_t kLaneSpan = 256;  // pixels a 16-bit lane sum can take

inline uint32_t load_channels(const int8_t* p, int32_t nc) {
  if (nc >= 4) return load_u32(p);
  uint32_t w = 0;
  for (int32_t i = 0; i < nc; ++i) w |= (static_cast<uint32_t>(p[i]) & 0xFFu) << (8 * i);
  return w;
}

// Adds channels [c, c + nc) (nc <= 8) of `pixels` pixels starting at p (stride step) to
// sums[0..nc).
void sum_channels(const int8_t* p, int32_t step, int32_t pixels, int32_t nc, int32_t* sums) {
  const int32_t nc_hi = nc > 4 ? nc - 4 : 0;
  for (int32_t done = 0; done < pixels; done += kLaneSpan) {
    const int32_t n = pixels - done < kLaneSpan ? pixels - done : kLaneSpan;
    int32_t e0 = 0, o0 = 0, e1 = 0, o1 = 0;
    const int8_t* q = p + done * step;
    if (nc == 8) {
      for (int32_t i = 0; i < n; ++i, q += step) {
        const uint32_t w0 = load_u32(q), w1 = load_u32(q + 4);
        e0 = __sxtab16(e0, w0);
        o0 = sxtab16_odd(o0, w0);
        e1 = __sxtab16(e1, w1);
        o1 = sxtab16_odd(o1, w1);
      }
    } else {
      for (int32_t i = 0; i < n; ++i, q += step) {
        const uint32_t w0 = load_channels(q, nc);
        e0 = __sxtab16(e0, w0);
        o0 = sxtab16_odd(o0, w0);
        if (nc_hi > 0) {
          const uint32_t w1 = load_channels(q + 4, nc_hi);
          e1 = __sxtab16(e1, w1);
          o1 = sxtab16_odd(o1, w1);
        }
      }
    }
    sums[0] += static_cast<int16_t>(e0);
    sums[1] += static_cast<int16_t>(o0);
    sums[2] += e0 >> 16;
    sums[3] += o0 >> 16;
    sums[4] += static_cast<int16_t>(e1);
    sums[5] += static_cast<int16_t>(o1);
    sums[6] += e1 >> 16;
    sums[7] += o1 >> 16;
  }
}

}  // namespace

void global_avg_pool2d(int32_t act_min, int32_t act_max, const Shape& input_shape,
                       const int8_t* input, int8_t* output) {
  const int32_t channels = input_shape.c;
  const int32_t pixels = input_shape.h * input_shape.w;
  const int32_t half = pixels / 2;
  for (int32_t b = 0; b < input_shape.n; ++b) {
    const int8_t* image = input + b * pixels * channels;
    int8_t* out = output + b * channels;
    for (int32_t c = 0; c < channels; c += 8) {
      const int32_t nc = channels - c < 8 ? channels - c : 8;
      int32_t out_v[8];
      if (pixels > 0) {
        int32_t sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        sum_channels(image + c, channels, pixels, nc, sums);
        for (int32_t i = 0; i < nc; ++i) {
          const int32_t sign = sums[i] >> 31;
          out_v[i] = clamp((sums[i] + ((half ^ sign) - sign)) / pixels, act_min, act_max);
        }
      } else {
        for (int32_t i = 0; i < nc; ++i) out_v[i] = act_min;
      }
      for (int32_t i = 0; i < nc; ++i) out[c + i] = static_cast<int8_t>(out_v[i]);
    }
  }
}

}  // namespace qb::kernels::dsp
#endif
