// Each layer alone: how much precision a layer itself loses, apart from what it inherits.
// The propagated sqnr_db of a deep layer carries every error before it; the local figure
// runs the layer's int8 form on its own float input (quantized with the input's
// parameters) and compares with its float output, so a layer that loses precision stands
// apart from one that only passes on a loss.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "harness/pipeline/calibration.h"
#include "harness/pipeline/model_compiler.h"
#include "harness/suite/graph.h"

namespace qb::harness {

// Per node: 10 log10(sum f^2 / sum (f - d)^2) over the test samples, f the float output
// and d the dequantized output of the node's int8 layer run alone on its quantized float
// input (+inf when exact). int8_inputs: the model's quantized test inputs, `samples` of
// them; float_outputs: per node, the float outputs of the test samples concatenated.
// Empty for layers with two inputs (add).
std::vector<std::optional<double>> local_sqnr_db(
    const Graph& graph, const Calibration& calibration, const CompiledModel& compiled,
    const std::vector<int8_t>& int8_inputs, int32_t samples,
    const std::vector<std::vector<float>>& float_outputs);

}  // namespace qb::harness
