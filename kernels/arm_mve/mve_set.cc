// The MVE set's table: the entries this directory implements, the reference elsewhere.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include "kernels/arm_mve/mve_kernels.h"
#include "kernels/int8/add.h"
#include "kernels/int8/pooling.h"

namespace qb::kernels {

namespace {

constexpr KernelSet kMve{"mve",         ref::conv2d,       ref::depthwise_conv2d,
                     ref::pointwise_conv2d, ref::dense,        add,
                     max_pool2d,           avg_pool2d,        global_avg_pool2d};

}  // namespace

const KernelSet& mve_kernels() { return kMve; }

}  // namespace qb::kernels
#endif
