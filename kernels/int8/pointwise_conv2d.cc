// Reference int8 1x1 convolution: every pixel is a dense layer over the channels.
#include "kernels/int8/conv2d.h"
#include "kernels/int8/requantize.h"

namespace qb::kernels {

void pointwise_conv2d(const ConvParams& params, ChannelRequant requant, const Shape& input_shape,
                      const int8_t* input, const Shape& filter_shape, const int8_t* filter,
                      const int32_t* bias, const Shape& output_shape, int8_t* output) {
  (void)filter_shape;  // [out_c, 1, 1, in_c]: out_c and in_c are already in the tensors' shapes
  const int32_t in_c = input_shape.c, out_c = output_shape.c;
  // Stride 1 and no padding make the pixel grids identical, so pixels map one to one.
  const int32_t pixels = input_shape.n * input_shape.h * input_shape.w;

  for (int32_t p = 0; p < pixels; ++p) {
    const int8_t* in_px = input + p * in_c;
    for (int32_t oc = 0; oc < out_c; ++oc) {
      const int8_t* f_row = filter + oc * in_c;
      int32_t acc = bias != nullptr ? bias[oc] : 0;
      for (int32_t ic = 0; ic < in_c; ++ic) {
        acc += static_cast<int32_t>(f_row[ic]) *
               (static_cast<int32_t>(in_px[ic]) + params.input_offset);
      }
      const int32_t scaled =
          multiply_by_quantized_multiplier(acc, requant.multiplier[oc], requant.shift[oc]);
      output[p * out_c + oc] = static_cast<int8_t>(
          add_offset_and_clamp(scaled, params.output_offset, params.act_min, params.act_max));
    }
  }
}

}  // namespace qb::kernels
