// Int8 elementwise add with TFLite ADD rescaling.
#pragma once

#include "kernels/int8/tensor.h"

namespace qb::kernels {

void add(const AddParams& params, int32_t count, const int8_t* input1, const int8_t* input2,
         int8_t* output);

}  // namespace qb::kernels
