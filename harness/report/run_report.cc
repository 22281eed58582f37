#include "harness/report/run_report.h"

namespace qb::harness {

const char* golden_status_name(GoldenStatus status) {
  switch (status) {
    case GoldenStatus::kMatch: return "match";
    case GoldenStatus::kMismatch: return "mismatch";
    case GoldenStatus::kMissing: return "missing";
    case GoldenStatus::kUpdated: return "updated";
    case GoldenStatus::kNotChecked: return "not-checked";
  }
  return "?";
}

bool SuiteTargetRun::passed() const {
  if (!error.empty() || golden == GoldenStatus::kMismatch) return false;
  if (board && !board->fits) return false;
  for (const auto& g : gates) {
    if (!g.passed) return false;
  }
  return true;
}

}  // namespace qb::harness
