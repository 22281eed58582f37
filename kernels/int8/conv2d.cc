// Reference int8 2-D convolution (TFLite ConvPerChannel semantics).
#include "kernels/int8/conv2d.h"

#include "kernels/int8/requantize.h"

namespace qb::kernels {

void conv2d(const ConvParams& params, ChannelRequant requant, const Shape& input_shape,
            const int8_t* input, const Shape& filter_shape, const int8_t* filter,
            const int32_t* bias, const Shape& output_shape, int8_t* output) {
  const int32_t in_h = input_shape.h, in_w = input_shape.w, in_c = input_shape.c;
  const int32_t k_h = filter_shape.h, k_w = filter_shape.w;
  const int32_t out_h = output_shape.h, out_w = output_shape.w, out_c = output_shape.c;

  for (int32_t b = 0; b < input_shape.n; ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t iy0 = oy * params.stride_h - params.pad_top;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ix0 = ox * params.stride_w - params.pad_left;
        for (int32_t oc = 0; oc < out_c; ++oc) {
          int32_t acc = bias != nullptr ? bias[oc] : 0;
          for (int32_t ky = 0; ky < k_h; ++ky) {
            const int32_t iy = iy0 + ky;
            // A tap outside the input would read the zero point, and
            // (zero point + input_offset) == 0 contributes nothing.
            if (iy < 0 || iy >= in_h) continue;
            for (int32_t kx = 0; kx < k_w; ++kx) {
              const int32_t ix = ix0 + kx;
              if (ix < 0 || ix >= in_w) continue;
              const int8_t* in_px = input + ((b * in_h + iy) * in_w + ix) * in_c;
              const int8_t* f_px = filter + ((oc * k_h + ky) * k_w + kx) * in_c;
              for (int32_t ic = 0; ic < in_c; ++ic) {
                acc += static_cast<int32_t>(f_px[ic]) *
                       (static_cast<int32_t>(in_px[ic]) + params.input_offset);
              }
            }
          }
          const int32_t scaled =
              multiply_by_quantized_multiplier(acc, requant.multiplier[oc], requant.shift[oc]);
          output[((b * out_h + oy) * out_w + ox) * out_c + oc] = static_cast<int8_t>(
              add_offset_and_clamp(scaled, params.output_offset, params.act_min, params.act_max));
        }
      }
    }
  }
}

}  // namespace qb::kernels
