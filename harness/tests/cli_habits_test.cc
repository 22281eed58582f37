// The habits a user of Google Benchmark, pytest or git brings to qbench: --version, a
// suggestion for a mistyped command, suites by name, validate on a folder, results on
// stdout and the log on stderr, one closing line, -v and colour, --out following --root,
// and a kernel benchmark whose --benchmark_list_tests prints only the list.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/tests/cli_test_support.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;
using testing::source_dir;
using testing::tiny_suite;

using testing::qbench_binary;
using testing::read_text;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// stdout and stderr apart, as a shell user redirecting them sees them.
struct Streams {
  int exit_code = -1;
  std::string out, err;
};

// `env` is put before the command, e.g. "NO_COLOR=1 "; `args` follow --root.
Streams run(const std::string& args, const std::string& env = "", const std::string& root = source_dir()) {
  ScratchDir capture;
  const std::string out = capture.path() + "/stdout", err = capture.path() + "/stderr";
  const std::string command =
      env + quoted(qbench_binary()) + " --root " + quoted(root) + " " + args + " >" + quoted(out) + " 2>" + quoted(err);
  Streams s;
  const int status = std::system(command.c_str());
  s.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  s.out = read_text(out);
  s.err = read_text(err);
  return s;
}

// The tiny suite with gates it meets (four calibration samples clip it to about 11 dB).
nlohmann::json lenient_tiny_suite() {
  nlohmann::json suite = tiny_suite();
  suite["gates"]["min_sqnr_db"] = 5.0;
  return suite;
}

const std::regex kClosingLine(R"(qbench: (\d+) passed(, (\d+) failed \(([a-z0-9, ]+)\))? in \d+\.\d s)");

TEST(CliHabits, VersionIsOneLineWithVersionCommitAndCompiler) {
  const Streams s = run("--version");
  EXPECT_EQ(s.exit_code, 0) << s.err;
  const std::regex line(
      R"(qbench \d+\.\d+\.\d+ \(git ([0-9a-f]{40}(\+dirty)?|unknown), [A-Za-z]+ [0-9.]+(, \w+)?\)\n)");
  EXPECT_TRUE(std::regex_match(s.out, line)) << s.out;
  EXPECT_EQ(s.err, "");
  // After a command too, as --help is.
  EXPECT_EQ(run("run --version").out, s.out);
}

TEST(CliHabits, AnUnknownCommandIsOneLineWithTheNearestCommandAndExitTwo) {
  Streams s = run("rn --suite xor");
  EXPECT_EQ(s.exit_code, 2);
  EXPECT_EQ(s.err, "error: unknown command 'rn', did you mean 'run'?\n");
  EXPECT_EQ(s.out, "");
  s = run("lsit");
  EXPECT_EQ(s.err, "error: unknown command 'lsit', did you mean 'list'?\n");
  s = run("baseline updte");
  EXPECT_EQ(s.exit_code, 2);
  EXPECT_EQ(s.err, "error: unknown command 'baseline updte', did you mean 'baseline update'?\n");

  // Nothing close: no guess, the commands there are.
  s = run("frobnicate");
  EXPECT_EQ(s.exit_code, 2);
  EXPECT_EQ(lines_of(s.err).size(), 1u) << s.err;
  EXPECT_NE(s.err.find("error: unknown command 'frobnicate'"), std::string::npos) << s.err;
  EXPECT_EQ(s.err.find("did you mean"), std::string::npos) << s.err;
  EXPECT_NE(s.err.find("run, validate, list"), std::string::npos) << s.err;
}

