// Helium pointwise (1x1) convolution: a matrix product of the pixels' channel vectors with
// the filter rows (mve_matmul.h), accumulating raw int8 products onto the folded bias.
//
// Why no im2col and no padding logic: stride 1 and no padding make every pixel's input
// row a contiguous in_c-byte vector already, which is exactly the column VMLADAVA wants;
// the folded bias carries the input offset, so no per-tap offset add is needed either.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include "kernels/arm_mve/mve_kernels.h"
#include "kernels/arm_mve/mve_matmul.h"

namespace qb::kernels::mve {

void pointwise_conv2d(const ConvArgs& a) {
  const ConvParams& p = a.params;
  const Matmul m{a.input,
                 a.input_shape.n * a.input_shape.h * a.input_shape.w,
                 a.input_shape.c,
                 a.filter,
                 a.output_shape.c,
                 a.folded_bias,
                 a.requant.multiplier,
                 a.requant.shift,
                 output_stage(p.output_offset, p.act_min, p.act_max),
                 a.output};
  if (any_left_shift(a.requant.shift, a.output_shape.c)) {
    matmul<true, true>(m);
  } else {
    matmul<false, true>(m);
  }
}

}  // namespace qb::kernels::mve

#endif
