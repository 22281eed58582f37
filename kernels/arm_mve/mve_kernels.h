// The Helium (M-profile Vector Extension, integer) kernel set. Armv8.1-M with MVE: Cortex-M55.
#pragma once

#include "kernels/variant/kernel_set.h"

namespace qb::kernels {

const KernelSet& mve_kernels();

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
// The set's own entries, one file each (conv2d_mve.cc, ...); same contracts as kernels/int8.
namespace mve {
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
}  // namespace mve
#endif

}  // namespace qb::kernels
