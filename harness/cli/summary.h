// The table `qbench run` prints at the end: one line per (suite, target), on stdout, then
// the one line a CI log is searched for, last on stdout:
//   qbench: 43 passed, 2 failed (1 gate, 1 target) in 4.1 s
// Broken gates are logged as errors, on stderr with the other errors and progress.
#pragma once

#include <chrono>
#include <string>

#include "harness/report/run_report.h"

namespace qb::harness {

// "qbench: 12 passed in 3.0 s", or with failures "qbench: 43 passed, 2 failed (1 gate,
// 1 target) in 4.1 s": the kinds present, in the order gate, golden, target, board, each
// counting the pairs that failed that way (a pair can fail more than one way).
std::string outcome_line(const RunReport& report, bool require_golden, double seconds);

// require_golden (--require-golden): a missing golden fails as "golden"; seconds: the
// run's wall time, for the closing line.
void print_summary(const RunReport& report, bool require_golden, double seconds);

}  // namespace qb::harness
