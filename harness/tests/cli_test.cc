// The qbench binary as a user meets it: exit codes, one-line errors, reports that are
// complete or absent, and goldens that only --update-golden rewrites.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;
using testing::source_dir;
using testing::tiny_suite;

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

std::string qbench_binary() {
  if (const char* env = std::getenv("QBENCH_BIN"); env != nullptr && *env != '\0') return env;
  return QBENCH_BIN;
}

Outcome qbench(const std::string& args) {
  const std::string command =
      qbench_binary() + " --root '" + source_dir() + "' " + args + " 2>&1";
  Outcome outcome;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return outcome;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) outcome.output.append(buffer, n);
  const int status = ::pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

// Four calibration samples clip the tiny suite's test set to about 11 dB; these tests are
// about the CLI, not accuracy.
nlohmann::json lenient_tiny_suite() {
  nlohmann::json suite = tiny_suite();
  suite["gates"]["min_sqnr_db"] = 5.0;
  return suite;
}

// A scratch folder with the tiny suite, an output folder and an empty golden folder.
struct Workspace {
  ScratchDir dir;
  std::string suite = dir.write("tiny.json", lenient_tiny_suite().dump());
  std::string out = dir.path() + "/out";
  std::string golden = dir.path() + "/golden";
  std::string run_args(const std::string& extra = "") const {
    return "run --suite '" + suite + "' --out '" + out + "' --golden-dir '" + golden +
           "' --repetitions 1 " + extra;
  }
};

TEST(Cli, HelpIsAvailableOnEveryCommand) {
  for (const std::string command : {"", "run ", "validate ", "list "}) {
    const Outcome o = qbench(command + "--help");
    EXPECT_EQ(o.exit_code, 0) << command << o.output;
    EXPECT_NE(o.output.find("Usage"), std::string::npos) << command;
  }
  EXPECT_NE(qbench("run --help").output.find("--update-golden"), std::string::npos);
}

TEST(Cli, ListNamesEveryCommittedSuiteTargetAndPreset) {
  const Outcome o = qbench("list");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  for (const std::string name : {"mobilenetv2", "resnet18_block", "kws", "xor", "host", "quick",
                                 "all", "ci"}) {
    EXPECT_NE(o.output.find(name), std::string::npos) << name;
  }
}

TEST(Cli, ValidateAcceptsTheCommittedSuites) {
  const std::string dir = source_dir() + "/suites/";
  const Outcome o = qbench("validate " + dir + "mobilenetv2.json " + dir + "resnet18_block.json " +
                           dir + "kws.json " + dir + "xor.json");
  EXPECT_EQ(o.exit_code, 0) << o.output;
}

TEST(Cli, BadSuiteIsOneLineWithFileAndJsonPathAndExitTwo) {
  Workspace ws;
  nlohmann::json bad = tiny_suite();
  bad["layers"][0]["kernel"] = 0;
  const std::string file = ws.dir.write("bad.json", bad.dump());
  for (const std::string command : {"validate '" + file + "'",
                                    "run --suite '" + file + "' --out '" + ws.out + "'"}) {
    const Outcome o = qbench(command);
    EXPECT_EQ(o.exit_code, 2) << command << o.output;
    EXPECT_NE(o.output.find(file + ": /layers/0/kernel: expected"), std::string::npos) << o.output;
    EXPECT_EQ(split(o.output, '\n').size(), 1u) << o.output;
  }
  EXPECT_FALSE(fs::exists(ws.out)) << "a failed run left a report behind";
}

TEST(Cli, UnknownTargetOrPresetOrMissingArgumentsExitTwo) {
  Workspace ws;
  EXPECT_EQ(qbench(ws.run_args("--target no-such-board")).exit_code, 2);
  EXPECT_EQ(qbench("run --preset no-such-preset --out '" + ws.out + "'").exit_code, 2);
  EXPECT_EQ(qbench("run --out '" + ws.out + "'").exit_code, 2);
  EXPECT_EQ(qbench("frobnicate").exit_code, 2);
  EXPECT_FALSE(fs::exists(ws.out));
}

TEST(Cli, GoldenIsRecordedOnlyOnRequestThenCheckedByteForByte) {
  Workspace ws;
  // No golden yet: a warning, not a failure, unless --require-golden.
  EXPECT_EQ(qbench(ws.run_args()).exit_code, 0);
  EXPECT_FALSE(fs::exists(ws.golden + "/tiny.golden"));
  EXPECT_EQ(qbench(ws.run_args("--require-golden")).exit_code, 1);

  ASSERT_EQ(qbench(ws.run_args("--update-golden")).exit_code, 0);
  const std::string golden_file = ws.golden + "/tiny.golden";
  const std::string recorded = read_text(golden_file);
  ASSERT_FALSE(recorded.empty());
  EXPECT_EQ(qbench(ws.run_args("--require-golden")).exit_code, 0);

  // One changed output value is a failure with a diff naming the line.
  const size_t at = recorded.find("test 0: ");
  ASSERT_NE(at, std::string::npos) << recorded;
  std::string tampered = recorded;
  tampered.insert(at + 8, "1");
  std::ofstream(golden_file, std::ios::binary) << tampered;
  const Outcome o = qbench(ws.run_args());
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("golden mismatch"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("test 0: "), std::string::npos) << o.output;
  EXPECT_EQ(read_text(golden_file), tampered) << "a plain run rewrote the golden";
}

TEST(Cli, FailedGateExitsOne) {
  Workspace ws;
  nlohmann::json strict = tiny_suite();
  strict["gates"]["min_sqnr_db"] = 200.0;  // above anything int8 can reach
  ws.suite = ws.dir.write("strict.json", strict.dump());
  const Outcome o = qbench(ws.run_args());
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("gate failed: tiny on host: min_sqnr_db"), std::string::npos) << o.output;
}

TEST(Cli, CsvHasFixedColumnsAndATotalRowAndJsonHasProvenance) {
  Workspace ws;
  ASSERT_EQ(qbench(ws.run_args()).exit_code, 0);
  const std::vector<std::string> lines = split(read_text(ws.out + "/report.csv"), '\n');
  ASSERT_GE(lines.size(), 5u);  // header, three layers, TOTAL
  const std::vector<std::string> header = split(lines[0], ',');
  EXPECT_EQ(header.size(), 25u);
  EXPECT_EQ(header[0], "suite");
  EXPECT_EQ(header[7], "insns");
  EXPECT_EQ(header[10], "time_ns");
  int totals = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    // A trailing empty column is dropped by getline, so count separators instead.
    EXPECT_EQ(std::count(lines[i].begin(), lines[i].end(), ','), 24) << lines[i];
    if (lines[i].find(",TOTAL,") != std::string::npos) ++totals;
  }
  EXPECT_EQ(totals, 1);

  const nlohmann::json report = nlohmann::json::parse(read_text(ws.out + "/report.json"));
  for (const std::string key : {"git_sha", "compiler", "cxx_flags", "date_utc"}) {
    EXPECT_TRUE(report.dump().find("\"" + key + "\"") != std::string::npos) << key;
  }
  EXPECT_NE(report.dump().find("suite_hash"), std::string::npos);
}

}  // namespace
}  // namespace qb::harness
