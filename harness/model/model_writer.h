// Serializes a ModelSpec to the .qbm format (kernels/runtime/qbm_format.h), arena planned.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/model/model_spec.h"

namespace qb::harness {

// A spec the writer or the runtime refuses; `layer` is the first layer at fault, when one is.
class ModelSpecError : public std::invalid_argument {
 public:
  ModelSpecError(const std::string& message, std::optional<size_t> layer)
      : std::invalid_argument(message), layer_(layer) {}
  std::optional<size_t> layer() const { return layer_; }

 private:
  std::optional<size_t> layer_;
};

// Throws ModelSpecError when the spec is not self-consistent (bad tensor index, a buffer
// of the wrong size); the runtime's validation is the final word on the file.
std::vector<uint8_t> serialize_model(const ModelSpec& model);

}  // namespace qb::harness
