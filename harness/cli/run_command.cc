#include "harness/cli/run_command.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <optional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "harness/cli/provenance.h"
#include "harness/cli/summary.h"
#include "harness/pipeline/board_fit.h"
#include "harness/pipeline/suite_pipeline.h"
#include "harness/report/atomic_file.h"
#include "harness/report/csv_report.h"
#include "harness/report/golden.h"
#include "harness/report/json_report.h"
#include "harness/report/report_folder_lock.h"
#include "harness/suite/input_error.h"
#include "harness/suite/presets.h"
#include "harness/targets/interrupts.h"
#include "harness/targets/target_registry.h"

namespace qb::harness {
namespace {

// --shard K/N.
struct ShardSpec {
  int32_t index = 0, count = 0;
};

constexpr int32_t kMaxShards = 64;

// How the pairs are dealt out, as the report states it. Diagonal rather than every N-th
// pair in run order: that would give a shard the same suites on every target (with 12
// suites and 4 shards, the heaviest model on all nine targets); this way each shard gets a
// mix of suites on each target and of host and emulated targets for each suite, and the
// pair counts differ by at most a few. Depends on the plan alone, never on the machine.
constexpr const char* kShardAssignment =
    "diagonal: pair (suite s, target t), s and t 0-based positions in the plan's suite and target "
    "lists, runs in shard ((s + t) mod N) + 1";

bool in_shard(const ShardSpec& shard, size_t suite_index, size_t target_index) {
  return static_cast<int32_t>((suite_index + target_index) % static_cast<size_t>(shard.count)) == shard.index - 1;
}

// "K/N", digits only, 1 <= K <= N <= 64.
ShardSpec parse_shard(const std::string& text) {
  const InputError bad("--shard: expected K/N with 1 <= K <= N <= " + std::to_string(kMaxShards) +
                       " (e.g. --shard 2/4), got '" + text + "'");
  const size_t slash = text.find('/');
  if (slash == std::string::npos) throw bad;
  auto number = [&](const std::string& part) {
    if (part.empty() || part.size() > 2 || !std::all_of(part.begin(), part.end(), [](unsigned char c) {
          return std::isdigit(c) != 0;
        })) {
      throw bad;
    }
    return static_cast<int32_t>(std::stoi(part));
  };
  const ShardSpec shard{number(text.substr(0, slash)), number(text.substr(slash + 1))};
  if (shard.count < 1 || shard.count > kMaxShards || shard.index < 1 || shard.index > shard.count) throw bad;
  return shard;
}

struct Plan {
  std::vector<std::string> suite_files;
  std::optional<Suite> model_suite;  // --model
  std::vector<TargetInfo> targets;
  std::optional<ShardSpec> shard;    // --shard
};

// `--model FILE [--float-model FILE]`: a suite of the model alone, named after the file.
Suite model_suite(const RunOptions& o) {
  namespace fs = std::filesystem;
  auto existing = [](const std::string& path, const char* option) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      throw InputError(std::string(option) + ": expected a .tflite file, got " + path +
                       (fs::exists(path, ec) ? " (not a regular file)" : " (no such file)"));
    }
  };
  existing(o.model_file, "--model");
  Suite suite;
  std::string name = fs::path(o.model_file).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') c = '_';
  }
  suite.name = name.empty() || name[0] == '.' || name[0] == '-' ? "model" + name : name.substr(0, 64);
  suite.description = "qbench run --model " + o.model_file;
  suite.file = o.model_file;
  suite.model = ModelSource{o.model_file, o.float_model_file};
  if (!o.float_model_file.empty()) existing(o.float_model_file, "--float-model");
  return suite;
}

