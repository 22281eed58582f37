// Float reference ops: the int8 kernels' loops in double precision, clamped to the
// fused activation's real range.
#include "kernels/float/float_ops.h"

#include <algorithm>
#include <cmath>

namespace qb::kernels::fp {
namespace {

float activate(double v, Activation act) {
  const float f = static_cast<float>(v);
  return std::min(std::max(f, act.min), act.max);
}

}  // namespace

void conv2d(const ConvGeometry& geometry, Activation act, const Shape& input_shape,
            const float* input, const Shape& filter_shape, const float* filter, const float* bias,
            const Shape& output_shape, float* output) {
  const int32_t in_h = input_shape.h, in_w = input_shape.w, in_c = input_shape.c;
  const int32_t k_h = filter_shape.h, k_w = filter_shape.w;
  const int32_t out_h = output_shape.h, out_w = output_shape.w, out_c = output_shape.c;
  for (int32_t b = 0; b < input_shape.n; ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      for (int32_t ox = 0; ox < out_w; ++ox) {
        for (int32_t oc = 0; oc < out_c; ++oc) {
          double acc = bias != nullptr ? bias[oc] : 0.0;
          for (int32_t ky = 0; ky < k_h; ++ky) {
            const int32_t iy = oy * geometry.stride_h - geometry.pad_top + ky;
            if (iy < 0 || iy >= in_h) continue;  // padding reads 0.0
            for (int32_t kx = 0; kx < k_w; ++kx) {
              const int32_t ix = ox * geometry.stride_w - geometry.pad_left + kx;
              if (ix < 0 || ix >= in_w) continue;
              for (int32_t ic = 0; ic < in_c; ++ic) {
                acc += static_cast<double>(filter[((oc * k_h + ky) * k_w + kx) * in_c + ic]) *
                       input[((b * in_h + iy) * in_w + ix) * in_c + ic];
              }
            }
          }
          output[((b * out_h + oy) * out_w + ox) * out_c + oc] = activate(acc, act);
        }
      }
    }
  }
}

void depthwise_conv2d(const ConvGeometry& geometry, Activation act, const Shape& input_shape,
                      const float* input, const Shape& filter_shape, const float* filter,
                      const float* bias, const Shape& output_shape, float* output) {
  const int32_t in_h = input_shape.h, in_w = input_shape.w, in_c = input_shape.c;
  const int32_t channels = output_shape.c;  // in_c x the depth multiplier
  const int32_t multiplier = channels / in_c;
  const int32_t k_h = filter_shape.h, k_w = filter_shape.w;
  const int32_t out_h = output_shape.h, out_w = output_shape.w;
  for (int32_t b = 0; b < input_shape.n; ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      for (int32_t ox = 0; ox < out_w; ++ox) {
        for (int32_t c = 0; c < channels; ++c) {
          double acc = bias != nullptr ? bias[c] : 0.0;
          for (int32_t ky = 0; ky < k_h; ++ky) {
            const int32_t iy = oy * geometry.stride_h - geometry.pad_top + ky;
            if (iy < 0 || iy >= in_h) continue;
            for (int32_t kx = 0; kx < k_w; ++kx) {
              const int32_t ix = ox * geometry.stride_w - geometry.pad_left + kx;
              if (ix < 0 || ix >= in_w) continue;
              acc += static_cast<double>(filter[(ky * k_w + kx) * channels + c]) *
                     input[((b * in_h + iy) * in_w + ix) * in_c + c / multiplier];
            }
          }
          output[((b * out_h + oy) * out_w + ox) * channels + c] = activate(acc, act);
        }
      }
    }
  }
}

void dense(Activation act, int32_t batches, int32_t in_features, int32_t out_features,
           const float* input, const float* filter, const float* bias, float* output) {
  for (int32_t b = 0; b < batches; ++b) {
    for (int32_t o = 0; o < out_features; ++o) {
      double acc = bias != nullptr ? bias[o] : 0.0;
      for (int32_t i = 0; i < in_features; ++i) {
        acc += static_cast<double>(filter[o * in_features + i]) * input[b * in_features + i];
      }
      output[b * out_features + o] = activate(acc, act);
    }
  }
}

void add(Activation act, int32_t count, const float* input1, const float* input2, float* output) {
  for (int32_t i = 0; i < count; ++i) {
    output[i] = activate(static_cast<double>(input1[i]) + input2[i], act);
  }
}

