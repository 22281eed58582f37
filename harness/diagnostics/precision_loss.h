// "Where precision is lost": the layers of one (suite, target) run that lose the most on
// their own, each with the figure that explains it, from a report's diagnostic columns.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "harness/compare/report_loader.h"

namespace qb::harness {

struct PrecisionLoss {
  std::string layer;
  double local_sqnr_db = 0.0;  // the layer alone
  double sqnr_db = 0.0;        // propagated: what the layer's output carries
  std::string cause;           // e.g. "12.4% of outputs saturate (clip_pct)"
};

// Thresholds of the causes, in the order they are tried (README, "Where precision is
// lost"): a layer is put down to clipping when at least kClipPct % of its outputs
// saturate; else to its weights when their SQNR is within kWeightMarginDb of the layer's
// local SQNR; else to an unused output range when its outputs span under kRangeUsedPct %
// of the int8 range; else to int8 rounding of its output.
inline constexpr double kClipPct = 1.0;
inline constexpr double kWeightMarginDb = 6.0;
inline constexpr double kRangeUsedPct = 25.0;

// The at_most layers of `rows` (one suite and target, TOTAL ignored) with the lowest
// local_sqnr_db, worst first, each with its cause. Layers without local_sqnr_db (add,
// or a report from before the column) are left out.
std::vector<PrecisionLoss> where_precision_is_lost(const std::vector<const LoadedRow*>& rows,
                                                   size_t at_most = 3);

}  // namespace qb::harness
