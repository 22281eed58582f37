// max_pool2d for the DSP extension: four channels per word, the max taken bytewise with
// SSUB8 + SEL.
//
// Why: NHWC keeps a pixel's channels adjacent, so one LDR fetches four channels of a tap
// and SSUB8/SEL is a four-lane signed max in two instructions; the activation clamp is
// the same pair of instructions against the bounds in every byte. The window is clipped
// to the input (padded taps never win a max) once per output pixel; a 2x2 window fully
// inside, the common pooling, is unrolled. A last group of fewer than four channels is
// loaded and stored bytewise.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>

#include "kernels/arm_dsp/dsp_kernels.h"
#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/arm_dsp/requant_dsp.h"

namespace qb::kernels::dsp {
namespace {

inline uint32_t load_channels(const int8_t* p, int32_t nc) {
  if (nc == 4) return load_u32(p);
  uint32_t w = 0;
  for (int32_t i = 0; i < nc; ++i) w |= (static_cast<uint32_t>(p[i]) & 0xFFu) << (8 * i);
  return w;
}

inline void store_channels(int8_t* p, uint32_t w, int32_t nc) {
  if (nc == 4) {
    store_u32(p, w);
    return;
  }
  for (int32_t i = 0; i < nc; ++i) p[i] = static_cast<int8_t>(w >> (8 * i));
}

void max_pool(const PoolParams& params, const Shape& in_shape, const int8_t* input,
              const Shape& out_shape, int8_t* output) {
  const int32_t in_h = in_shape.h, in_w = in_shape.w, channels = in_shape.c;
  const int32_t row_step = in_w * channels;
  const OutputQuant o = make_output_quant(0, params.act_min, params.act_max);
  // Most pooling layers have no activation: skip the clamp's four instructions a word.
  const auto clamp = [&o](uint32_t v) { return o.clamp ? clamp_packed(v, o) : v; };
  const bool window2x2 = params.filter_h == 2 && params.filter_w == 2;
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
        const int8_t* corner = image + (iy0 * in_w + ix0) * channels;
        if (window2x2 && ky_lo == 0 && kx_lo == 0 && ky_hi == 2 && kx_hi == 2) {
          int32_t c = 0;
          for (; c + 4 <= channels; c += 4) {
            const int8_t* p = corner + c;
            const uint32_t top = max_bytes(load_u32(p), load_u32(p + channels));
            const uint32_t bottom = max_bytes(load_u32(p + row_step), load_u32(p + row_step + channels));
            store_u32(out + c, clamp(max_bytes(top, bottom)));
          }
          if (c < channels) {
            const int32_t nc = channels - c;
            const int8_t* p = corner + c;
            const uint32_t top = max_bytes(load_channels(p, nc), load_channels(p + channels, nc));
            const uint32_t bottom = max_bytes(load_channels(p + row_step, nc),
                                              load_channels(p + row_step + channels, nc));
            store_channels(out + c, clamp(max_bytes(top, bottom)), nc);
          }
          continue;
        }
        for (int32_t c = 0; c < channels; c += 4) {
          const int32_t nc = channels - c < 4 ? channels - c : 4;
          // -128 in every byte: the identity of max, and what an empty window yields.
          uint32_t best = 0x80808080u;
          for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
            const int8_t* p = corner + ky * row_step + kx_lo * channels + c;
            for (int32_t kx = kx_lo; kx < kx_hi; ++kx, p += channels) {
              best = max_bytes(best, load_channels(p, nc));
            }
          }
          store_channels(out + c, clamp(best), nc);
        }
      }
    }
  }
}

}  // namespace

void max_pool2d(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output) {
  max_pool(params, input_shape, input, output_shape, output);
}

}  // namespace qb::kernels::dsp
#endif
