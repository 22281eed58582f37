// Reference int8 reshape.
#include "kernels/int8/reshape.h"

namespace qb::kernels {

void reshape(int32_t count, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < count; ++i) output[i] = input[i];
}

}  // namespace qb::kernels
