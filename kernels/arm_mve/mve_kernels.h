// The Helium (M-profile Vector Extension, integer) kernel set. Armv8.1-M with MVE: Cortex-M55.
#pragma once

#include "kernels/variant/kernel_set.h"

namespace qb::kernels {

const KernelSet& mve_kernels();

}  // namespace qb::kernels