TEST(CliHabits, ASuiteIsGivenByTheNameListShowsOrByPath) {
  ScratchDir dir;
  const std::string out = dir.path() + "/out", golden = dir.path() + "/golden";
  ASSERT_NE(run("list").out.find("  xor "), std::string::npos);
  const Streams s = run("run --suite xor --target host --repetitions 1 --out " + quoted(out) + " --golden-dir " +
                        quoted(golden));
  EXPECT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(read_text(out + "/report.csv").find("\nxor,host,"), std::string::npos);
  const nlohmann::json report = nlohmann::json::parse(read_text(out + "/report.json"));
  EXPECT_EQ(report["runs"][0]["suite_file"], source_dir() + "/suites/xor.json");

  const Streams v = run("validate kws");
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.out.find("ok: " + source_dir() + "/suites/kws.json ("), std::string::npos) << v.out;

  // A name that is no suite: one line naming the suites there are, and nothing written.
  for (const std::string& command :
       std::vector<std::string>{"run --suite no_such_suite --out " + quoted(out + "2"), "validate no_such_suite"}) {
    const Streams bad = run(command);
    EXPECT_EQ(bad.exit_code, 2) << command;
    EXPECT_EQ(lines_of(bad.err).size(), 1u) << bad.err;
    EXPECT_NE(bad.err.find("suite \"no_such_suite\": no such suite in " + source_dir() + "/suites (known: "),
              std::string::npos)
        << bad.err;
    EXPECT_NE(bad.err.find(", kws, "), std::string::npos) << bad.err;
  }
  EXPECT_FALSE(fs::exists(out + "2"));
}

TEST(CliHabits, ValidateOnAFolderChecksEverySuiteInItAsListFindsThem) {
  ScratchDir dir;
  const std::string folder = dir.path() + "/suites";
  dir.write("suites/a_good.json", lenient_tiny_suite().dump());
  nlohmann::json bad = tiny_suite();
  bad["layers"][0]["kernel"] = 0;
  bad["gates"]["min_top1_agreement"] = 2;
  dir.write("suites/b_bad.json", bad.dump());
  dir.write("suites/c_good.json", lenient_tiny_suite().dump());
  // Not suites, skipped as list skips them.
  dir.write("suites/presets.json", "{\"presets\": {}}");
  dir.write("suites/suite.schema.json", "{}");
  dir.write("suites/notes.txt", "not json");

  const Streams s = run("validate " + quoted(folder));
  EXPECT_EQ(s.exit_code, 2);
  EXPECT_EQ(lines_of(s.out), (std::vector<std::string>{
                                 "ok: " + folder + "/a_good.json (3 layers, output 1x1x1x3)",
                                 "ok: " + folder + "/c_good.json (3 layers, output 1x1x1x3)"}))
      << s.out;
  // Every problem of the file, one line each.
  ASSERT_EQ(lines_of(s.err).size(), 2u) << s.err;
  EXPECT_NE(s.err.find(folder + "/b_bad.json: /layers/0/kernel: expected"), std::string::npos) << s.err;
  EXPECT_NE(s.err.find(folder + "/b_bad.json: /gates/min_top1_agreement: expected a number in 0..1, got 2"),
            std::string::npos)
      << s.err;

  // `run` says the same, each line marked as an error.
  const Streams r = run("run --suite " + quoted(folder + "/b_bad.json") + " --out " + quoted(dir.path() + "/out"));
  EXPECT_EQ(r.exit_code, 2);
  const std::vector<std::string> run_errors = lines_of(r.err);
  ASSERT_EQ(run_errors.size(), 2u) << r.err;
  for (const std::string& line : run_errors) EXPECT_EQ(line.rfind("error: " + folder + "/b_bad.json: /", 0), 0u) << line;

  fs::remove(folder + "/b_bad.json");
  const Streams good = run("validate " + quoted(folder) + " xor");
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(lines_of(good.out).size(), 3u) << good.out;

  fs::create_directories(dir.path() + "/empty");
  const Streams empty = run("validate " + quoted(dir.path() + "/empty"));
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_EQ(empty.err, dir.path() + "/empty: expected suite files (*.json), got none in this folder\n");
}

