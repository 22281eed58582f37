#include "kernels/variant/offline.h"

namespace qb::kernels {

bool fold_bias(const int8_t* filter, const int32_t* bias, int32_t channels, int32_t taps,
               int32_t channel_stride, int32_t tap_stride, int32_t input_offset, int32_t* folded) {
  for (int32_t c = 0; c < channels; ++c) {
    int64_t sum = 0;
    const int8_t* w = filter + c * channel_stride;
    for (int32_t t = 0; t < taps; ++t) sum += w[t * tap_stride];
    const int64_t value = (bias != nullptr ? int64_t{bias[c]} : 0) + int64_t{input_offset} * sum;
    if (value < -2147483647 - 1 || value > 2147483647) return false;
    folded[c] = static_cast<int32_t>(value);
  }
  return true;
}

}  // namespace qb::kernels