void max_pool2d(const PoolGeometry& geometry, Activation act, const Shape& input_shape,
                const float* input, const Shape& output_shape, float* output) {
  const int32_t in_h = input_shape.h, in_w = input_shape.w, channels = input_shape.c;
  const int32_t out_h = output_shape.h, out_w = output_shape.w;
  for (int32_t b = 0; b < input_shape.n; ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      for (int32_t ox = 0; ox < out_w; ++ox) {
        for (int32_t c = 0; c < channels; ++c) {
          // Padded taps are ignored, as in the int8 kernel: they never win.
          double best = -INFINITY;
          for (int32_t ky = 0; ky < geometry.filter_h; ++ky) {
            const int32_t iy = oy * geometry.stride_h - geometry.pad_top + ky;
            if (iy < 0 || iy >= in_h) continue;
            for (int32_t kx = 0; kx < geometry.filter_w; ++kx) {
              const int32_t ix = ox * geometry.stride_w - geometry.pad_left + kx;
              if (ix < 0 || ix >= in_w) continue;
              best = std::max(
                  best, static_cast<double>(input[((b * in_h + iy) * in_w + ix) * channels + c]));
            }
          }
          output[((b * out_h + oy) * out_w + ox) * channels + c] = activate(best, act);
        }
      }
    }
  }
}

void avg_pool2d(const PoolGeometry& geometry, Activation act, const Shape& input_shape,
                const float* input, const Shape& output_shape, float* output) {
  const int32_t in_h = input_shape.h, in_w = input_shape.w, channels = input_shape.c;
  const int32_t out_h = output_shape.h, out_w = output_shape.w;
  for (int32_t b = 0; b < input_shape.n; ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      for (int32_t ox = 0; ox < out_w; ++ox) {
        for (int32_t c = 0; c < channels; ++c) {
          // Padded taps stay out of the count, as in the int8 kernel.
          double sum = 0.0;
          int32_t count = 0;
          for (int32_t ky = 0; ky < geometry.filter_h; ++ky) {
            const int32_t iy = oy * geometry.stride_h - geometry.pad_top + ky;
            if (iy < 0 || iy >= in_h) continue;
            for (int32_t kx = 0; kx < geometry.filter_w; ++kx) {
              const int32_t ix = ox * geometry.stride_w - geometry.pad_left + kx;
              if (ix < 0 || ix >= in_w) continue;
              sum += input[((b * in_h + iy) * in_w + ix) * channels + c];
              ++count;
            }
          }
          output[((b * out_h + oy) * out_w + ox) * channels + c] =
              activate(count > 0 ? sum / count : 0.0, act);
        }
      }
    }
  }
}

void global_avg_pool2d(Activation act, const Shape& input_shape, const float* input,
                       float* output) {
  const int32_t pixels = input_shape.h * input_shape.w, channels = input_shape.c;
  for (int32_t b = 0; b < input_shape.n; ++b) {
    for (int32_t c = 0; c < channels; ++c) {
      double sum = 0.0;
      for (int32_t p = 0; p < pixels; ++p) sum += input[(b * pixels + p) * channels + c];
      output[b * channels + c] = activate(pixels > 0 ? sum / pixels : 0.0, act);
    }
  }
}

void pad(int32_t pad_top, int32_t pad_bottom, int32_t pad_left, int32_t pad_right,
         const Shape& input_shape, const float* input, const Shape& output_shape, float* output) {
  (void)pad_bottom;  // implied by the output shape
  (void)pad_right;
  const int32_t in_h = input_shape.h, in_w = input_shape.w, channels = input_shape.c;
  const int32_t out_h = output_shape.h, out_w = output_shape.w;
  for (int32_t b = 0; b < output_shape.n; ++b) {
    for (int32_t oy = 0; oy < out_h; ++oy) {
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t iy = oy - pad_top, ix = ox - pad_left;
        const bool inside = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w;
        for (int32_t c = 0; c < channels; ++c) {
          output[((b * out_h + oy) * out_w + ox) * channels + c] =
              inside ? input[((b * in_h + iy) * in_w + ix) * channels + c] : 0.0f;
        }
      }
    }
  }
}

void sigmoid(int32_t count, const float* input, float* output) {
  for (int32_t i = 0; i < count; ++i) {
    output[i] = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(input[i]))));
  }
}

void softmax(float beta, int32_t rows, int32_t depth, const float* input, float* output) {
  for (int32_t r = 0; r < rows; ++r) {
    const float* in = input + r * depth;
    float* out = output + r * depth;
    double max = -INFINITY;
    for (int32_t c = 0; c < depth; ++c) max = std::max(max, static_cast<double>(in[c]));
    double sum = 0.0;
    for (int32_t c = 0; c < depth; ++c) {
      sum += std::exp(static_cast<double>(beta) * (static_cast<double>(in[c]) - max));
    }
    // The max contributes exp(0) = 1, so sum >= 1: no division by zero or underflow.
    for (int32_t c = 0; c < depth; ++c) {
      out[c] = static_cast<float>(
          std::exp(static_cast<double>(beta) * (static_cast<double>(in[c]) - max)) / sum);
    }
  }
}

}  // namespace qb::kernels::fp
