// The table `qbench run` prints at the end: one line per (suite, target).
#pragma once

#include "harness/report/run_report.h"

namespace qb::harness {

void print_summary(const RunReport& report);

}  // namespace qb::harness
