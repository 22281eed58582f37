// Reference int8 table lookup.
#include "kernels/int8/lookup_table.h"

namespace qb::kernels {

void lookup_table(const int8_t* table, int32_t count, const int8_t* input, int8_t* output) {
  // The +128 bias turns the signed input into a table index in [0, 255].
  for (int32_t i = 0; i < count; ++i) output[i] = table[static_cast<int32_t>(input[i]) + 128];
}

}  // namespace qb::kernels
