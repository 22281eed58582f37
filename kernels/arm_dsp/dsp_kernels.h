// The Arm DSP extension (SMLAD, SXTB16, QADD8...) kernel set. Armv7E-M / Armv8-M Mainline with the DSP extension: Cortex-M4, M7, M33.
#pragma once

#include "kernels/variant/kernel_set.h"

namespace qb::kernels {

const KernelSet& dsp_kernels();

// The set's own entries (kernels/arm_dsp/*_dsp.cc), byte-identical to the reference's.
namespace dsp {
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
}  // namespace dsp

}  // namespace qb::kernels
