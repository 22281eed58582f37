// Float counterparts of every int8 op: the host-side reference that calibration observes
// and that int8 results are measured against. Host only (uses <cmath>), double accumulate.
#pragma once

#include <cstdint>
#include <limits>

#include "kernels/int8/tensor.h"

namespace qb::kernels::fp {

using Shape = qb::kernels::Shape;

inline constexpr float kNoLimit = std::numeric_limits<float>::infinity();

// Fused activation as a clamp on the real output: none is (-inf, inf), ReLU is [0, inf),
// ReLU6 is [0, 6].
struct Activation {
  float min = -kNoLimit, max = kNoLimit;
};

struct ConvGeometry {
  int32_t stride_h = 1, stride_w = 1;
  int32_t pad_top = 0, pad_left = 0;
};

// Same layouts as the int8 kernels; padded taps read 0.0 (the real zero).
void conv2d(const ConvGeometry& geometry, Activation act, const Shape& input_shape,
            const float* input, const Shape& filter_shape, const float* filter,
            const float* bias, const Shape& output_shape, float* output);
void depthwise_conv2d(const ConvGeometry& geometry, Activation act, const Shape& input_shape,
                      const float* input, const Shape& filter_shape, const float* filter,
                      const float* bias, const Shape& output_shape, float* output);
void dense(Activation act, int32_t batches, int32_t in_features, int32_t out_features,
           const float* input, const float* filter, const float* bias, float* output);
void add(Activation act, int32_t count, const float* input1, const float* input2,
         float* output);

struct PoolGeometry {
  int32_t stride_h = 1, stride_w = 1;
  int32_t filter_h = 1, filter_w = 1;
  int32_t pad_top = 0, pad_left = 0;
};
void max_pool2d(const PoolGeometry& geometry, Activation act, const Shape& input_shape,
                const float* input, const Shape& output_shape, float* output);
void avg_pool2d(const PoolGeometry& geometry, Activation act, const Shape& input_shape,
                const float* input, const Shape& output_shape, float* output);
void global_avg_pool2d(Activation act, const Shape& input_shape, const float* input,
                       float* output);
void pad(int32_t pad_top, int32_t pad_bottom, int32_t pad_left, int32_t pad_right,
         const Shape& input_shape, const float* input, const Shape& output_shape,
         float* output);
void sigmoid(int32_t count, const float* input, float* output);
// Softmax over each of `rows` rows of `depth` values: exp(beta * (x - row max)), normalized
// in double. Subtracting the max keeps every exp in (0, 1] for beta > 0, so no input
// overflows it.
void softmax(float beta, int32_t rows, int32_t depth, const float* input, float* output);

}  // namespace qb::kernels::fp