// `qbench run ... > results.txt` holds the summary table and the closing line; progress,
// warnings and errors are on stderr.
TEST(CliHabits, ResultsGoToStdoutTheLogToStderrAndOneClosingLineEndsStdout) {
  ScratchDir dir;
  const std::string suite = dir.write("tiny.json", lenient_tiny_suite().dump());
  const std::string args = "run --suite " + quoted(suite) + " --target host --repetitions 1 --golden-dir " +
                           quoted(dir.path() + "/golden") + " --out " + quoted(dir.path() + "/out");
  const Streams s = run(args);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const std::vector<std::string> out = lines_of(s.out);
  ASSERT_GE(out.size(), 3u) << s.out;
  EXPECT_EQ(out[1].rfind("suite ", 0), 0u) << s.out;
  EXPECT_EQ(out[2].rfind("tiny ", 0), 0u) << s.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(out.back(), m, kClosingLine)) << out.back();
  EXPECT_EQ(m[1], "1");
  EXPECT_FALSE(m[2].matched) << out.back();
  for (const auto& line : out) {
    for (const char* level : {"info:", "warning:", "error:", "debug:"}) {
      EXPECT_EQ(line.rfind(level, 0), std::string::npos) << line;
    }
  }
  EXPECT_NE(s.err.find("info: [1/1] tiny on host: passed"), std::string::npos) << s.err;
  EXPECT_NE(s.err.find("warning: no golden for tiny yet"), std::string::npos) << s.err;
  EXPECT_NE(s.err.find("info: reports: "), std::string::npos) << s.err;
  EXPECT_EQ(s.err.find("\x1b["), std::string::npos) << "colour on a pipe";

  // -q: the warnings alone on stderr (the missing golden's), the results unchanged.
  const Streams quiet = run(args + " -q");
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(lines_of(quiet.err).size(), 1u) << quiet.err;
  EXPECT_EQ(lines_of(quiet.out).size(), out.size()) << quiet.out;
}

// Every way a pair fails, counted by kind in the closing line; gate and target failures
// are errors on stderr.
TEST(CliHabits, TheClosingLineCountsFailuresByKind) {
  ScratchDir dir;
  const std::string golden = dir.path() + "/golden", out = dir.path() + "/out";
  const std::string tiny = dir.write("tiny.json", lenient_tiny_suite().dump());
  nlohmann::json strict_suite = tiny_suite();
  strict_suite["name"] = "strict";
  strict_suite["gates"]["min_sqnr_db"] = 200.0;  // above anything int8 can reach
  const std::string strict = dir.write("strict.json", strict_suite.dump());
  const std::string common = " --repetitions 1 --golden-dir " + quoted(golden) + " --out " + quoted(out);
  ASSERT_EQ(run("run --suite " + quoted(tiny) + " --target host --update-golden" + common).exit_code, 0);
  std::string recorded = read_text(golden + "/tiny.golden");
  const size_t at = recorded.find("test 0: ");
  ASSERT_NE(at, std::string::npos) << recorded;
  recorded.insert(at + 8, "1");
  std::ofstream(golden + "/tiny.golden", std::ios::binary) << recorded;

  // The runner images of the Blue Pill's core only: cortex-m4 has none, a target failure.
  const std::string images = dir.path() + "/images";
  fs::create_directories(images);
  fs::create_directory_symlink(std::string(QB_TARGET_IMAGES_DIR) + "/cortex-m3", images + "/cortex-m3");

  const Streams s = run("run --suite " + quoted(tiny) + " --suite " + quoted(strict) +
                            " --suite mlperf_ad --target host --target cortex-m4 --board bluepill-f103c8" + common,
                        "QB_TARGET_IMAGES_DIR=" + quoted(images) + " ");
  EXPECT_EQ(s.exit_code, 3) << s.err;
  const std::vector<std::string> lines = lines_of(s.out);
  ASSERT_FALSE(lines.empty());
  std::smatch m;
  ASSERT_TRUE(std::regex_match(lines.back(), m, kClosingLine)) << s.out;
  EXPECT_EQ(m[1], "1") << lines.back();  // mlperf_ad on host
  EXPECT_EQ(m[3], "8") << lines.back();
  EXPECT_EQ(m[4], "2 gate, 2 golden, 3 target, 1 board") << lines.back();

  EXPECT_NE(s.err.find("error: gate failed: strict on host: min_sqnr_db = "), std::string::npos) << s.err;
  EXPECT_EQ(s.out.find("gate failed"), std::string::npos) << s.out;
  EXPECT_NE(s.err.find("tiny on cortex-m4: target failed: cortex-m4: runner image "), std::string::npos) << s.err;
  EXPECT_NE(s.err.find("error: mlperf_ad on bluepill-f103c8: flash "), std::string::npos) << s.err;
  EXPECT_NE(s.err.find("error: golden mismatch for tiny on host"), std::string::npos) << s.err;

  // --require-golden: a missing golden is a golden failure in the line as in the exit code.
  const Streams required = run("run --suite " + quoted(strict) + " --target host --require-golden" + common);
  EXPECT_EQ(required.exit_code, 1);
  EXPECT_NE(required.out.find("qbench: 0 passed, 1 failed (1 gate, 1 golden) in "), std::string::npos)
      << required.out;
}

