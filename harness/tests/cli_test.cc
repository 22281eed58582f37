// The qbench binary as a user meets it: exit codes, one-line errors, reports that are
// complete or absent, and goldens that only --update-golden rewrites.
#include <sys/stat.h>
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

#include "harness/tests/cli_test_support.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;
using testing::source_dir;
using testing::tiny_suite;

using testing::Outcome;
using testing::qbench;
using testing::read_text;
using testing::split;

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
                                 "all", "ci", "boards (", "nucleo-l4r5zi", "bluepill-f103c8"}) {
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

// A path that is not a readable regular file is one line in the `file: what` form, and
// nothing is read from a device or FIFO (which could be endless or block).
TEST(Cli, ASuitePathThatIsNoRegularFileIsOneLine) {
  Workspace ws;
  const std::string fifo = ws.dir.path() + "/fifo.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::pair<std::string, std::string> cases[] = {
      {"run --suite '" + ws.dir.path() + "/missing.json' --out '" + ws.out + "'",
       ws.dir.path() + "/missing.json: expected a readable file, got No such file or directory"},
      {"run --suite '" + ws.dir.path() + "' --out '" + ws.out + "'",
       ws.dir.path() + ": expected a readable file, got a directory"},
      {"run --suite '" + fifo + "' --out '" + ws.out + "'", fifo + ": expected a readable file, got a FIFO"},
      {"validate /dev/zero", "/dev/zero: expected a readable file, got a character device"},
  };
  for (const auto& [command, said] : cases) {
    const Outcome o = qbench(command);
    EXPECT_EQ(o.exit_code, 2) << command << "\n" << o.output;
    EXPECT_EQ(split(o.output, '\n').size(), 1u) << o.output;
    EXPECT_NE(o.output.find(said), std::string::npos) << o.output;
  }
  EXPECT_FALSE(fs::exists(ws.out));
}

TEST(Cli, UnknownTargetOrPresetOrMissingArgumentsExitTwo) {
  Workspace ws;
  EXPECT_EQ(qbench(ws.run_args("--target no-such-board")).exit_code, 2);
  EXPECT_EQ(qbench("run --preset no-such-preset --out '" + ws.out + "'").exit_code, 2);
  EXPECT_EQ(qbench("run --out '" + ws.out + "'").exit_code, 2);
  EXPECT_EQ(qbench("frobnicate").exit_code, 2);
  EXPECT_FALSE(fs::exists(ws.out));
}

// A board holds the run against its datasheet: a model too big for the part fails that pair
// (exit 1) with one line naming what is short, the pair that fits passes, and the reports
// carry the verdict. A target given as a board, or a board as a target, is bad input.
TEST(Cli, ABoardSaysWhetherTheModelFitsAndFailsOnlyThePairThatDoesNot) {
  Workspace ws;
  const std::string suite = source_dir() + "/suites/mlperf_ad.json";
  const std::string args = "run --suite '" + suite + "' --out '" + ws.out + "' --repetitions 1 ";
  const Outcome o = qbench(args + "--board nucleo-l4r5zi --board bluepill-f103c8");
  EXPECT_EQ(o.exit_code, 1) << o.output;
  const std::string said = "error: mlperf_ad on bluepill-f103c8: flash ";
  const size_t at = o.output.find(said);
  ASSERT_NE(at, std::string::npos) << o.output;
  const std::string line = o.output.substr(at, o.output.find('\n', at) - at);
  EXPECT_NE(line.find(" KiB needed, 64 KiB available"), std::string::npos) << line;
  EXPECT_EQ(o.output.find("mlperf_ad on nucleo-l4r5zi: flash"), std::string::npos) << o.output;

  const nlohmann::json report = nlohmann::json::parse(read_text(ws.out + "/report.json"));
  ASSERT_EQ(report["runs"].size(), 2u);
  for (const auto& run : report["runs"]) {
    const bool small = run["target"] == "bluepill-f103c8";
    EXPECT_EQ(run["board"]["fits"], !small) << run["target"];
    EXPECT_EQ(run["passed"], !small) << run["target"];
    const auto& total = run["total"];
    EXPECT_EQ(total["fits"], small ? 0 : 1);
    EXPECT_GT(total["est_us"].get<double>(), 0.0);
    EXPECT_GT(total["harness_flash_bytes"].get<int64_t>(), 0);
  }

  EXPECT_EQ(qbench(args + "--board nucleo-l4r5zi").exit_code, 0);
  const Outcome target_as_board = qbench(args + "--board cortex-m4");
  EXPECT_EQ(target_as_board.exit_code, 2) << target_as_board.output;
  EXPECT_EQ(split(target_as_board.output, '\n').size(), 1u) << target_as_board.output;
  EXPECT_NE(target_as_board.output.find("cortex-m4 is a target, not a board (use --target)"), std::string::npos);
  EXPECT_EQ(qbench(args + "--target nucleo-l4r5zi").exit_code, 2);
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
  EXPECT_EQ(header.size(), 38u);
  EXPECT_EQ(header[0], "suite");
  EXPECT_EQ(header[7], "insns");
  EXPECT_EQ(header[10], "est_us");
  EXPECT_EQ(header[11], "time_ns");
  EXPECT_EQ(header[12], "time_ns_iqr");
  EXPECT_EQ(header[13], "time_ns_q1");
  EXPECT_EQ(header[14], "time_ns_q3");
  EXPECT_EQ(header[23], "harness_flash_bytes");
  EXPECT_EQ(header[27], "fits");
  int totals = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    // A trailing empty column is dropped by getline, so count separators instead.
    EXPECT_EQ(std::count(lines[i].begin(), lines[i].end(), ','), 37) << lines[i];
    if (lines[i].find(",TOTAL,") != std::string::npos) ++totals;
  }
  EXPECT_EQ(totals, 1);

  const nlohmann::json report = nlohmann::json::parse(read_text(ws.out + "/report.json"));
  for (const std::string key : {"git_sha", "compiler", "cxx_flags", "date_utc"}) {
    EXPECT_TRUE(report.dump().find("\"" + key + "\"") != std::string::npos) << key;
  }
  EXPECT_NE(report.dump().find("suite_hash"), std::string::npos);
}

