// The AVX2 kernels behind avx2_kernels() (kernel_set.h). Every function here is compiled
// for AVX2 whatever the build's flags, so it may only run where cpu_has_avx2(); nothing
// but the table in avx2_set.cc should name them.
#pragma once

#if defined(__x86_64__)

#include <cstdint>

#include "kernels/variant/kernel_set.h"

namespace qb::kernels::avx2 {

void conv2d(const ConvArgs& args);
void depthwise_conv2d(const ConvArgs& args);
void pointwise_conv2d(const ConvArgs& args);
void dense(const DenseArgs& args);
void add(const AddParams& params, int32_t count, const int8_t* input1, const int8_t* input2,
         int8_t* output);
void max_pool2d(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output);
void avg_pool2d(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                const Shape& output_shape, int8_t* output);
void global_avg_pool2d(int32_t act_min, int32_t act_max, const Shape& input_shape,
                       const int8_t* input, int8_t* output);

// What the output stage of a convolution or dense layer needs besides the accumulators.
struct OutputStage {
  const int32_t* folded_bias;  // per column
  ChannelRequant requant;
  bool per_channel;  // false: requant entry 0 serves every column
  int32_t output_offset, act_min, act_max;
};

// out[r][c] = requantize(folded_bias[c] + sum over k < depth of a[r][k] * b[c][k]) for
// `rows` rows of A (a_stride bytes apart) and `columns` rows of B (depth bytes apart);
// out rows are `columns` bytes apart. The shared core of pointwise, dense and the
// im2col form of conv2d.
void matmul_requantize(const int8_t* a, int32_t a_stride, int32_t rows, int32_t depth,
                       const int8_t* b, int32_t columns, const OutputStage& stage, int8_t* out);

// 3x3 stride-1 conv2d by Winograd F(2x2, 3x3) (conv2d_winograd_avx2.cc); false, having
// written nothing, where the layer is outside its bounds.
bool conv2d_winograd(const ConvArgs& args);

}  // namespace qb::kernels::avx2

#endif  // __x86_64__
