#include "harness/cli/export_command.h"

#include <cstdio>
#include <filesystem>

#include "harness/compare/dashboard_export.h"
#include "harness/compare/report_loader.h"
#include "harness/report/atomic_file.h"

namespace qb::harness {

int export_command(const ExportOptions& o) {
  const LoadedReport report = load_report(o.report);
  const std::string dir = std::filesystem::path(report.file).parent_path().string();
  const std::string folder = dir.empty() ? "." : dir;
  const std::string github = o.github_file.empty() ? folder + "/benchmark-github.json" : o.github_file;
  const std::string bencher = o.bencher_file.empty() ? folder + "/benchmark-bencher.json" : o.bencher_file;
  write_file_atomically(github, github_benchmark_json(report));
  write_file_atomically(bencher, bencher_bmf_json(report));
  std::printf("export: %s (github-action-benchmark, tool: customSmallerIsBetter)\n", github.c_str());
  std::printf("export: %s (Bencher Metric Format, bencher run --adapter json --file ...)\n", bencher.c_str());
  return 0;
}

}  // namespace qb::harness
