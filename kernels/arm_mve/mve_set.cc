// The MVE set's table: every entry is this directory's Helium kernel (one file per op).
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include "kernels/arm_mve/mve_kernels.h"

namespace qb::kernels {

namespace {

constexpr KernelSet kMve{"mve",
                         mve::conv2d,
                         mve::depthwise_conv2d,
                         mve::pointwise_conv2d,
                         mve::dense,
                         mve::add,
                         mve::max_pool2d,
                         mve::avg_pool2d,
                         mve::global_avg_pool2d};

}  // namespace

const KernelSet& mve_kernels() { return kMve; }

}  // namespace qb::kernels
#endif
