// Reference int8 pooling (TFLite MaxPool / AveragePool) and a global spatial mean.
#include "kernels/int8/pooling.h"

#include "kernels/int8/requantize.h"

namespace qb::kernels {
namespace {

inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

// sum / count rounded half away from zero; C++ division truncates toward zero, so the
// half-count nudge goes in the direction of the sign.
inline int32_t rounded_mean(int32_t sum, int32_t count) {
  return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

}  // namespace

void max_pool2d(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output) {
  const int32_t in_h = input_shape.h, in_w = input_shape.w, channels = input_shape.c;
  const int32_t out_h = output_shape.h, out_w = output_shape.w;
  for (int32_t b = 0; b < input_shape.n; ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t iy0 = oy * params.stride_h - params.pad_top;
      // Clip the window to the input rather than testing every tap.
      const int32_t ky_begin = max_i32(0, -iy0);
      const int32_t ky_end = min_i32(params.filter_h, in_h - iy0);
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ix0 = ox * params.stride_w - params.pad_left;
        const int32_t kx_begin = max_i32(0, -ix0);
        const int32_t kx_end = min_i32(params.filter_w, in_w - ix0);
        for (int32_t c = 0; c < channels; ++c) {
          // -128 is the identity of max over int8; a window with no taps keeps it and
          // then clamps to act_min, as TFLite does.
          int32_t best = -128;
          for (int32_t ky = ky_begin; ky < ky_end; ++ky) {
            for (int32_t kx = kx_begin; kx < kx_end; ++kx) {
              const int32_t v = input[((b * in_h + iy0 + ky) * in_w + ix0 + kx) * channels + c];
              best = max_i32(best, v);
            }
          }
          best = clamp(best, params.act_min, params.act_max);
          output[((b * out_h + oy) * out_w + ox) * channels + c] = static_cast<int8_t>(best);
        }
      }
    }
  }
}

void avg_pool2d(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output) {
  const int32_t in_h = input_shape.h, in_w = input_shape.w, channels = input_shape.c;
  const int32_t out_h = output_shape.h, out_w = output_shape.w;
  for (int32_t b = 0; b < input_shape.n; ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t iy0 = oy * params.stride_h - params.pad_top;
      const int32_t ky_begin = max_i32(0, -iy0);
      const int32_t ky_end = min_i32(params.filter_h, in_h - iy0);
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ix0 = ox * params.stride_w - params.pad_left;
        const int32_t kx_begin = max_i32(0, -ix0);
        const int32_t kx_end = min_i32(params.filter_w, in_w - ix0);
        // Padded taps are not part of the mean: the count is the clipped window's area.
        const int32_t count = max_i32(0, ky_end - ky_begin) * max_i32(0, kx_end - kx_begin);
        for (int32_t c = 0; c < channels; ++c) {
          int32_t out = params.act_min;
          // TFLite rejects a window with no taps; a void kernel cannot, so it writes
          // act_min instead of dividing by zero. Valid geometries never get here.
          if (count > 0) {
            int32_t sum = 0;
            for (int32_t ky = ky_begin; ky < ky_end; ++ky) {
              for (int32_t kx = kx_begin; kx < kx_end; ++kx) {
                sum += input[((b * in_h + iy0 + ky) * in_w + ix0 + kx) * channels + c];
              }
            }
            out = clamp(rounded_mean(sum, count), params.act_min, params.act_max);
          }
          output[((b * out_h + oy) * out_w + ox) * channels + c] = static_cast<int8_t>(out);
        }
      }
    }
  }
}

void global_avg_pool2d(int32_t act_min, int32_t act_max, const Shape& input_shape,
                       const int8_t* input, int8_t* output) {
  const int32_t channels = input_shape.c;
  // An int32 sum of int8 values is exact for up to 2^24 pixels.
  const int32_t pixels = input_shape.h * input_shape.w;
  for (int32_t b = 0; b < input_shape.n; ++b) {
    const int8_t* image = input + b * pixels * channels;
    for (int32_t c = 0; c < channels; ++c) {
      int32_t out = act_min;
      if (pixels > 0) {
        int32_t sum = 0;
        for (int32_t p = 0; p < pixels; ++p) sum += image[p * channels + c];
        out = clamp(rounded_mean(sum, pixels), act_min, act_max);
      }
      output[b * channels + c] = static_cast<int8_t>(out);
    }
  }
}

}  // namespace qb::kernels
