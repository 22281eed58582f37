// 1x1 convolution on NEON / dotprod: with stride 1 and no padding the pixels are the rows
// of a matrix product over the channels, read in place by the shared core (neon_gemm.h):
// channel groups of four outermost, pixels four at a time inside, no copies (rows whose
// 16-byte loads would run past the input, depth < 16, are copied out first).
#if defined(__aarch64__) && defined(__ARM_NEON)
#include "kernels/arm_neon/neon_gemm.h"
#include "kernels/arm_neon/neon_ops.h"

namespace qb::kernels::neon {
namespace {

template <bool kDot, bool kLeftShift>
void pointwise(const ConvArgs& args) {
  const int32_t k = args.input_shape.c, n = args.output_shape.c;
  const int32_t pixels = args.input_shape.n * args.input_shape.h * args.input_shape.w;
  const GemmParams g =
      make_gemm(k, n, args.filter, args.folded_bias, args.requant.multiplier, args.requant.shift,
                true, args.params.output_offset, args.params.act_min, args.params.act_max);
  gemm_matrix<kDot, kLeftShift>(g, pixels, args.input, args.output);
}

template <bool kDot>
void pointwise_entry(const ConvArgs& args) {
  if (any_left_shift(args.requant.shift, args.output_shape.c)) {
    pointwise<kDot, true>(args);
  } else {
    pointwise<kDot, false>(args);
  }
}

}  // namespace

void pointwise_conv2d_neon(const ConvArgs& args) { pointwise_entry<false>(args); }
#if defined(__ARM_FEATURE_DOTPROD)
void pointwise_conv2d_dotprod(const ConvArgs& args) { pointwise_entry<true>(args); }
#endif

}  // namespace qb::kernels::neon

#endif
