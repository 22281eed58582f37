// The AVX2 set's table. This file is compiled for the baseline x86-64: it is where the
// host decides at run time whether the AVX2 kernels may run at all.
#if defined(__x86_64__)
#include "kernels/variant/kernel_set.h"
#include "kernels/x86_avx2/avx2_kernels.h"

namespace qb::kernels {

// libgcc's probe also checks that the OS saves the YMM registers (XGETBV), not only CPUID.
bool cpu_has_avx2() { return __builtin_cpu_supports("avx2"); }

namespace {

constexpr KernelSet kAvx2{
    "avx2",    avx2::conv2d,     avx2::depthwise_conv2d, avx2::pointwise_conv2d, avx2::dense,
    avx2::add, avx2::max_pool2d, avx2::avg_pool2d,       avx2::global_avg_pool2d};

}  // namespace

const KernelSet& avx2_kernels() { return kAvx2; }

}  // namespace qb::kernels
#endif
