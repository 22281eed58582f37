// qbench: int8 pipeline benchmarks and accuracy across targets.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "harness/cli/gating_commands.h"
#include "harness/cli/merge_command.h"
#include "harness/cli/paths.h"
#include "harness/cli/provenance.h"
#include "harness/cli/run_command.h"
#include "harness/cli/summary.h"
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

namespace fs = std::filesystem;

// The suite files of a folder, sorted: every *.json in it but presets.json and
// suite.schema.json. A folder that cannot be read is bad input.
std::vector<fs::path> suite_files_in(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (it->path().extension() == ".json" && name != "presets.json" && name != "suite.schema.json") {
      files.push_back(it->path());
    }
  }
  if (ec) throw InputError(dir + ": expected a readable folder of suites, got " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

// A suite on the command line: a name `qbench list` shows (suites/<name>.json, resolved as
// presets resolve theirs) or a path, taken as it is (contains '/' or ends in .json; and a
// file of that name in the working folder when no suite has the name).
std::string resolve_suite(const Paths& paths, const std::string& arg) {
  const bool is_path =
      arg.find('/') != std::string::npos || (arg.size() > 5 && arg.compare(arg.size() - 5, 5, ".json") == 0);
  if (is_path) return arg;  // loading it says what is wrong with it, if anything
  try {
    return suite_file_for(paths.suites_dir(), arg);
  } catch (const InputError&) {
  }
  std::error_code ec;
  if (fs::exists(arg, ec)) return arg;
  std::string known;
  try {
    for (const auto& f : suite_files_in(paths.suites_dir())) known += (known.empty() ? "" : ", ") + f.stem().string();
  } catch (const InputError&) {
  }
  throw InputError("suite \"" + arg + "\": no such suite in " + paths.suites_dir() + " (" +
                   (known.empty() ? std::string("none there") : "known: " + known) + ") and no such file");
}

int list_command(const Paths& paths) {
  std::printf("suites (%s):\n", paths.suites_dir().c_str());
  const std::vector<fs::path> files = suite_files_in(paths.suites_dir());
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

// "error: " before every line: a suite with several problems gives one line each, and a
// log reader that greps for "error:" finds them all.
void print_error(const std::string& what) {
  size_t begin = 0;
  while (begin <= what.size()) {
    const size_t end = std::min(what.find('\n', begin), what.size());
    std::fprintf(stderr, "error: %s\n", what.substr(begin, end - begin).c_str());
    begin = end + 1;
  }
}

int validate_command(const Paths& paths, const std::vector<std::string>& args) {
  int bad = 0;
  // A folder stands for its suite files, as `list` finds them.
  std::vector<std::string> files;
  for (const auto& arg : args) {
    std::error_code ec;
    if (!fs::is_directory(arg, ec)) {
      files.push_back(arg);
      continue;
    }
    try {
      const std::vector<fs::path> in_folder = suite_files_in(arg);
      if (in_folder.empty()) throw InputError(arg + ": expected suite files (*.json), got none in this folder");
      for (const auto& f : in_folder) files.push_back(f.string());
    } catch (const InputError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      ++bad;
    }
  }
  for (const auto& arg : files) {
    try {
      const std::string file = resolve_suite(paths, arg);
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

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbours ("lsit" is one from "list").
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// After a parse error: when a word stood where a command was expected, the line that says
// so, with the nearest command when one is close ("rn": "run"), as git and cargo do.
std::optional<std::string> unknown_command_error(CLI::App& app) {
  CLI::App* at = &app;
  std::string prefix;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    prefix += at->get_name() + " ";
  }
  const std::vector<CLI::App*> commands = at->get_subcommands([](CLI::App*) { return true; });
  if (commands.empty()) return std::nullopt;
  const std::vector<std::string> left = app.remaining(true);
  const auto word =
      std::find_if(left.begin(), left.end(), [](const std::string& w) { return !w.empty() && w[0] != '-'; });
  if (word == left.end()) return std::nullopt;
  std::string best, names;
  size_t best_distance = 3;  // at most two edits, and fewer than the word has letters
  for (const CLI::App* c : commands) {
    names += (names.empty() ? "" : ", ") + c->get_name();
    const size_t d = edit_distance(*word, c->get_name());
    if (d < best_distance && d < word->size()) {
      best_distance = d;
      best = c->get_name();
    }
  }
  const std::string said = "error: unknown command '" + prefix + *word + "'";
  if (!best.empty()) return said + ", did you mean '" + prefix + best + "'?";
  return said + " (commands: " + names + ")";
}

// Progress, warnings and errors go to stderr, so that stdout holds the results alone
// (`qbench run ... > results.txt` keeps the summary table). Colour: --color=always or never,
// or auto: only when stderr is a terminal and NO_COLOR is unset or empty (no-color.org).
void configure_logging(const std::string& color, spdlog::level::level_enum level) {
  const char* no_color = std::getenv("NO_COLOR");
  const bool colour = color == "always" ||
                      (color == "auto" && ::isatty(STDERR_FILENO) != 0 && (no_color == nullptr || *no_color == '\0'));
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(colour ? spdlog::color_mode::always
                                                                           : spdlog::color_mode::never);
  auto logger = std::make_shared<spdlog::logger>("qbench", std::move(sink));
  logger->set_pattern("%^%l%$: %v");
  logger->set_level(level);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace
}  // namespace qb::harness

int main(int argc, char** argv) {
  using namespace qb::harness;
  CLI::App app{"qbench: per-layer instructions, bytes and float-vs-int8 error of int8 pipelines, "
               "on every target"};
  app.require_subcommand(1);
  // -v, -q, --color and --root are accepted after the subcommand too (`qbench run ... -q`).
  app.fallthrough();
  bool verbose = false, quiet = false;
  app.add_flag("-v,--verbose", verbose, "Log debug detail, e.g. each QEMU command line as it runs");
  app.add_flag("-q,--quiet", quiet, "Log warnings and errors only");
  std::string color = "auto";
  app.add_option("--color", color,
                 "Colour the log (stderr): auto is only on a terminal and without the NO_COLOR variable")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  Paths paths = default_paths();
  app.add_option("--root", paths.root, "Source tree holding suites/, targets/ and reports/")
      ->capture_default_str();
  // After --root, so that the commit is that of the tree given.
  app.set_version_flag("--version", [&paths] { return version_line(paths.root); },
                       "Print the version, git commit (+dirty) and compiler, and exit");

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run suites on targets, write CSV/JSON reports, check goldens and gates");
  run_cmd->add_option("--suite", run.suite_files, "Suites to run: names (qbench list) or suite files");
  run_cmd->add_option("--model", run.model_file,
                      "An int8 .tflite model to run as a suite of its own (4 seeded inputs over the input's range)");
  run_cmd->add_option("--float-model", run.float_model_file,
                      "With --model: the same network in float32, the float reference (default: the int8 graph in float)");
  run_cmd->add_option("--preset", run.preset, "A named list of suites and targets from suites/presets.json");
  run_cmd->add_option("--target", run.targets, "Targets to run on (default: the preset's, else host)");
  run_cmd->add_option("--board", run.boards,
                      "Boards to run on (qbench list): the board's core, held against its flash and RAM, with est_us "
                      "at its clock; with --target or alone, replaces the preset's targets and boards");
  run_cmd->add_option("--out", paths.out,
                      "Folder for report.csv and report.json (default: this build's reports folder, or the same "
                      "place under --root)")
      ->capture_default_str();
  run_cmd->add_option("--golden-dir", paths.golden_dir, "Folder of golden files (default: ROOT/reports/golden)");
  run_cmd->add_option("--repetitions", run.repetitions,
                      "Timing repetitions on the host (the median, first and third quartiles and IQR are reported)")
      ->check(CLI::Range(1, 100000))->capture_default_str();
  run_cmd->add_option("-j,--jobs", run.jobs,
                      "Emulated (suite, target) runs at once (default: one per core); host timing always runs alone")
      ->check(CLI::Range(1, 1024));
  run_cmd->add_flag("--update-golden", run.update_golden, "Rewrite the golden files from this run (the only way to change them)");
  run_cmd->add_flag("--require-golden", run.require_golden, "Treat a suite without a golden file as a failure");
  std::string shard;
  run_cmd->add_option("--shard", shard,
                      "K/N (1 <= K <= N <= 64): run only shard K of the plan's (suite, target) pairs, for a run "
                      "split across machines; `qbench merge` joins the N reports");

  std::vector<std::string> validate_files;
  auto* validate_cmd = app.add_subcommand("validate", "Check suites (files, names or folders) without running them");
  validate_cmd->add_option("files", validate_files,
                           "Suite files, suite names (qbench list) or folders (every suite file in them, as list "
                           "finds them)")
      ->required();

  auto* list_cmd = app.add_subcommand("list", "List suites, targets and presets");

  MergeOptions merge;
  auto* merge_cmd = app.add_subcommand(
      "merge",
      "Join the report folders of `qbench run --shard K/N` into one report folder OUT, as if one machine had run "
      "the plan. Refuses (exit 2) shards of different builds, options or plans, or holding the same pair; pairs "
      "of the plan that no shard holds are refused too, unless --allow-partial.");
  merge_cmd->add_option("out", merge.out, "Report folder to write (report.json and report.csv)")->required();
  merge_cmd->add_option("dirs", merge.dirs, "The shards' report folders")->required();
  merge_cmd->add_flag("--allow-partial", merge.allow_partial,
                      "Write the report even when pairs of the plan are missing (a warning names them)");

  // compare, baseline update, export, report: the commands that read reports back.
  GatingCommands gating(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (const auto unknown = unknown_command_error(app)) {
      std::fprintf(stderr, "%s\n", unknown->c_str());
    } else {
      app.exit(e);
    }
    return kExitBadInput;
  }
  configure_logging(color, quiet ? spdlog::level::warn : verbose ? spdlog::level::debug : spdlog::level::info);
  // --golden-dir and --out follow --root unless given.
  if (run_cmd->count("--golden-dir") == 0) paths.golden_dir = paths.root + "/reports/golden";
  if (run_cmd->count("--out") == 0) paths.out = default_out(paths.root);

  try {
    if (*run_cmd) {
      run.paths = paths;
      if (run_cmd->count("--shard") > 0) run.shard = shard;
      for (auto& suite : run.suite_files) suite = resolve_suite(paths, suite);
      return run_command(run);
    }
    if (*validate_cmd) return validate_command(paths, validate_files);
    if (*list_cmd) return list_command(paths);
    if (*merge_cmd) return merge_command(merge);
    if (const auto code = gating.run(paths)) return *code;
  } catch (const InputError& e) {
    print_error(e.what());
    return kExitBadInput;
  } catch (const TargetError& e) {
    print_error(e.what());
    return kExitTargetFailed;
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitTargetFailed;
  }
  return 0;
}
