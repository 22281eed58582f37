#include "harness/cli/report_command.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <utility>

#include "harness/cli/plot_script.h"
#include "harness/compare/comparison.h"
#include "harness/compare/report_loader.h"
#include "harness/report/atomic_file.h"
#include "harness/report/html_page.h"
#include "harness/suite/input_error.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read the plot");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using Pair = std::pair<std::string, std::string>;  // (suite, target)

// The (suite, target) pairs a report holds, failed targets included (html_page.cc describes
// the pairs left out by the same definition).
std::set<Pair> pairs_of(const LoadedReport& r) {
  std::set<Pair> pairs;
  for (const auto& run : r.runs) pairs.insert({run.suite, run.target});
  for (const auto& row : r.rows) pairs.insert({row.key.suite, row.key.target});
  return pairs;
}

// The report with only the rows and runs of these pairs.
LoadedReport restricted_to(const LoadedReport& r, const std::set<Pair>& keep) {
  LoadedReport out = r;
  std::erase_if(out.rows, [&](const LoadedRow& row) { return !keep.count({row.key.suite, row.key.target}); });
  std::erase_if(out.runs, [&](const LoadedRun& run) { return !keep.count({run.suite, run.target}); });
  return out;
}

}  // namespace

int report_page_command(const ReportPageOptions& o, const Paths& paths) {
  std::error_code ec;
  if (!fs::is_directory(o.report_dir, ec)) {
    throw InputError(o.report_dir + ": expected a report folder (qbench run --out DIR)");
  }
  const LoadedReport report = load_report(o.report_dir);

  PageInput page;
  page.report = &report;
  std::optional<LoadedReport> baseline;
  std::optional<Comparison> comparison;
  RuleSet rules;
  bool nothing_shared = false;
  std::string baseline_path = o.baseline;
  if (baseline_path.empty()) {
    const fs::path committed = fs::path(paths.root) / "reports" / "baseline";
    if (fs::is_regular_file(committed / "report.json", ec) || fs::is_regular_file(committed / "report.csv", ec)) {
      baseline_path = committed.string();
    } else {
      page.no_baseline = "No baseline: " + committed.string() +
                         " holds no report (qbench baseline update writes one), and no --baseline was given.";
    }
  }
  if (!baseline_path.empty()) {
    baseline = load_report(baseline_path);
    rules = resolve_rules(o.rules, baseline_path);
    // The page compares what both reports hold: a run of a few suites (or of suites of the
    // user's own) against the full baseline is not a run where everything else vanished. The
    // page says in one line what the baseline holds beyond the run; `qbench compare`, the
    // gate, still compares everything.
    std::set<Pair> shared;
    const std::set<Pair> run_pairs = pairs_of(report);
    for (const auto& p : pairs_of(*baseline)) {
      if (run_pairs.count(p)) shared.insert(p);
    }
    comparison = compare_reports(restricted_to(*baseline, shared), restricted_to(report, shared), rules);
    nothing_shared = shared.empty();
    page.baseline = &*baseline;
    page.comparison = &*comparison;
    page.rules = &rules;
  }

  const std::string plot_dir = (fs::path(o.report_dir) / "plots").string();
  const PlotOutcome plots = run_plot_script(paths.root, o.report_dir, plot_dir, o.history);
  if (!plots.error.empty()) std::fprintf(stderr, "error: %s\n", plots.error.c_str());
  if (plots.exit_code != 0) {
    // The script has already said what is wrong in one line.
    std::fprintf(stderr, "report not written: the plot script failed (exit %d)\n", plots.exit_code);
    return plots.exit_code == 2 ? 2 : 3;
  }
  for (const auto& p : plots.plots) page.plots.push_back({p.suite, p.title, read_bytes(p.path)});

  page.command = "qbench report " + o.report_dir + (o.baseline.empty() ? "" : " --baseline " + o.baseline) +
                 (o.history.empty() ? "" : " --history " + o.history);
  const std::string out = o.out.empty() ? (fs::path(o.report_dir) / "report.html").string() : o.out;
  write_file_atomically(out, html_page(page));
  std::printf("report: %s (%zu plots in %s; %s)\n", out.c_str(), page.plots.size(), plot_dir.c_str(),
              !comparison ? "no baseline"
              : nothing_shared ? "nothing in common with the baseline: not compared"
              : comparison->broken() ? "comparison against the baseline FAILED"
                                     : "comparison against the baseline ok");
  return 0;
}

}  // namespace qb::harness
