// `qbench report DIR`: DIR/report.html, one self-contained page with the summary, the
// comparison against the baseline (reports/baseline, or --baseline) and the plots.
#pragma once

#include <string>

#include "harness/cli/compare_command.h"
#include "harness/cli/paths.h"

namespace qb::harness {

struct ReportPageOptions {
  std::string report_dir;
  std::string baseline;  // empty: ROOT/reports/baseline when it holds a report
  std::string history;   // a folder of earlier report folders, for the trend plot
  std::string out;       // default: REPORT_DIR/report.html
  RuleOptions rules;
};

// 0 when the page is written (a failed comparison is shown on the page, not the exit
// code: `qbench compare` is the gate); 2 bad input; 3 python3/matplotlib missing.
int report_page_command(const ReportPageOptions& options, const Paths& paths);

}  // namespace qb::harness
