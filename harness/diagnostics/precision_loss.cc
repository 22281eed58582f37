#include "harness/diagnostics/precision_loss.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace qb::harness {
namespace {

std::string cause_of(const LoadedRow& row, double local) {
  const auto clip = row.value("clip_pct");
  if (clip && *clip >= kClipPct) return fmt::format("{:.1f}% of outputs saturate (clip_pct)", *clip);
  const auto weights = row.value("weight_sqnr_db");
  if (weights && *weights < local + kWeightMarginDb) {
    const auto spread = row.value("weight_range_spread");
    return fmt::format("its weights keep {:.1f} dB (weight_sqnr_db){}", *weights,
                       spread ? fmt::format(", channel ranges {:.1f}x apart (weight_range_spread)", *spread)
                              : std::string());
  }
  const auto used = row.value("range_used_pct");
  if (used && *used < kRangeUsedPct) {
    return fmt::format("its outputs span {:.1f}% of the int8 range (range_used_pct)", *used);
  }
  return "int8 rounding of its output";
}

}  // namespace

std::vector<PrecisionLoss> where_precision_is_lost(const std::vector<const LoadedRow*>& rows,
                                                   size_t at_most) {
  std::vector<PrecisionLoss> losses;
  for (const LoadedRow* row : rows) {
    if (!row->layer_index) continue;  // TOTAL
    const auto local = row->value("local_sqnr_db");
    if (!local || std::isinf(*local)) continue;
    PrecisionLoss loss;
    loss.layer = row->key.layer;
    loss.local_sqnr_db = *local;
    loss.sqnr_db = row->value("sqnr_db").value_or(0.0);
    loss.cause = cause_of(*row, *local);
    losses.push_back(loss);
  }
  std::stable_sort(losses.begin(), losses.end(), [](const PrecisionLoss& a, const PrecisionLoss& b) {
    return a.local_sqnr_db < b.local_sqnr_db;
  });
  if (losses.size() > at_most) losses.resize(at_most);
  return losses;
}

}  // namespace qb::harness
