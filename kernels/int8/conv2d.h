// Int8 convolutions (NHWC) with per-output-channel requantization.
#pragma once

#include "kernels/int8/tensor.h"

namespace qb::kernels {

// filter: [out_c, kh, kw, in_c]; bias: [out_c] int32 at scale s_in * s_w[c].
void conv2d(const ConvParams& params, ChannelRequant requant, const Shape& input_shape,
            const int8_t* input, const Shape& filter_shape, const int8_t* filter,
            const int32_t* bias, const Shape& output_shape, int8_t* output);

// Depth multiplier 1. filter: [1, kh, kw, c]; bias: [c].
void depthwise_conv2d(const ConvParams& params, ChannelRequant requant,
                      const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                      const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                      int8_t* output);

// Depthwise convolution with depth multiplier = output channels / input channels > 1
// (TFLite's general form): filter [1, kh, kw, output channels]. Reference only; the ISA
// variants take multiplier 1.
void depthwise_conv2d_multiplier(const ConvParams& params, ChannelRequant requant,
                                 const Shape& input_shape, const int8_t* input,
                                 const Shape& filter_shape, const int8_t* filter, const int32_t* bias,
                                 const Shape& output_shape, int8_t* output);

// 1x1, stride 1, no padding: a matrix product over pixels. filter: [out_c, 1, 1, in_c].
void pointwise_conv2d(const ConvParams& params, ChannelRequant requant,
                      const Shape& input_shape, const int8_t* input, const Shape& filter_shape,
                      const int8_t* filter, const int32_t* bias, const Shape& output_shape,
                      int8_t* output);

}  // namespace qb::kernels
