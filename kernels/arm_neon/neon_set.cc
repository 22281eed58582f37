// The NEON and dotprod sets' tables: the entries this directory implements, the
// reference elsewhere.
#if defined(__aarch64__) && defined(__ARM_NEON)
#include "kernels/arm_neon/neon_kernels.h"
#include "kernels/int8/add.h"
#include "kernels/int8/pooling.h"

namespace qb::kernels {

namespace {

constexpr KernelSet kNeon{"neon",         ref::conv2d,       ref::depthwise_conv2d,
                     ref::pointwise_conv2d, ref::dense,        add,
                     max_pool2d,           avg_pool2d,        global_avg_pool2d};

#if defined(__ARM_FEATURE_DOTPROD)
constexpr KernelSet kDotprod{"dotprod",      ref::conv2d,       ref::depthwise_conv2d,
                     ref::pointwise_conv2d, ref::dense,        add,
                     max_pool2d,           avg_pool2d,        global_avg_pool2d};
#endif

}  // namespace

const KernelSet& neon_kernels() { return kNeon; }
#if defined(__ARM_FEATURE_DOTPROD)
const KernelSet& dotprod_kernels() { return kDotprod; }
#endif

}  // namespace qb::kernels
#endif
