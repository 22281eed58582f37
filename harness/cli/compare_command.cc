#include "harness/cli/compare_command.h"

#include <cstdio>
#include <filesystem>

#include "harness/compare/compare_table.h"
#include "harness/compare/comparison.h"
#include "harness/compare/report_loader.h"
#include "harness/suite/input_error.h"

namespace qb::harness {

void add_rule_options(CLI::App* command, RuleOptions* o) {
  command->add_option("--rule", o->overrides,
                      "Override a metric's rule, METRIC=SPEC, repeatable. SPEC: exact (any change fails), "
                      "N% (may get worse by N percent), NdB (sqnr_db may drop N dB), a plain number "
                      "(absolute margin) or off. METRIC: a report column, bytes (every *_bytes) or golden. "
                      "E.g. --rule insns=0% --rule time_ns=25% --rule sqnr_db=0.5dB");
  command->add_option("--rules", o->rules_file,
                      "Rules file (default: rules.json beside the baseline report, if there is one)");
  command->add_flag("--no-time", o->no_time, "Do not compare time_ns (same as --rule time_ns=off)");
  command->add_option("--min-repetitions", o->min_repetitions,
                      "time_ns is gated only when both reports have at least this many repetitions (default 5)")
      ->check(CLI::Range(1, 1000000));
}

RuleSet resolve_rules(const RuleOptions& o, const std::string& baseline_path) {
  namespace fs = std::filesystem;
  RuleSet rules = default_rules();
  std::string file = o.rules_file;
  if (file.empty()) {
    std::error_code ec;
    const fs::path folder = fs::is_directory(baseline_path, ec) ? fs::path(baseline_path)
                                                                : fs::path(baseline_path).parent_path();
    const fs::path beside = (folder.empty() ? fs::path(".") : folder) / "rules.json";
    if (fs::is_regular_file(beside, ec)) file = beside.string();
  }
  if (!file.empty()) load_rules_file(file, &rules);
  if (o.min_repetitions) rules.min_repetitions = *o.min_repetitions;
  for (const auto& text : o.overrides) apply_rule_override(text, "--rule", &rules);
  if (o.no_time) apply_rule_override("time_ns=off", "--no-time", &rules);
  return rules;
}

int compare_command(const CompareOptions& o) {
  const LoadedReport baseline = load_report(o.baseline);
  const LoadedReport current = load_report(o.current);
  const RuleSet rules = resolve_rules(o.rules, o.baseline);
  const Comparison comparison = compare_reports(baseline, current, rules);
  std::fputs(format_comparison(comparison, baseline, current, rules).c_str(), stdout);
  std::fflush(stdout);
  return comparison.broken() > 0 ? 1 : 0;
}

}  // namespace qb::harness