Plan make_plan(const RunOptions& o) {
  if (!o.float_model_file.empty() && o.model_file.empty()) {
    throw InputError("--float-model goes with --model (a suite file names its float model itself)");
  }
  const int sources = (o.suite_files.empty() ? 0 : 1) + (o.preset.empty() ? 0 : 1) + (o.model_file.empty() ? 0 : 1);
  if (sources == 0) {
    throw InputError("nothing to run: give --suite FILE..., --preset NAME (see qbench list) or --model FILE.tflite");
  }
  if (sources > 1) throw InputError("give one of --suite, --preset or --model");

  const std::vector<TargetInfo> table = load_targets(o.paths.targets_file());
  Plan plan;
  if (o.shard) plan.shard = parse_shard(*o.shard);
  std::vector<std::string> target_names = o.targets, board_names = o.boards;
  const bool chosen = !target_names.empty() || !board_names.empty();
  if (!o.preset.empty()) {
    const Preset preset = find_preset(load_presets(o.paths.presets_file()), o.preset);
    for (const auto& name : preset.suites) plan.suite_files.push_back(suite_file_for(o.paths.suites_dir(), name));
    if (!chosen) {
      target_names = preset.targets;
      board_names = preset.boards;
    }
  } else if (!o.model_file.empty()) {
    plan.model_suite = model_suite(o);
  } else {
    plan.suite_files = o.suite_files;
  }
  if (target_names.empty() && board_names.empty()) target_names = {"host"};
  for (const auto& name : target_names) plan.targets.push_back(find_target(table, name));
  for (const auto& name : board_names) plan.targets.push_back(find_board(table, name));
  return plan;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// One (suite, target) run. Jobs are numbered target-major, suite-minor, and the report
// lists them in that order however they were scheduled.
struct Job {
  const TargetInfo* info;
  Target* target;
  const PreparedSuite* suite;
  SuiteTargetRun run;
  std::string golden;  // the golden text of this run's results, when it ran
};

// "; fits: flash 12.3%, RAM 45.6%" for a board run, else nothing.
std::string fit_text(const SuiteTargetRun& run) {
  if (!run.board) return "";
  const ReportRow& total = run.rows.back();
  return fmt::format("; {}: flash {:.1f}%, RAM {:.1f}%", run.board->fits ? "fits" : "DOES NOT FIT",
                     total.flash_used_pct.value_or(0.0), total.ram_used_pct.value_or(0.0));
}

// Everything the workers share: the options, the progress counter and the log.
class Runner {
 public:
  Runner(const RunOptions& options, size_t total) : options_(options), total_(total) {}

  void execute(Job* job) {
    const PreparedSuite& suite = *job->suite;
    const auto t0 = std::chrono::steady_clock::now();
    SuiteTargetRun& run = job->run;
    try {
      const RunResult result = job->target->run(run_request(suite, options_.repetitions));
      run = evaluate_run(suite, job->info->name, result);
      if (job->info->board) assess_board(job->info->name, *job->info->board, &run);
      job->golden = golden_text(suite, result);
      // Goldens change only after every run (update_goldens), so checking here is stable.
      if (!options_.update_golden) {
        const GoldenCheck check = check_golden(golden_path(options_.paths.golden_dir, suite.suite.name), job->golden);
        run.golden = check.status;
        run.golden_diff = check.diff;
      }
    } catch (const std::exception& e) {
      // A worker thread must not let anything escape: whatever went wrong is this run's
      // failure (a TargetError says what; anything else is reported as it is).
      run = SuiteTargetRun{};
      run.suite = suite.suite.name;
      run.target = job->info->name;
      run.error = e.what();
    }
    run.seconds = seconds_since(t0);
    report_progress(run);
  }

 private:
  void report_progress(const SuiteTargetRun& run) {
    std::lock_guard<std::mutex> lock(log_mutex_);
    ++done_;
    if (!run.error.empty()) {
      spdlog::error("[{}/{}] {} on {}: target failed: {}", done_, total_, run.suite, run.target, run.error);
      return;
    }
    // A failed pair is an error, at the level a log reader filters for; a passed one is info.
    const spdlog::level::level_enum level = run.passed() ? spdlog::level::info : spdlog::level::err;
    if (options_.update_golden) {
      spdlog::log(level, "[{}/{}] {} on {}: {} in {:.2f} s (golden written or checked after all runs)", done_,
                  total_, run.suite, run.target, run.passed() ? "passed" : "FAILED", run.seconds);
      return;
    }
    spdlog::log(level, "[{}/{}] {} on {}: {} in {:.2f} s (golden {}{})", done_, total_, run.suite, run.target,
                run.passed() ? "passed" : "FAILED", run.seconds, golden_status_name(run.golden), fit_text(run));
    if (run.board && !run.board->fits) spdlog::error("{} on {}: {}", run.suite, run.target, run.board->why);
    if (run.golden == GoldenStatus::kMismatch) {
      spdlog::error("golden mismatch for {} on {} ({}):\n{}", run.suite, run.target,
                    golden_path(options_.paths.golden_dir, run.suite), run.golden_diff);
    }
  }

  const RunOptions& options_;
  const size_t total_;
  size_t done_ = 0;
  std::mutex log_mutex_;
};

// --update-golden: the first successful run of a suite, in job order, writes its golden;
// every later run of that suite is checked against it, so targets that disagree still fail.
void update_goldens(const RunOptions& options, std::vector<Job>* jobs) {
  std::set<std::string> written;
  for (Job& job : *jobs) {
    SuiteTargetRun& run = job.run;
    if (!run.error.empty()) continue;
    const std::string path = golden_path(options.paths.golden_dir, run.suite);
    if (!written.count(run.suite)) {
      write_file_atomically(path, job.golden);
      written.insert(run.suite);
      run.golden = GoldenStatus::kUpdated;
    } else {
      const GoldenCheck check = check_golden(path, job.golden);
      run.golden = check.status;
      run.golden_diff = check.diff;
      if (run.golden == GoldenStatus::kMismatch) {
        spdlog::error("golden mismatch for {} on {} ({}):\n{}", run.suite, run.target, path, run.golden_diff);
      }
    }
  }
}

size_t worker_count(const RunOptions& options) {
  if (options.jobs > 0) return static_cast<size_t>(options.jobs);
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

int run_command(const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  // From here a SIGINT/SIGTERM stops the guests, removes their work folders and this
  // run's lock, never leaves half a report and exits 130/143 (harness/targets/interrupts.h).
  install_interrupt_handlers();
  const Plan plan = make_plan(options);
  // Claimed before anything is prepared or run: a folder that cannot be written, or that
  // another run is writing into, is bad input found at once, not after the runs.
  const ReportFolderLock out_lock(options.paths.out, "--out " + options.paths.out);

  // Every suite is loaded and validated, and every target set up, before anything runs,
  // so bad input fails fast and never after minutes of work.
  std::vector<PreparedSuite> suites;
  for (const auto& file : plan.suite_files) {
    spdlog::debug("preparing {}", file);
    suites.push_back(prepare_suite(file));
  }
  if (plan.model_suite) suites.push_back(prepare_suite(*plan.model_suite, ""));
  std::vector<std::unique_ptr<Target>> targets;
  for (const auto& info : plan.targets) targets.push_back(make_target(info));

  std::vector<Job> jobs;
  std::vector<std::pair<std::string, std::string>> plan_pairs;  // all of them, for a shard's report
  for (size_t t = 0; t < plan.targets.size(); ++t) {
    for (size_t s = 0; s < suites.size(); ++s) {
      plan_pairs.emplace_back(suites[s].suite.name, plan.targets[t].name);
      if (plan.shard && !in_shard(*plan.shard, s, t)) continue;
      jobs.push_back(Job{&plan.targets[t], targets[t].get(), &suites[s], {}, {}});
    }
  }
  if (plan.shard) {
    spdlog::info("shard {}/{}: {} of the plan's {} (suite, target) pairs", plan.shard->index, plan.shard->count,
                 jobs.size(), plan_pairs.size());
  }
  Runner runner(options, jobs.size());

  // Targets that time themselves run first, one job at a time, on an otherwise idle
  // machine; the rest (emulated targets, whose counts do not depend on load) share the
  // workers.
  std::vector<Job*> parallel;
  for (Job& job : jobs) {
    if (job.target->runs_alone()) {
      runner.execute(&job);
    } else {
      parallel.push_back(&job);
    }
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < parallel.size(); i = next++) runner.execute(parallel[i]);
  };
  std::vector<std::thread> workers;
  const size_t count = std::min(worker_count(options), parallel.size());
  for (size_t w = 1; w < count; ++w) workers.emplace_back(work);
  work();
  for (auto& w : workers) w.join();

  if (options.update_golden) update_goldens(options, &jobs);

  RunReport report;
  report.meta = provenance(options.paths.root, options.repetitions);
  if (plan.shard) report.shard = ShardInfo{plan.shard->index, plan.shard->count, kShardAssignment, plan_pairs};
  int exit_code = 0;
  std::set<std::string> warned_missing;
  for (Job& job : jobs) {
    SuiteTargetRun& run = job.run;
    if (!run.error.empty()) {
      exit_code = 3;
    } else {
      if (run.golden == GoldenStatus::kMissing && warned_missing.insert(run.suite).second) {
        spdlog::warn("no golden for {} yet: `qbench run --update-golden` records one", run.suite);
      }
      const bool missing_is_failure = options.require_golden && run.golden == GoldenStatus::kMissing;
      if ((!run.passed() || missing_is_failure) && exit_code == 0) exit_code = 1;
    }
    report.runs.push_back(std::move(run));
  }

  // As a pair: never a new CSV beside an old JSON (atomic_file.h says how).
  write_report_pair(options.paths.out, csv_report(report), json_report(report));
  spdlog::info("reports: {}/report.csv, {}/report.json", options.paths.out, options.paths.out);
  print_summary(report, options.require_golden, seconds_since(started));
  return exit_code;
}

}  // namespace qb::harness
