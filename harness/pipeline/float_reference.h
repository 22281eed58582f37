// Runs a suite's graph in float: the reference that calibration observes and that the
// int8 results are measured against.
#pragma once

#include <vector>

#include "harness/suite/graph.h"

namespace qb::harness {

// One sample in, every node's output out (each after its fused activation).
std::vector<std::vector<float>> run_float(const Graph& graph, const float* input);

}  // namespace qb::harness
