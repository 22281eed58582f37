// The NEON and dotprod sets' tables. Both run this directory's kernels for every op; the
// dotprod set differs where SDOT does the multiply-accumulate (conv2d, depthwise,
// pointwise, dense) and shares the NEON entries where it cannot help (add, pooling).
#if defined(__aarch64__) && defined(__ARM_NEON)
#include "kernels/arm_neon/neon_kernels.h"
#include "kernels/arm_neon/neon_ops.h"

namespace qb::kernels {

namespace {

constexpr KernelSet kNeon{"neon",
                          neon::conv2d_neon,
                          neon::depthwise_conv2d_neon,
                          neon::pointwise_conv2d_neon,
                          neon::dense_neon,
                          neon::add_neon,
                          neon::max_pool2d_neon,
                          neon::avg_pool2d_neon,
                          neon::global_avg_pool2d_neon};

#if defined(__ARM_FEATURE_DOTPROD)
constexpr KernelSet kDotprod{"dotprod",
                             neon::conv2d_dotprod,
                             neon::depthwise_conv2d_dotprod,
                             neon::pointwise_conv2d_dotprod,
                             neon::dense_dotprod,
                             neon::add_neon,
                             neon::max_pool2d_neon,
                             neon::avg_pool2d_neon,
                             neon::global_avg_pool2d_neon};
#endif

}  // namespace

const KernelSet& neon_kernels() { return kNeon; }
#if defined(__ARM_FEATURE_DOTPROD)
const KernelSet& dotprod_kernels() { return kDotprod; }
#endif

}  // namespace qb::kernels
#endif
