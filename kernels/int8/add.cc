// Reference int8 elementwise add (TFLite ADD, int8 path).
#include "kernels/int8/add.h"

#include "kernels/int8/requantize.h"

namespace qb::kernels {

void add(const AddParams& params, int32_t count, const int8_t* input1, const int8_t* input2,
         int8_t* output) {
  for (int32_t i = 0; i < count; ++i) {
    const int32_t v1 = params.input1_offset + input1[i];
    const int32_t v2 = params.input2_offset + input2[i];
    // |v| <= 255, so lifting by 2^20 keeps 11 bits of headroom and cannot overflow; the
    // lift gives the two rescales fractional bits to round in.
    const int32_t lifted1 = v1 * (int32_t{1} << params.left_shift);
    const int32_t lifted2 = v2 * (int32_t{1} << params.left_shift);
    const int32_t scaled1 =
        multiply_by_quantized_multiplier(lifted1, params.input1_multiplier, params.input1_shift);
    const int32_t scaled2 =
        multiply_by_quantized_multiplier(lifted2, params.input2_multiplier, params.input2_shift);
    // add_params gives both input multipliers a real value <= 1/2 (shift <= 0), so each
    // scaled input is at most half the lifted range and the sum fits; a model whose ADD
    // has an input shift > 0 or left_shift > 22 is malformed and must be rejected on load.
    const int32_t sum = scaled1 + scaled2;
    const int32_t scaled =
        multiply_by_quantized_multiplier(sum, params.output_multiplier, params.output_shift);
    output[i] = static_cast<int8_t>(
        add_offset_and_clamp(scaled, params.output_offset, params.act_min, params.act_max));
  }
}

}  // namespace qb::kernels
