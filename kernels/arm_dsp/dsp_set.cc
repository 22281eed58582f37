// The DSP set's table: every entry is this directory's (kernels/arm_dsp/*_dsp.cc).
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include "kernels/arm_dsp/dsp_kernels.h"

namespace qb::kernels {

namespace {

constexpr KernelSet kDsp{"dsp",         dsp::conv2d,       dsp::depthwise_conv2d,
                     dsp::pointwise_conv2d, dsp::dense,        dsp::add,
                     dsp::max_pool2d,      dsp::avg_pool2d,   dsp::global_avg_pool2d};

}  // namespace

const KernelSet& dsp_kernels() { return kDsp; }

}  // namespace qb::kernels
#endif
