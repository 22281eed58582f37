// What counts as a regression, metric by metric: built-in defaults, an optional rules file
// beside the baseline (with per-suite sections), then --rule overrides from the command line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qb::harness {

// Which way is worse: more instructions, bytes or error, or less SQNR and agreement.
enum class Better { kSmaller, kBigger };

struct MetricInfo {
  std::string name;  // the report column
  Better better;
  std::string unit;  // for messages: "instructions", "ns", "bytes", "dB", ...
};

// The report columns a comparison knows, in CSV order.
const std::vector<MetricInfo>& compared_metrics();
const MetricInfo* find_metric(const std::string& name);

struct Rule {
  // kExact: any change either way is broken (deterministic counts; a deliberate change
  //         comes with `qbench baseline update`).
  // kPercent: may get worse by at most `limit` percent of the baseline value.
  // kAbsolute: may get worse by at most `limit` in the metric's own unit (dB for SQNR).
  enum class Kind { kOff, kExact, kPercent, kAbsolute };
  Kind kind = Kind::kOff;
  double limit = 0.0;
  std::string spec() const;  // as written on the command line: "exact", "25%", "0.5dB", "off"
};

struct RuleSet {
  std::map<std::string, Rule> rules;                          // metric -> rule
  std::map<std::string, std::map<std::string, Rule>> suites;  // suite -> metric -> rule
  int32_t min_repetitions = 5;  // time_ns is gated only when both reports have this many
  bool goldens = true;          // per-layer output CRC-32 and golden status, byte for byte
  std::string source;           // the rules file applied, if any
  const Rule& rule_for(const std::string& suite, const std::string& metric) const;
};

// insns, est_cycles, macs and every *_bytes exact; cycles 5%; time_ns 20% with at least 5
// repetitions; sqnr_db may drop 0.01 dB; max_abs_err and err_pct_range may grow by 0.001
// and 0.01 (print precision); local_sqnr_db may drop 0.01 dB, clip_pct grow and range_used_pct drop 0.001, weight_sqnr_db drop 0.01 dB and
// weight_range_spread grow 0.001; top1_agreement and label_accuracy may not drop.
RuleSet default_rules();

// Applies "METRIC=SPEC" everywhere (overriding suite sections too). METRIC is a column,
// "bytes" (every *_bytes column) or "golden" (exact|off). SPEC: exact, off, N%, NdB
// (sqnr_db only) or a plain number (absolute margin). Throws InputError naming `source`.
void apply_rule_override(const std::string& text, const std::string& source, RuleSet* rules);

// {"rules": {METRIC: SPEC}, "suites": {SUITE: {METRIC: SPEC}}, "min_repetitions": N,
//  "why": "..."}. Throws InputError naming the file and JSON path.
void load_rules_file(const std::string& file, RuleSet* rules);

// One line for the comparison header: "insns exact, time_ns 20% (>= 5 repetitions), ...".
std::string describe_rules(const RuleSet& rules);

}  // namespace qb::harness
