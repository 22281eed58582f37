// qbench: int8 pipeline benchmarks and accuracy across targets.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "harness/cli/gating_commands.h"
#include "harness/cli/paths.h"
#include "harness/cli/run_command.h"
#include "harness/pipeline/board_fit.h"
#include "harness/pipeline/suite_pipeline.h"
#include "harness/suite/input_error.h"
#include "harness/suite/presets.h"
#include "harness/suite/suite_loader.h"
#include "harness/targets/target_registry.h"

namespace qb::harness {
namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitTargetFailed = 3;

int list_command(const Paths& paths) {
  namespace fs = std::filesystem;
  std::printf("suites (%s):\n", paths.suites_dir().c_str());
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(paths.suites_dir())) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() == ".json" && name != "presets.json" && name != "suite.schema.json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const Suite suite = load_suite(f.string());
    const std::string model =
        suite.model ? " [model: " + fs::path(suite.model->tflite).filename().string() + "]" : "";
    std::printf("  %-16s %s%s\n", suite.name.c_str(), suite.description.c_str(), model.c_str());
  }
  std::printf("targets (%s):\n", paths.targets_file().c_str());
  const std::vector<TargetInfo> table = load_targets(paths.targets_file());
  for (const auto& t : table) {
    if (!t.board) std::printf("  %-16s %s\n", t.name.c_str(), t.description.c_str());
  }
  std::printf("boards (%s, /boards; run with --board):\n", paths.targets_file().c_str());
  for (const auto& t : table) {
    if (t.board) {
      std::printf("  %-16s %s [core %s; flash %s, RAM %s, %lld MHz]\n", t.name.c_str(), t.description.c_str(),
                  t.board->core.c_str(), format_kib(t.board->flash_bytes).c_str(),
                  format_kib(t.board->ram_bytes).c_str(), static_cast<long long>(t.board->clock_hz / 1000000));
    }
  }
  std::printf("presets (%s):\n", paths.presets_file().c_str());
  for (const auto& p : load_presets(paths.presets_file())) {
    std::string suites, targets, boards;
    for (const auto& s : p.suites) suites += (suites.empty() ? "" : " ") + s;
    for (const auto& t : p.targets) targets += (targets.empty() ? "" : " ") + t;
    for (const auto& b : p.boards) boards += (boards.empty() ? "" : " ") + b;
    std::printf("  %-16s %s [suites: %s%s%s]\n", p.name.c_str(), p.description.c_str(), suites.c_str(),
                targets.empty() ? "" : ("; targets: " + targets).c_str(),
                boards.empty() ? "" : ("; boards: " + boards).c_str());
  }
  return 0;
}

int validate_command(const std::vector<std::string>& files) {
  int bad = 0;
  for (const auto& file : files) {
    try {
      // Everything `run` does before a target runs: load, build or import, generate the
      // data, calibrate, compile and the runtime's checks. What passes here, run accepts.
      const PreparedSuite prepared = prepare_suite(file);
      const Graph& graph = prepared.graph;
      const std::string from = prepared.suite.model ? " from " + prepared.suite.model->tflite : "";
      const auto& out = graph.nodes.back().output_shape;
      std::printf("ok: %s (%zu layers%s, output %dx%dx%dx%d)\n", file.c_str(), graph.nodes.size(),
                  from.c_str(), out.n, out.h, out.w, out.c);
    } catch (const InputError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      ++bad;
    }
  }
  return bad ? kExitBadInput : 0;
}

}  // namespace
}  // namespace qb::harness

int main(int argc, char** argv) {
  using namespace qb::harness;
  CLI::App app{"qbench: per-layer instructions, bytes and float-vs-int8 error of int8 pipelines, "
               "on every target"};
  app.require_subcommand(1);
  // -v, -q and --root are accepted after the subcommand too (`qbench run ... -q`).
  app.fallthrough();
  bool verbose = false, quiet = false;
  app.add_flag("-v,--verbose", verbose, "Log debug detail");
  app.add_flag("-q,--quiet", quiet, "Log warnings and errors only");
  Paths paths = default_paths();
  app.add_option("--root", paths.root, "Source tree holding suites/, targets/ and reports/")
      ->capture_default_str();

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run suites on targets, write CSV/JSON reports, check goldens and gates");
  run_cmd->add_option("--suite", run.suite_files, "Suite files to run");
  run_cmd->add_option("--model", run.model_file,
                      "An int8 .tflite model to run as a suite of its own (4 seeded inputs over the input's range)");
  run_cmd->add_option("--float-model", run.float_model_file,
                      "With --model: the same network in float32, the float reference (default: the int8 graph in float)");
  run_cmd->add_option("--preset", run.preset, "A named list of suites and targets from suites/presets.json");
  run_cmd->add_option("--target", run.targets, "Targets to run on (default: the preset's, else host)");
  run_cmd->add_option("--board", run.boards,
                      "Boards to run on (qbench list): the board's core, held against its flash and RAM, with est_us "
                      "at its clock; with --target or alone, replaces the preset's targets and boards");
  run_cmd->add_option("--out", paths.out, "Folder for report.csv and report.json")->capture_default_str();
  run_cmd->add_option("--golden-dir", paths.golden_dir, "Folder of golden files (default: ROOT/reports/golden)");
  run_cmd->add_option("--repetitions", run.repetitions, "Timing repetitions on the host (median and IQR are reported)")
      ->check(CLI::Range(1, 100000))->capture_default_str();
  run_cmd->add_option("-j,--jobs", run.jobs,
                      "Emulated (suite, target) runs at once (default: one per core); host timing always runs alone")
      ->check(CLI::Range(1, 1024));
  run_cmd->add_flag("--update-golden", run.update_golden, "Rewrite the golden files from this run (the only way to change them)");
  run_cmd->add_flag("--require-golden", run.require_golden, "Treat a suite without a golden file as a failure");

  std::vector<std::string> validate_files;
  auto* validate_cmd = app.add_subcommand("validate", "Check suite files without running them");
  validate_cmd->add_option("files", validate_files, "Suite files")->required();

  auto* list_cmd = app.add_subcommand("list", "List suites, targets and presets");

  // compare, baseline update, export, report: the commands that read reports back.
  GatingCommands gating(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadInput;
  }
  spdlog::set_pattern("%^%l%$: %v");
  spdlog::set_level(quiet ? spdlog::level::warn : verbose ? spdlog::level::debug : spdlog::level::info);
  // --golden-dir follows --root unless given.
  if (run_cmd->count("--golden-dir") == 0) paths.golden_dir = paths.root + "/reports/golden";

  try {
    if (*run_cmd) {
      run.paths = paths;
      return run_command(run);
    }
    if (*validate_cmd) return validate_command(validate_files);
    if (*list_cmd) return list_command(paths);
    if (const auto code = gating.run(paths)) return *code;
  } catch (const InputError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitBadInput;
  } catch (const TargetError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitTargetFailed;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitTargetFailed;
  }
  return 0;
}
