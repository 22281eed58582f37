// The comparison as a CI log shows it: a header naming both reports and the rules, a
// table of what moved (row, metric, old, new, delta, ratio, rule, verdict), new and
// vanished rows, notes, and a one-line result.
#pragma once

#include <string>

#include "harness/compare/comparison.h"
#include "harness/compare/report_loader.h"
#include "harness/compare/rules.h"

namespace qb::harness {

std::string verdict_name(Verdict v);  // "BROKEN", "worse", "better", "new"

std::string format_comparison(const Comparison& comparison, const LoadedReport& baseline,
                              const LoadedReport& current, const RuleSet& rules);

}  // namespace qb::harness
