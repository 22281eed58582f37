// Reference int8 spatial padding.
#include "kernels/int8/pad.h"

namespace qb::kernels {

void pad(const PadParams& params, const Shape& input_shape, const int8_t* input,
         const Shape& output_shape, int8_t* output) {
  const int32_t in_h = input_shape.h, in_w = input_shape.w, channels = input_shape.c;
  const int32_t out_h = output_shape.h, out_w = output_shape.w;
  for (int32_t b = 0; b < output_shape.n; ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t iy = oy - params.pad_top;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ix = ox - params.pad_left;
        int8_t* out_px = output + ((b * out_h + oy) * out_w + ox) * channels;
        const bool inside = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w;
        if (inside) {
          const int8_t* in_px = input + ((b * in_h + iy) * in_w + ix) * channels;
          for (int32_t c = 0; c < channels; ++c) out_px[c] = in_px[c];
        } else {
          for (int32_t c = 0; c < channels; ++c) out_px[c] = params.pad_value;
        }
      }
    }
  }
}

}  // namespace qb::kernels
