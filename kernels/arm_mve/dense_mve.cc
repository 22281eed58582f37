// Helium dense (fully connected) layer: the batch rows times the filter rows through the
// same matrix product as pointwise_conv2d (mve_matmul.h), with per-tensor or per-channel
// requantization.
//
// Why shared: a dense layer is a 1x1 convolution over `batches` pixels; only the
// requantization may be per tensor, which the product takes as a broadcast vector. A
// single output from a very short row goes to the reference kernel (see dense()).
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include "kernels/arm_mve/mve_kernels.h"
#include "kernels/arm_mve/mve_matmul.h"

namespace qb::kernels::mve {

void dense(const DenseArgs& a) {
  // A single output from fewer than 16 inputs is a handful of scalar MACs: the vector
  // set-up (predicates, broadcast parameters, lane moves) costs more than the reference.
  if (a.batches * a.out_features == 1 && a.in_features < 16) {
    ref::dense(a);
    return;
  }
  const DenseParams& p = a.params;
  const Matmul m{a.input,
                 a.batches,
                 a.in_features,
                 a.filter,
                 a.out_features,
                 a.folded_bias,
                 a.requant.multiplier,
                 a.requant.shift,
                 output_stage(p.output_offset, p.act_min, p.act_max),
                 a.output};
  if (!p.per_channel) {
    // Per tensor: the broadcast split handles either sign of the shift.
    matmul<true, false>(m);
  } else if (any_left_shift(a.requant.shift, a.out_features)) {
    matmul<true, true>(m);
  } else {
    matmul<false, true>(m);
  }
}

}  // namespace qb::kernels::mve

#endif
