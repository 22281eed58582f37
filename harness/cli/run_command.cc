#include "harness/cli/run_command.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>

#include <spdlog/spdlog.h>

#include "harness/cli/provenance.h"
#include "harness/cli/summary.h"
#include "harness/pipeline/suite_pipeline.h"
#include "harness/report/atomic_file.h"
#include "harness/report/csv_report.h"
#include "harness/report/golden.h"
#include "harness/report/json_report.h"
#include "harness/suite/input_error.h"
#include "harness/suite/presets.h"
#include "harness/targets/target_registry.h"

namespace qb::harness {
namespace {

struct Plan {
  std::vector<std::string> suite_files;
  std::vector<TargetInfo> targets;
};

Plan make_plan(const RunOptions& o) {
  if (o.suite_files.empty() && o.preset.empty()) {
    throw InputError("nothing to run: give --suite FILE... or --preset NAME (see qbench list)");
  }
  if (!o.suite_files.empty() && !o.preset.empty()) {
    throw InputError("give either --suite or --preset, not both");
  }
  const std::vector<TargetInfo> table = load_targets(o.paths.targets_file());
  Plan plan;
  std::vector<std::string> target_names = o.targets;
  if (!o.preset.empty()) {
    const Preset preset = find_preset(load_presets(o.paths.presets_file()), o.preset);
    for (const auto& name : preset.suites) plan.suite_files.push_back(suite_file_for(o.paths.suites_dir(), name));
    if (target_names.empty()) target_names = preset.targets;
  } else {
    plan.suite_files = o.suite_files;
  }
  if (target_names.empty()) target_names = {"host"};
  for (const auto& name : target_names) plan.targets.push_back(find_target(table, name));
  return plan;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int run_command(const RunOptions& options) {
  const Plan plan = make_plan(options);

  // Every suite is loaded and validated before anything runs, so bad input fails fast
  // and never after minutes of work.
  std::vector<PreparedSuite> suites;
  for (const auto& file : plan.suite_files) {
    spdlog::debug("preparing {}", file);
    suites.push_back(prepare_suite(file));
  }

  RunReport report;
  report.meta = provenance(options.paths.root, options.repetitions);
  std::map<std::string, std::string> golden_written;  // suite -> text, with --update-golden
  int exit_code = 0;
  const size_t total = suites.size() * plan.targets.size();
  size_t done = 0;

  for (const auto& info : plan.targets) {
    std::unique_ptr<Target> target = make_target(info);
    for (const auto& suite : suites) {
      const auto t0 = std::chrono::steady_clock::now();
      SuiteTargetRun run;
      try {
        RunRequest request;
        request.model = &suite.model_file;
        request.inputs = &suite.inputs;
        request.samples = suite.samples();
        request.repetitions = options.repetitions;
        const RunResult result = target->run(request);
        run = evaluate_run(suite, info.name, result);
        const std::string text = golden_text(suite, result);
        const std::string path = golden_path(options.paths.golden_dir, suite.suite.name);
        if (options.update_golden && !golden_written.count(suite.suite.name)) {
          write_file_atomically(path, text);
          golden_written[suite.suite.name] = text;
          run.golden = GoldenStatus::kUpdated;
        } else {
          const GoldenCheck check = check_golden(path, text);
          run.golden = check.status;
          run.golden_diff = check.diff;
        }
      } catch (const TargetError& e) {
        run.suite = suite.suite.name;
        run.target = info.name;
        run.error = e.what();
      }
      run.seconds = seconds_since(t0);
      ++done;
      if (!run.error.empty()) {
        spdlog::error("[{}/{}] {} on {}: target failed: {}", done, total, run.suite, run.target, run.error);
        exit_code = 3;
      } else {
        spdlog::info("[{}/{}] {} on {}: {} in {:.2f} s (golden {})", done, total, run.suite,
                     run.target, run.passed() ? "passed" : "FAILED", run.seconds,
                     golden_status_name(run.golden));
        if (run.golden == GoldenStatus::kMismatch) {
          spdlog::error("golden mismatch for {} on {} ({}):\n{}", run.suite, run.target,
                        golden_path(options.paths.golden_dir, run.suite), run.golden_diff);
        }
        if (run.golden == GoldenStatus::kMissing) {
          spdlog::warn("no golden for {} yet: `qbench run --update-golden` records one", run.suite);
        }
        const bool missing_is_failure = options.require_golden && run.golden == GoldenStatus::kMissing;
        if ((!run.passed() || missing_is_failure) && exit_code == 0) exit_code = 1;
      }
      report.runs.push_back(std::move(run));
    }
  }

  write_file_atomically(options.paths.out + "/report.csv", csv_report(report));
  write_file_atomically(options.paths.out + "/report.json", json_report(report));
  print_summary(report);
  spdlog::info("reports: {}/report.csv, {}/report.json", options.paths.out, options.paths.out);
  return exit_code;
}

}  // namespace qb::harness
