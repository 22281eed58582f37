// Reference int8 depthwise convolution, depth multiplier 1 (TFLite DepthwiseConvPerChannel).
#include "kernels/int8/conv2d.h"
#include "kernels/int8/requantize.h"

namespace qb::kernels {

void depthwise_conv2d(const ConvParams& params, ChannelRequant requant, const Shape& input_shape,
                      const int8_t* input, const Shape& filter_shape, const int8_t* filter,
                      const int32_t* bias, const Shape& output_shape, int8_t* output) {
  const int32_t in_h = input_shape.h, in_w = input_shape.w, channels = input_shape.c;
  const int32_t k_h = filter_shape.h, k_w = filter_shape.w;
  const int32_t out_h = output_shape.h, out_w = output_shape.w;

  for (int32_t b = 0; b < input_shape.n; ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t iy0 = oy * params.stride_h - params.pad_top;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ix0 = ox * params.stride_w - params.pad_left;
        for (int32_t c = 0; c < channels; ++c) {
          int32_t acc = bias != nullptr ? bias[c] : 0;
          for (int32_t ky = 0; ky < k_h; ++ky) {
            const int32_t iy = iy0 + ky;
            // Skipping an outside tap equals reading the zero point: it adds zero.
            if (iy < 0 || iy >= in_h) continue;
            for (int32_t kx = 0; kx < k_w; ++kx) {
              const int32_t ix = ix0 + kx;
              if (ix < 0 || ix >= in_w) continue;
              const int32_t in_val = input[((b * in_h + iy) * in_w + ix) * channels + c];
              const int32_t f_val = filter[(ky * k_w + kx) * channels + c];
              acc += f_val * (in_val + params.input_offset);
            }
          }
          const int32_t scaled =
              multiply_by_quantized_multiplier(acc, requant.multiplier[c], requant.shift[c]);
          output[((b * out_h + oy) * out_w + ox) * channels + c] = static_cast<int8_t>(
              add_offset_and_clamp(scaled, params.output_offset, params.act_min, params.act_max));
        }
      }
    }
  }
}

// Depth multiplier > 1: output channel c reads input channel c / multiplier. Its own
// function, so that multiplier 1 keeps its loop exactly (one channel stride for input and
// filter is what keeps it tight on cores that run the reference, such as the Cortex-M3).
void depthwise_conv2d_multiplier(const ConvParams& params, ChannelRequant requant,
                                 const Shape& input_shape, const int8_t* input,
                                 const Shape& filter_shape, const int8_t* filter, const int32_t* bias,
                                 const Shape& output_shape, int8_t* output) {
  const int32_t in_h = input_shape.h, in_w = input_shape.w, in_c = input_shape.c;
  const int32_t channels = output_shape.c;
  const int32_t multiplier = channels / in_c;
  const int32_t k_h = filter_shape.h, k_w = filter_shape.w;
  const int32_t out_h = output_shape.h, out_w = output_shape.w;

  for (int32_t b = 0; b < input_shape.n; ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t iy0 = oy * params.stride_h - params.pad_top;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ix0 = ox * params.stride_w - params.pad_left;
        for (int32_t c = 0; c < channels; ++c) {
          const int32_t ic = c / multiplier;
          int32_t acc = bias != nullptr ? bias[c] : 0;
          for (int32_t ky = 0; ky < k_h; ++ky) {
            const int32_t iy = iy0 + ky;
            if (iy < 0 || iy >= in_h) continue;
            for (int32_t kx = 0; kx < k_w; ++kx) {
              const int32_t ix = ix0 + kx;
              if (ix < 0 || ix >= in_w) continue;
              const int32_t in_val = input[((b * in_h + iy) * in_w + ix) * in_c + ic];
              const int32_t f_val = filter[(ky * k_w + kx) * channels + c];
              acc += f_val * (in_val + params.input_offset);
            }
          }
          const int32_t scaled =
              multiply_by_quantized_multiplier(acc, requant.multiplier[c], requant.shift[c]);
          output[((b * out_h + oy) * out_w + ox) * channels + c] = static_cast<int8_t>(
              add_offset_and_clamp(scaled, params.output_offset, params.act_min, params.act_max));
        }
      }
    }
  }
}

}  // namespace qb::kernels
