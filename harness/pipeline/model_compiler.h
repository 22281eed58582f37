// Turns a calibrated float graph into an integer-only model: int8 weights (symmetric,
// per output channel), int32 biases, requantization multipliers and shifts, fused
// activation ranges, lookup tables.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/model/model_spec.h"
#include "harness/pipeline/calibration.h"
#include "harness/suite/graph.h"

namespace qb::harness {

// Storage and work of one layer, as compiled.
struct LayerCost {
  int64_t macs = 0;               // multiply-accumulates (0 for ops without any)
  int64_t weight_bytes = 0;       // int8 weights
  int64_t bias_bytes = 0;         // int32 biases
  int64_t quant_param_bytes = 0;  // int32 multipliers and shifts, lookup tables
  int64_t activation_bytes = 0;   // the layer's int8 output tensor
};

struct CompiledModel {
  ModelSpec spec;  // tensor 0 is the model input, tensor i + 1 is node i's output
  std::vector<LayerCost> costs;  // one per node
};

CompiledModel compile_model(const Graph& graph, const Calibration& calibration);

}  // namespace qb::harness
