// The comparison as a CI log shows it: a header naming both reports and the rules, a
// table of what moved (row, metric, old, new, delta, ratio, rule, verdict), new and
// vanished rows, notes, and a one-line result.
#pragma once

#include <string>
#include <vector>

#include "harness/compare/comparison.h"
#include "harness/compare/report_loader.h"
#include "harness/compare/rules.h"

namespace qb::harness {

std::string verdict_name(Verdict v);  // "BROKEN", "worse", "better", "new"

// Rows as compare lists them, one line each; the rows of a (suite, target) collapse to
// "SUITE on TARGET: all N rows" when every row of the pair in `source` is listed.
std::vector<std::string> group_rows(const std::vector<RowKey>& keys, const LoadedReport& source);

std::string format_comparison(const Comparison& comparison, const LoadedReport& baseline,
                              const LoadedReport& current, const RuleSet& rules);

}  // namespace qb::harness
