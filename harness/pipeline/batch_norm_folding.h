// The int8 model's graph from a suite's: every batch_norm folded into the weighted layer
// before it, as deployment tools fold them, while the float reference keeps computing
// them unfolded.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/suite/graph.h"

namespace qb::harness {

// For output channel k of the layer before a batch_norm, f_k = gamma_k / sqrt(variance_k +
// epsilon) (0 for a zero variance when the batch_norm says "zero_weights"): its weights
// become w * f_k, its bias (b_k - mean_k) * f_k + beta_k, and it takes the batch_norm's
// activation and range choice. float_source receives, per node of the result, the node of
// `graph` whose float output it stands for (a folded layer: its batch_norm's).
Graph fold_batch_norms(const Graph& graph, std::vector<int32_t>* float_source);

}  // namespace qb::harness
