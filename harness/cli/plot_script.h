// Running scripts/plot_report.py (matplotlib, through /usr/bin/python3 or $QB_PYTHON)
// on a report folder, and reading back the list of PNGs it wrote.
#pragma once

#include <string>
#include <vector>

namespace qb::harness {

struct PlotFile {
  std::string path, suite, title;  // suite empty: across suites (the trend)
};

struct PlotOutcome {
  int exit_code = 0;  // the script's: 0 ok, 2 bad input (it printed why), 3 missing tool
  std::string error;  // set when python itself could not be started
  std::vector<PlotFile> plots;
};

// The interpreter the plots need; the report page fails with exit 3 without it.
std::string plot_python();

PlotOutcome run_plot_script(const std::string& root, const std::string& report_dir,
                            const std::string& out_dir, const std::string& history_dir);

}  // namespace qb::harness
