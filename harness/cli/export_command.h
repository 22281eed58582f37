// `qbench export DIR`: the per-suite TOTAL rows as github-action-benchmark
// (customSmallerIsBetter) and Bencher (BMF) JSON, for dashboards.
#pragma once

#include <string>

namespace qb::harness {

struct ExportOptions {
  std::string report;       // a report folder or file
  std::string github_file;  // default: REPORT_DIR/benchmark-github.json
  std::string bencher_file; // default: REPORT_DIR/benchmark-bencher.json
};

int export_command(const ExportOptions& options);

}  // namespace qb::harness
