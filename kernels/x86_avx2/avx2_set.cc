// The AVX2 set's table: the entries this directory implements, the reference elsewhere.
#if defined(__x86_64__)
#include "kernels/int8/add.h"
#include "kernels/int8/pooling.h"
#include "kernels/variant/kernel_set.h"

namespace qb::kernels {

bool cpu_has_avx2() { return __builtin_cpu_supports("avx2"); }

namespace {

constexpr KernelSet kAvx2{"avx2",         ref::conv2d,       ref::depthwise_conv2d,
                     ref::pointwise_conv2d, ref::dense,        add,
                     max_pool2d,           avg_pool2d,        global_avg_pool2d};

}  // namespace

const KernelSet& avx2_kernels() { return kAvx2; }

}  // namespace qb::kernels
#endif
