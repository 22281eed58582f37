// Int8 -> int8 table lookup, for sigmoid, tanh and friends; the table is built on the host.
#pragma once

#include <cstdint>

namespace qb::kernels {

// table[i] is the output for input (i - 128).
void lookup_table(const int8_t* table, int32_t count, const int8_t* input, int8_t* output);

}  // namespace qb::kernels
