// `qbench baseline update`: the one deliberate way to rewrite reports/baseline/ (report.csv
// and report.json of the `ci` preset) that `qbench compare` and CI gate against.
#pragma once

#include <string>

#include "harness/cli/paths.h"

namespace qb::harness {

struct BaselineOptions {
  std::string from;  // a finished run's report folder; empty: run the ci preset first
  std::string preset = "ci";
  int32_t repetitions = 15;
};

// Refuses (exit 1) to adopt a run whose gates, goldens or targets failed, and leaves any
// rules.json in the baseline folder alone. Throws InputError for a bad --from folder.
int baseline_update_command(const BaselineOptions& options, const Paths& paths);

}  // namespace qb::harness
