// Entry points of the NEON (Armv8-A) and dotprod (Armv8.2-A) kernel sets, one file per op
// in this directory; neon_set.cc puts them in the sets' tables. Ops where the dot product
// does not help (add, pooling) have one entry that both sets use.
#pragma once

#if defined(__aarch64__) && defined(__ARM_NEON)
#include "kernels/int8/tensor.h"
#include "kernels/variant/kernel_set.h"

namespace qb::kernels::neon {

void conv2d_neon(const ConvArgs& args);
void pointwise_conv2d_neon(const ConvArgs& args);
void dense_neon(const DenseArgs& args);
#if defined(__ARM_FEATURE_DOTPROD)
void conv2d_dotprod(const ConvArgs& args);
void pointwise_conv2d_dotprod(const ConvArgs& args);
void dense_dotprod(const DenseArgs& args);
void depthwise_conv2d_dotprod(const ConvArgs& args);
#endif

void depthwise_conv2d_neon(const ConvArgs& args);
void add_neon(const AddParams& params, int32_t count, const int8_t* input1, const int8_t* input2,
              int8_t* output);
void max_pool2d_neon(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                     const Shape& output_shape, int8_t* output);
void avg_pool2d_neon(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                     const Shape& output_shape, int8_t* output);
void global_avg_pool2d_neon(int32_t act_min, int32_t act_max, const Shape& input_shape,
                            const int8_t* input, int8_t* output);

}  // namespace qb::kernels::neon

#endif
