// The AArch64 Advanced SIMD kernel sets: neon (Armv8-A) and dotprod (Armv8.2-A with
// SDOT/UDOT), the latter only in builds whose flags enable the dot product.
#pragma once

#include "kernels/variant/kernel_set.h"

namespace qb::kernels {

const KernelSet& neon_kernels();
#if defined(__ARM_FEATURE_DOTPROD)
const KernelSet& dotprod_kernels();
#endif

}  // namespace qb::kernels