// Host wall time over repetitions: the median between the first and third quartiles, which
// are two of the measured repetitions (nearest rank), and the IQR exactly their difference.
TEST(Cli, HostTimeHasItsMedianQuartilesAndIqr) {
  Workspace ws;
  const Outcome o = qbench("run --suite '" + ws.suite + "' --out '" + ws.out + "' --golden-dir '" + ws.golden +
                           "' --repetitions 8");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const nlohmann::json report = nlohmann::json::parse(read_text(ws.out + "/report.json"));
  size_t rows = 0;
  for (const auto& run : report["runs"]) {
    std::vector<nlohmann::json> all(run["layers"].begin(), run["layers"].end());
    all.push_back(run["total"]);
    for (const auto& row : all) {
      ASSERT_TRUE(row["time_ns"].is_number() && row["time_ns_q1"].is_number() && row["time_ns_q3"].is_number() &&
                  row["time_ns_iqr"].is_number())
          << row.dump();
      const double median = row["time_ns"], q1 = row["time_ns_q1"], q3 = row["time_ns_q3"];
      EXPECT_GT(q1, 0.0) << row.dump();
      EXPECT_LE(q1, median) << row.dump();
      EXPECT_LE(median, q3) << row.dump();
      EXPECT_EQ(row["time_ns_iqr"].get<double>(), q3 - q1) << row.dump();
      ++rows;
    }
  }
  EXPECT_EQ(rows, 4u);  // three layers and TOTAL
  EXPECT_NE(read_text(ws.out + "/report.csv").find(",time_ns,time_ns_iqr,time_ns_q1,time_ns_q3,"), std::string::npos);
}

// A real .tflite model run as a suite of its own, and the ways its input can be bad.
std::string model_file(const std::string& name) { return source_dir() + "/models/" + name; }

// Bad input's one line, and nothing else, goes to stderr.
Outcome qbench_errors(const std::string& args) { return qbench(args, " 2>&1 >/dev/null"); }

