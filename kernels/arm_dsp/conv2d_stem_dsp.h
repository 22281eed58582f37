// conv2d's fast paths for network stems (few input channels), tried before the general
// im2col path. Each returns false, having done nothing, when the layer is not its shape.
#pragma once

#include "kernels/variant/kernel_set.h"

namespace qb::kernels::dsp {

// One input channel, 3x3 kernel, any stride and padding (conv2d_stem_dsp.cc).
bool conv2d_stem_3x3_c1(const ConvArgs& args);

}  // namespace qb::kernels::dsp
