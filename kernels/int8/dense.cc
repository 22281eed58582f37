// Reference int8 fully connected layer (TFLite FullyConnected, symmetric weights).
#include "kernels/int8/dense.h"

#include "kernels/int8/requantize.h"

namespace qb::kernels {

void dense(const DenseParams& params, ChannelRequant requant, int32_t batches, int32_t in_features,
           int32_t out_features, const int8_t* input, const int8_t* filter, const int32_t* bias,
           int8_t* output) {
  for (int32_t b = 0; b < batches; ++b) {
    const int8_t* in_row = input + b * in_features;
    for (int32_t o = 0; o < out_features; ++o) {
      const int8_t* f_row = filter + o * in_features;
      int32_t acc = bias != nullptr ? bias[o] : 0;
      for (int32_t i = 0; i < in_features; ++i) {
        acc += static_cast<int32_t>(f_row[i]) *
               (static_cast<int32_t>(in_row[i]) + params.input_offset);
      }
      const int32_t q = params.per_channel ? o : 0;
      const int32_t scaled =
          multiply_by_quantized_multiplier(acc, requant.multiplier[q], requant.shift[q]);
      output[b * out_features + o] = static_cast<int8_t>(
          add_offset_and_clamp(scaled, params.output_offset, params.act_min, params.act_max));
    }
  }
}

}  // namespace qb::kernels
