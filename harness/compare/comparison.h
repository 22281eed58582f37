// Baseline vs current, row by row (suite, target, layer) and metric by metric: which
// figures moved, which rule each broken one breaks, and which rows are new or vanished.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "harness/compare/report_loader.h"
#include "harness/compare/rules.h"

namespace qb::harness {

enum class Verdict {
  kBroken,    // outside its rule: fails the comparison
  kWorse,     // worse, but within its rule
  kBetter,    // improved (with an exact rule an improvement is kBroken: update the baseline)
  kNewValue,  // empty in the baseline, filled now: reported, not failing
};

struct Finding {
  RowKey key;
  std::string metric;                    // a report column, "output_crc32" or "golden"
  std::string old_text, new_text;        // as printed ("-" for an empty cell)
  std::optional<double> old_value, new_value;
  std::optional<double> ratio;           // new / old, when both are finite and old != 0
  std::string rule;                      // "exact", "20%", "0.01 dB", "byte for byte"
  Verdict verdict = Verdict::kWorse;
  std::string why;                       // for broken ones: "changed", "+15% > 0%", ...
};

struct Comparison {
  std::vector<Finding> findings;         // broken first, then in baseline row order
  std::vector<RowKey> new_rows, vanished_rows;
  std::vector<std::string> notes;        // what was not compared, and why
  size_t rows_matched = 0, figures_compared = 0, figures_unchanged = 0;
  size_t broken() const;                 // broken findings plus vanished rows
};

Comparison compare_reports(const LoadedReport& baseline, const LoadedReport& current,
                           const RuleSet& rules);

// A figure as the table prints it: integers whole, others with six significant digits.
std::string format_figure(const std::optional<double>& v);

}  // namespace qb::harness
