// Helium elementwise add with TFLite ADD rescaling, four elements per int32 vector.
//
// Why int32 lanes: each input is lifted by 2^left_shift (up to 2^20 on values of up to
// 255) and rescaled with a rounding doubling high multiply, so every intermediate needs
// 32 bits. The lift and the input offset fold into one VMLA: (x + offset) << s is
// x * 2^s + offset * 2^s (VMLAS: vector times vector plus scalar). Each rescale is the
// shared exact requantization (mve_requant.h) with scalar multiplier and shift operands,
// so the loop keeps only the lift and the clamp bounds in vector registers.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include "kernels/arm_mve/mve_kernels.h"
#include "kernels/arm_mve/mve_requant.h"

namespace qb::kernels::mve {
namespace {

struct AddPlan {
  int32x4_t lift;                            // 2^left_shift in every lane
  int32_t lifted_offset1, lifted_offset2;    // input offsets times 2^left_shift
  ScalarRequant in1, in2, out;
  OutputStage stage;
};

template <bool kLeftIn, bool kLeftOut, bool kTiesOut, bool kTail>
inline void add_four(const AddPlan& p, const int8_t* a, const int8_t* b, int8_t* out,
                     mve_pred16_t lanes) {
  const int32x4_t x = kTail ? vldrbq_z_s32(a, lanes) : vldrbq_s32(a);
  const int32x4_t y = kTail ? vldrbq_z_s32(b, lanes) : vldrbq_s32(b);
  // |x + offset| <= 255 and left_shift <= 22: the lift cannot overflow.
  const int32x4_t scaled1 = requantize<kLeftIn>(vmlasq_n_s32(x, p.lift, p.lifted_offset1), p.in1);
  const int32x4_t scaled2 = requantize<kLeftIn>(vmlasq_n_s32(y, p.lift, p.lifted_offset2), p.in2);
  const int32x4_t v =
      finish(requantize<kLeftOut, kTiesOut>(vaddq_s32(scaled1, scaled2), p.out), p.stage);
  if (kTail) {
    vstrbq_p_s32(out, v, lanes);
  } else {
    vstrbq_s32(out, v);
  }
}

// kTiesOut: the output rescale's tie step is visible (always with a left shift, which
// takes the general step).
template <bool kLeftIn, bool kLeftOut, bool kTiesOut>
__attribute__((noinline)) void add_impl(const AddPlan& plan, int32_t count, const int8_t* a,
                                        const int8_t* b, int8_t* out) {
  // A local copy: the int8 stores may alias anything, so the plan would be reloaded.
  const AddPlan p = plan;
  const mve_pred16_t all = vctp32q(4);
  int32_t i = 0;
  for (; i + 4 <= count; i += 4) {
    add_four<kLeftIn, kLeftOut, kTiesOut, false>(p, a + i, b + i, out + i, all);
  }
  if (i < count) {
    add_four<kLeftIn, kLeftOut, kTiesOut, true>(p, a + i, b + i, out + i,
                                                vctp32q(static_cast<uint32_t>(count - i)));
  }
}

}  // namespace

void add(const AddParams& params, int32_t count, const int8_t* input1, const int8_t* input2,
         int8_t* output) {
  const int32_t lift = int32_t{1} << params.left_shift;
  const AddPlan p{vdupq_n_s32(lift),
                  params.input1_offset * lift,
                  params.input2_offset * lift,
                  scalar_requant(params.input1_multiplier, params.input1_shift),
                  scalar_requant(params.input2_multiplier, params.input2_shift),
                  scalar_requant(params.output_multiplier, params.output_shift),
                  output_stage(params.output_offset, params.act_min, params.act_max)};
  const bool left_in = params.input1_shift > 0 || params.input2_shift > 0;
  const bool left_out = params.output_shift > 0;
  // The inputs' rescales feed a sum, so their ties always count; the output's tie step
  // is dropped under a ReLU floor (a fused ReLU: ResNet blocks).
  const bool ties_out = rounding_ties_visible(params.act_min, params.output_offset);
  using Impl = void (*)(const AddPlan&, int32_t, const int8_t*, const int8_t*, int8_t*);
  Impl impl;
  if (left_in) {
    impl = left_out ? add_impl<true, true, true>
                    : (ties_out ? add_impl<true, false, true> : add_impl<true, false, false>);
  } else {
    impl = left_out ? add_impl<false, true, true>
                    : (ties_out ? add_impl<false, false, true> : add_impl<false, false, false>);
  }
  impl(p, count, input1, input2, output);
}

}  // namespace qb::kernels::mve

#endif
