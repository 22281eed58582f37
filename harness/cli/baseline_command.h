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
  // --replace: the baseline becomes the run, dropping every (suite, target) pair the run
  // does not hold. Without it the run's pairs are merged in and every other pair is kept.
  bool replace = false;
};

// Refuses (exit 1) to adopt a run whose gates, goldens or targets failed, and leaves any
// rules.json in the baseline folder alone. Merges unless options.replace: the run's
// (suite, target) pairs replace the baseline's, the others stay. Throws InputError (exit
// 2) for a bad --from folder, and, without --replace, for a baseline that does not load.
int baseline_update_command(const BaselineOptions& options, const Paths& paths);

}  // namespace qb::harness