// The runner images of cortex-m4 under a folder whose name a shell splits.
std::string images_with_a_space(const ScratchDir& dir) {
  const std::string images = dir.path() + "/im ages";
  fs::create_directories(images);
  fs::create_directory_symlink(std::string(QB_TARGET_IMAGES_DIR) + "/cortex-m4", images + "/cortex-m4");
  return images;
}

TEST(CliHabits, VerboseShowsEachQemuCommandLineShellQuoted) {
  ScratchDir dir;
  const std::string images = images_with_a_space(dir);
  const std::string suite = dir.write("tiny.json", lenient_tiny_suite().dump());
  const std::string args = "run --suite " + quoted(suite) + " --target cortex-m4 --golden-dir " +
                           quoted(dir.path() + "/golden") + " --out " + quoted(dir.path() + "/out");
  const std::string env = "QB_TARGET_IMAGES_DIR=" + quoted(images) + " ";
  const Streams s = run(args + " -v", env);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const size_t at = s.err.find("debug: cortex-m4: in ");
  ASSERT_NE(at, std::string::npos) << s.err;
  const std::string line = s.err.substr(at, s.err.find('\n', at) - at);
  EXPECT_NE(line.find("qemu-system-arm -M mps2-an386 "), std::string::npos) << line;
  EXPECT_NE(line.find(" -kernel '" + images + "/cortex-m4/qb_runner.elf' "), std::string::npos) << line;
  EXPECT_NE(line.find(" -plugin "), std::string::npos) << line;

  const Streams plain = run(args, env);
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.err.find("qemu-system-arm"), std::string::npos) << plain.err;
}

TEST(CliHabits, ColourFollowsColorAndNoColor) {
  ScratchDir dir;
  const std::string suite = dir.write("tiny.json", lenient_tiny_suite().dump());
  const std::string args = "run --suite " + quoted(suite) + " --target host --repetitions 1 --golden-dir " +
                           quoted(dir.path() + "/golden") + " --out " + quoted(dir.path() + "/out");
  const std::string ansi = "\x1b[";
  EXPECT_NE(run(args + " --color=always").err.find(ansi + "32minfo"), std::string::npos);
  EXPECT_NE(run(args + " --color always", "NO_COLOR=1 ").err.find(ansi), std::string::npos) << "--color wins";
  EXPECT_EQ(run(args + " --color=never").err.find(ansi), std::string::npos);
  EXPECT_EQ(run(args).err.find(ansi), std::string::npos) << "auto on a pipe";
  EXPECT_EQ(run(args + " --color=sometimes").exit_code, 2);

  // auto on a terminal: colour, unless NO_COLOR is set (util-linux `script` gives a pty).
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "no `script` for a terminal";
  auto on_a_terminal = [&](const std::string& env) {
    const std::string inner =
        env + quoted(qbench_binary()) + " --root " + quoted(source_dir()) + " " + args + " >/dev/null";
    std::string escaped;
    for (char c : inner) escaped += c == '\'' ? std::string("'\\''") : std::string(1, c);
    const std::string log = dir.path() + "/typescript";
    const int status = std::system(("script -qec '" + escaped + "' " + quoted(log) + " >/dev/null 2>&1").c_str());
    EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0) << env;
    return read_text(log);
  };
  EXPECT_NE(on_a_terminal("").find(ansi + "32minfo"), std::string::npos);
  const std::string no_color = on_a_terminal("NO_COLOR=1 ");
  EXPECT_NE(no_color.find("info: "), std::string::npos) << no_color;
  EXPECT_EQ(no_color.find(ansi), std::string::npos) << no_color;
}

