// Fully connected layer on NEON / dotprod: the batches are the rows of the shared matrix
// product (neon_gemm.h), the filter rows its channels; per-tensor requantization
// broadcasts the one multiplier and shift. A single batch takes a lean one-row loop, and
// layers of at most 64 MACs plain scalar code (vector setup would dominate).
#if defined(__aarch64__) && defined(__ARM_NEON)
#include "kernels/arm_neon/neon_gemm.h"
#include "kernels/arm_neon/neon_ops.h"

namespace qb::kernels::neon {
namespace {

GemmParams gemm_of(const DenseArgs& args) {
  return make_gemm(args.in_features, args.out_features, args.filter, args.folded_bias,
                   args.requant.multiplier, args.requant.shift, args.params.per_channel,
                   args.params.output_offset, args.params.act_min, args.params.act_max);
}

// Each path in its own function: the small one must not pay for the others' prologue.
__attribute__((noinline)) void dense_small(const DenseArgs& args) {
  gemm_matrix_small(gemm_of(args), args.batches, args.input, args.output);
}

template <bool kDot, bool kLeftShift>
__attribute__((noinline)) void dense_vector(const DenseArgs& args) {
  gemm_vector<kDot, kLeftShift>(gemm_of(args), args.input, args.output);
}

template <bool kDot, bool kLeftShift>
__attribute__((noinline)) void dense_matrix(const DenseArgs& args) {
  gemm_matrix<kDot, kLeftShift>(gemm_of(args), args.batches, args.input, args.output);
}

template <bool kDot>
void dense_entry(const DenseArgs& args) {
  if (args.batches * args.out_features * args.in_features <= 64) {
    dense_small(args);
    return;
  }
  const bool left =
      any_left_shift(args.requant.shift, args.params.per_channel ? args.out_features : 1);
  if (args.batches == 1) {
    if (left) {
      dense_vector<kDot, true>(args);
    } else {
      dense_vector<kDot, false>(args);
    }
  } else if (left) {
    dense_matrix<kDot, true>(args);
  } else {
    dense_matrix<kDot, false>(args);
  }
}

}  // namespace

void dense_neon(const DenseArgs& args) { dense_entry<false>(args); }
#if defined(__ARM_FEATURE_DOTPROD)
void dense_dotprod(const DenseArgs& args) { dense_entry<true>(args); }
#endif

}  // namespace qb::kernels::neon

#endif
