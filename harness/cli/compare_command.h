// `qbench compare BASELINE CURRENT`: the CI gate. Rows matched by (suite, target, layer),
// each figure judged by its metric's rule; prints what moved; exit 1 when a rule is broken.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "harness/compare/rules.h"

namespace qb::harness {

// The rule options, shared by compare and report.
struct RuleOptions {
  std::vector<std::string> overrides;  // --rule METRIC=SPEC
  std::string rules_file;              // --rules FILE; default: rules.json beside the baseline
  bool no_time = false;                // --no-time
  std::optional<int32_t> min_repetitions;
};

void add_rule_options(CLI::App* command, RuleOptions* options);

// Defaults, then the rules file (explicit, or rules.json in the baseline's folder), then
// --min-repetitions, --rule and --no-time. Throws InputError.
RuleSet resolve_rules(const RuleOptions& options, const std::string& baseline_path);

struct CompareOptions {
  std::string baseline, current;
  RuleOptions rules;
};

// 0: every rule holds; 1: a rule is broken or a row vanished. Throws InputError (exit 2).
int compare_command(const CompareOptions& options);

}  // namespace qb::harness