// Without --out, the reports go where this build's go, under the --root given.
TEST(CliHabits, OutFollowsRoot) {
  ScratchDir root;
  root.write("suites/tiny.json", lenient_tiny_suite().dump());
  root.write("targets/targets.json", read_text(source_dir() + "/targets/targets.json"));
  fs::copy(source_dir() + "/targets/cycle_models", root.path() + "/targets/cycle_models", fs::copy_options::recursive);
  const Streams s = run("run --suite tiny --target host --repetitions 1", "", root.path());
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const fs::path build = fs::path(QB_BINARY_DIR).lexically_relative(QB_SOURCE_DIR);
  const fs::path under = build.empty() || *build.begin() == ".." ? fs::path("build") : build;
  const std::string expected = (fs::path(root.path()) / under / "reports").lexically_normal().string();
  EXPECT_TRUE(fs::is_regular_file(expected + "/report.json")) << s.err;
  EXPECT_NE(s.err.find("info: reports: " + expected + "/report.csv"), std::string::npos) << s.err;
  EXPECT_NE(run("run --help", "", root.path()).out.find("same place under --root"), std::string::npos);
}

// qb_kernels_bench sits beside qbench in the build tree (when Google Benchmark is installed).
std::string kernels_bench() {
  const fs::path build = fs::path(qbench_binary()).parent_path().parent_path();
  return (build / "kernels" / "bench" / "qb_kernels_bench").string();
}

Streams run_bench(const std::string& args) {
  ScratchDir capture;
  const std::string out = capture.path() + "/stdout", err = capture.path() + "/stderr";
  const int status =
      std::system((quoted(kernels_bench()) + " " + args + " >" + quoted(out) + " 2>" + quoted(err)).c_str());
  return Streams{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(out), read_text(err)};
}

TEST(CliHabits, KernelBenchListTestsPrintsOnlyTheList) {
  if (!fs::exists(kernels_bench())) GTEST_SKIP() << "no " << kernels_bench() << " (Google Benchmark not installed)";
  const Streams s = run_bench("--benchmark_list_tests");
  EXPECT_EQ(s.exit_code, 0) << s.err;
  const std::vector<std::string> lines = lines_of(s.out);
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines) EXPECT_TRUE(std::regex_match(line, std::regex(R"(\w+/[\w.]+/\w+)"))) << line;
  EXPECT_NE(s.out.find("add/32x32x32/reference\n"), std::string::npos) << s.out;
  EXPECT_EQ(s.err.find("Median"), std::string::npos) << s.err;
}

TEST(CliHabits, KernelBenchContextSaysTheDebugLibraryIsNotTheBenchmark) {
  if (!fs::exists(kernels_bench())) GTEST_SKIP() << "no " << kernels_bench() << " (Google Benchmark not installed)";
  const Streams s = run_bench(
      "--benchmark_filter='^add/32x32x32/reference$' --benchmark_format=json --benchmark_min_time=0.001 "
      "--benchmark_repetitions=1");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const nlohmann::json doc = nlohmann::json::parse(s.out);
  const auto& context = doc["context"];
  ASSERT_TRUE(context.contains("library_build_type_note")) << context.dump(2);
  EXPECT_NE(context["library_build_type_note"].get<std::string>().find("Google Benchmark library"),
            std::string::npos);
  EXPECT_TRUE(context.contains("qb_build_type"));
  ASSERT_EQ(doc["benchmarks"].size(), 1u);
}

}  // namespace
}  // namespace qb::harness
