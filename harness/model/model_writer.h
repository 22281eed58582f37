// Serializes a ModelSpec to the .qbm format (kernels/runtime/qbm_format.h), arena planned.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/model/model_spec.h"

namespace qb::harness {

// Throws std::invalid_argument when the spec is not self-consistent (bad tensor index,
// a buffer of the wrong size); the runtime's validation is the final word on the file.
std::vector<uint8_t> serialize_model(const ModelSpec& model);

}  // namespace qb::harness