TEST(Cli, RunModelWritesTheReports) {
  Workspace ws;
  const Outcome o = qbench("run --model '" + model_file("hello_world_int8.tflite") + "' --target host --out '" +
                           ws.out + "' --golden-dir '" + ws.golden + "' --repetitions 1");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const std::string csv = read_text(ws.out + "/report.csv");
  EXPECT_NE(csv.find("hello_world_int8,host,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",TOTAL,"), std::string::npos) << csv;
  EXPECT_TRUE(fs::exists(ws.out + "/report.json"));
  EXPECT_FALSE(fs::exists(ws.golden)) << "a plain run recorded a golden";
}

TEST(Cli, CorruptedModelIsOneLineAndExitTwoAndNoReport) {
  Workspace ws;
  std::string bytes = read_text(model_file("hello_world_int8.tflite"));
  ASSERT_GT(bytes.size(), 8u);
  bytes[0] = bytes[1] = bytes[2] = '\x7f';  // the root offset now points past the file
  const std::string bad = ws.dir.write("damaged.tflite", bytes);
  const Outcome o = qbench_errors("run --model '" + bad + "' --target host --out '" + ws.out +
                                  "' --golden-dir '" + ws.golden + "'");
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_EQ(split(o.output, '\n').size(), 1u) << o.output;
  EXPECT_NE(o.output.find(bad + ": the flatbuffer failed verification"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(ws.out)) << "a failed run left a report behind";

  // A suite naming the damaged file: the same line from validate.
  nlohmann::json suite = {{"name", "damaged"},
                          {"model", {{"tflite", "damaged.tflite"}}},
                          {"data", {{"test", {{"samples", 2}, {"inputs", {{"generator", "uniform"}, {"seed", 1}}}}}}}};
  const Outcome v = qbench_errors("validate '" + ws.dir.write("damaged.json", suite.dump()) + "'");
  EXPECT_EQ(v.exit_code, 2) << v.output;
  EXPECT_EQ(split(v.output, '\n').size(), 1u) << v.output;
  EXPECT_NE(v.output.find(bad + ": the flatbuffer failed verification"), std::string::npos) << v.output;
}

TEST(Cli, FloatModelWithoutModelExitsTwo) {
  Workspace ws;
  const Outcome o = qbench_errors("run --float-model '" + model_file("vww_96_float.tflite") + "' --out '" +
                                  ws.out + "'");
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_EQ(split(o.output, '\n').size(), 1u) << o.output;
  EXPECT_FALSE(fs::exists(ws.out));
}

TEST(Cli, ValidateAcceptsTheModelSuites) {
  const std::string dir = source_dir() + "/suites/";
  const Outcome o = qbench("validate " + dir + "mlperf_vww.json " + dir + "hello_world.json " + dir +
                           "micro_speech.json " + dir + "person_detect.json");
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("ok: " + dir + "mlperf_vww.json (31 layers from"), std::string::npos) << o.output;
}

TEST(Cli, BadModelSuiteIsOneLineWithFileAndJsonPathAndExitTwo) {
  Workspace ws;
  const nlohmann::json good = {
      {"name", "hello"},
      {"model", {{"tflite", model_file("hello_world_int8.tflite")}}},
      {"data", {{"test", {{"samples", 2}, {"inputs", {{"generator", "uniform"}, {"seed", 1}}}}}}}};
  ASSERT_EQ(qbench("validate '" + ws.dir.write("good.json", good.dump()) + "'").exit_code, 0);

  struct Case {
    std::string name, json_path, expected;
    nlohmann::json suite;
  };
  std::vector<Case> cases;
  cases.push_back({"unknown_key", "/model/int8", "got unknown key \"int8\"", good});
  cases.back().suite["model"]["int8"] = "x.tflite";
  cases.push_back({"layers", "/layers", "got unknown key \"layers\"", good});
  cases.back().suite["layers"] = nlohmann::json::array();
  cases.push_back({"missing_model_file", "/model",
                   "expected an object with \"tflite\" and/or \"float_tflite\", got {}", good});
  cases.back().suite["model"].erase("tflite");
  cases.push_back({"float_without_calibration", "/data", "(qbench quantizes the float model with it)", good});
  cases.back().suite["model"] = {{"float_tflite", model_file("vww_96_float.tflite")}};
  cases.push_back({"no_such_file", "/model/tflite", "no such file", good});
  cases.back().suite["model"]["tflite"] = "models/none.tflite";
  cases.push_back({"no_such_twin", "/model/float_tflite", "no such file", good});
  cases.back().suite["model"]["float_tflite"] = "none_float.tflite";
  for (const Case& c : cases) {
    const std::string file = ws.dir.write(c.name + ".json", c.suite.dump());
    for (const std::string& command : {"validate '" + file + "'",
                                       "run --suite '" + file + "' --out '" + ws.out + "'"}) {
      const Outcome o = qbench_errors(command);
      EXPECT_EQ(o.exit_code, 2) << command << o.output;
      EXPECT_EQ(split(o.output, '\n').size(), 1u) << o.output;
      EXPECT_NE(o.output.find(file + ": " + c.json_path + ": "), std::string::npos) << o.output;
      EXPECT_NE(o.output.find(c.expected), std::string::npos) << o.output;
    }
  }
  EXPECT_FALSE(fs::exists(ws.out)) << "a failed run left a report behind";
}

}  // namespace
}  // namespace qb::harness
