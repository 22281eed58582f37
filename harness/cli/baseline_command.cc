#include "harness/cli/baseline_command.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "harness/cli/run_command.h"
#include "harness/compare/compare_table.h"
#include "harness/compare/comparison.h"
#include "harness/compare/report_loader.h"
#include "harness/report/atomic_file.h"
#include "harness/suite/input_error.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read the file");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A baseline is only worth gating against when every run passed with a matching golden.
std::string why_not_a_baseline(const LoadedReport& r) {
  if (r.runs.empty()) return r.file + ": has no runs";
  for (const auto& run : r.runs) {
    const std::string who = r.file + ": " + run.suite + " on " + run.target;
    if (!run.error.empty()) return who + ": target failed: " + run.error;
    if (!run.passed) return who + ": did not pass (gates or golden)";
    if (run.golden != "match" && run.golden != "updated") {
      return who + ": golden is '" + run.golden + "', expected match (run with --require-golden)";
    }
  }
  return "";
}

}  // namespace

int baseline_update_command(const BaselineOptions& o, const Paths& paths) {
  std::string from = o.from;
  if (from.empty()) {
    RunOptions run;
    run.preset = o.preset;
    run.require_golden = true;
    run.repetitions = o.repetitions;
    run.paths = paths;
    run.paths.out = paths.out + "/" + o.preset;
    std::printf("baseline: running the %s preset into %s\n", o.preset.c_str(), run.paths.out.c_str());
    std::fflush(stdout);
    const int code = run_command(run);
    if (code != 0) {
      std::fprintf(stderr, "baseline not updated: the %s run failed (exit %d)\n", o.preset.c_str(), code);
      return code;
    }
    from = run.paths.out;
  }
  std::error_code ec;
  if (!fs::is_directory(from, ec)) throw InputError(from + ": expected a report folder (from qbench run --out)");
  const std::string json_file = (fs::path(from) / "report.json").string();
  const std::string csv_file = (fs::path(from) / "report.csv").string();
  for (const auto& f : {json_file, csv_file}) {
    if (!fs::is_regular_file(f, ec)) throw InputError(f + ": missing (a baseline needs both report.json and report.csv)");
  }
  const LoadedReport fresh = load_report(json_file);
  load_report(csv_file);  // must parse too: compare may be given either
  if (const std::string why = why_not_a_baseline(fresh); !why.empty()) {
    std::fprintf(stderr, "baseline not updated: %s\n", why.c_str());
    return 1;
  }

  const fs::path dir = fs::path(paths.root) / "reports" / "baseline";
  const std::string old_json = (dir / "report.json").string();
  // What the update changes, for the commit message; the old baseline's rules apply.
  if (fs::is_regular_file(old_json, ec)) {
    try {
      const LoadedReport old = load_report(old_json);
      RuleSet rules = default_rules();
      if (fs::is_regular_file(dir / "rules.json", ec)) load_rules_file((dir / "rules.json").string(), &rules);
      const Comparison c = compare_reports(old, fresh, rules);
      std::printf("baseline: changes against the previous baseline:\n%s\n",
                  format_comparison(c, old, fresh, rules).c_str());
    } catch (const InputError& e) {
      std::printf("baseline: the previous baseline does not load (%s); replacing it\n", e.what());
    }
  }
  write_file_atomically((dir / "report.json").string(), read_file(json_file));
  write_file_atomically((dir / "report.csv").string(), read_file(csv_file));
  std::set<std::string> suites, targets;
  for (const auto& run : fresh.runs) {
    suites.insert(run.suite);
    targets.insert(run.target);
  }
  std::printf("baseline: wrote %s/report.json and report.csv from %s: %zu suites x %zu targets, %zu rows "
              "(git %s, %s). Commit them deliberately.\n",
              dir.string().c_str(), from.c_str(), suites.size(), targets.size(), fresh.rows.size(),
              fresh.git_sha.c_str(), fresh.date_utc.c_str());
  return 0;
}

}  // namespace qb::harness
