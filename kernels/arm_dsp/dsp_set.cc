// The DSP set's table: the entries this directory implements, the reference elsewhere.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include "kernels/arm_dsp/dsp_kernels.h"
#include "kernels/int8/add.h"
#include "kernels/int8/pooling.h"

namespace qb::kernels {

namespace {

constexpr KernelSet kDsp{"dsp",         ref::conv2d,       ref::depthwise_conv2d,
                     ref::pointwise_conv2d, ref::dense,        add,
                     max_pool2d,           avg_pool2d,        global_avg_pool2d};

}  // namespace

const KernelSet& dsp_kernels() { return kDsp; }

}  // namespace qb::kernels
#endif
