// The Arm DSP extension (SMLAD, SXTB16, QADD8...) kernel set. Armv7E-M / Armv8-M Mainline with the DSP extension: Cortex-M4, M7, M33.
#pragma once

#include "kernels/variant/kernel_set.h"

namespace qb::kernels {

const KernelSet& dsp_kernels();

}  // namespace qb::kernels
