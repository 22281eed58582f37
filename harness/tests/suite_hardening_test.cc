// Inputs that once crashed qbench, hung it, read without bound or ended in exit 3 or NaN:
// each is now one InputError line (exit 2) or a run with finite figures. The random part
// replays suites with parameters between 1e-3 and 1e3 and degenerate data, the mix that
// used to fail the compile step in about one suite in five.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "harness/pipeline/suite_pipeline.h"
#include "harness/suite/graph_builder.h"
#include "harness/suite/input_error.h"
#include "harness/suite/suite_loader.h"
#include "harness/targets/host_target.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

using nlohmann::json;
using testing::ScratchDir;
using testing::tiny_suite;

// The one line a suite gets, or "" when it is accepted.
std::string error_of(const std::string& text, const std::string& dir = ".") {
  try {
    build_graph(parse_suite_text(text, "s.json", dir));
    return "";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
}

std::string load_error(const std::string& path) {
  try {
    load_suite(path);
    return "";
  } catch (const InputError& e) {
    return e.what();
  }
}

TEST(SuiteHardening, DeepNestingIsRefusedBeforeItIsParsed) {
  // 100,000 levels once crashed the value flattening (stack) and cost ~2 GB.
  json suite = tiny_suite();
  std::string text = suite.dump();
  const std::string deep = std::string(100000, '[') + "1" + std::string(100000, ']');
  text.replace(text.find("\"layers\""), 0, "\"x\": " + deep + ", ");
  const auto t0 = std::chrono::steady_clock::now();
  const std::string e = error_of(text);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_NE(e.find("s.json: line 1, column "), std::string::npos) << e;
  EXPECT_NE(e.find(": expected JSON nested at most 64 deep, got deeper"), std::string::npos) << e;
  // The format itself nests a few levels: a values array nested 10 deep is still fine.
  json ok = tiny_suite();
  json values = json::array({0.5});
  for (int i = 0; i < 10; ++i) values = json::array({values});
  ok["layers"][2]["bias"] = {{"generator", "values"}, {"values", json::array({values, 0.1, 0.2})}};
  EXPECT_EQ(error_of(ok.dump()), "");
}

// Found by the suite fuzzer (fuzz/): a long bad token overflowed the stack of the
// std::regex that took the parser's message apart, and the token made the line long.
TEST(SuiteHardening, ALongBadTokenIsAShortLine) {
  const std::string text = "{\"name\": " + std::string(100000, 'w') + "}";
  const std::string e = error_of(text);
  EXPECT_EQ(e.rfind("s.json: line 1, column ", 0), 0u) << e.substr(0, 200);
  EXPECT_NE(e.find("expected valid JSON, got a syntax error (invalid literal"), std::string::npos) << e.substr(0, 200);
  EXPECT_LT(e.size(), 300u);
  const std::string digits = "{\"name\": 1" + std::string(5000, '0') + "e999}";
  EXPECT_LT(error_of(digits).size(), 300u);
}

TEST(SuiteHardening, OnlyRegularFilesOfBoundedSizeAreRead) {
  EXPECT_EQ(load_error("/dev/zero"), "/dev/zero: expected a readable file, got a character device");
  ScratchDir dir;
  EXPECT_EQ(load_error(dir.path()), dir.path() + ": expected a readable file, got a directory");
  const std::string fifo = dir.path() + "/fifo.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(load_error(fifo), fifo + ": expected a readable file, got a FIFO") << "and it did not block";
  // A sparse 17 MiB file: refused by its size, not read.
  const std::string big = dir.write("big.json", "");
  std::filesystem::resize_file(big, 17u << 20);
  EXPECT_EQ(load_error(big), big + ": expected a readable file, got 17.0 MiB (at most 16.0 MiB is read)");

  // A "file" generator on a 65 MiB file: refused before it is read.
  const std::string numbers = dir.write("numbers.txt", "");
  std::filesystem::resize_file(numbers, 65u << 20);
  json suite = tiny_suite();
  suite["data"]["test"]["inputs"] = {{"generator", "file"}, {"path", "numbers.txt"}};
  const std::string e = error_of(suite.dump(), dir.path());
  EXPECT_NE(e.find("/data/test/inputs/path: expected a readable file of numbers"), std::string::npos) << e;
  EXPECT_NE(e.find("65.0 MiB (at most 64.0 MiB is read)"), std::string::npos) << e;
}

TEST(SuiteHardening, TheWholeSuiteHasABudgetCheckedBeforeAllocating) {
  // 1,024 dense 2048x2048 layers: 33 KB of JSON, 4 G weights.
  json suite = {{"name", "huge"}, {"input", {{"shape", {2048}}}}, {"layers", json::array()}};
  for (int i = 0; i < 1024; ++i) {
    suite["layers"].push_back({{"name", "d" + std::to_string(i)}, {"op", "dense"}, {"units", 2048}});
  }
  suite["data"] = {{"calibration", {{"samples", 1}, {"inputs", {{"generator", "uniform"}, {"seed", 1}}}}},
                   {"test", {{"samples", 1}, {"inputs", {{"generator", "uniform"}, {"seed", 2}}}}}};
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(error_of(suite.dump()),
            "s.json: /layers/8: expected at most 33554432 weights over all layers (the suite's total budget), got "
            "37748736 with this layer");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2)) << "weights were generated first";

  // Activations x samples: a 2048x2048x1 input through 4 pads, 1,000 samples.
  json wide = {{"name", "wide"}, {"input", {{"shape", {2048, 2048, 1}}}}, {"layers", json::array()}};
  for (int i = 0; i < 4; ++i) {
    wide["layers"].push_back({{"name", "p" + std::to_string(i)}, {"op", "pad"}, {"padding", 0}});
  }
  wide["data"] = {{"calibration", {{"samples", 8}, {"inputs", {{"generator", "uniform"}, {"seed", 1}}}}},
                  {"test", {{"samples", 8}, {"inputs", {{"generator", "uniform"}, {"seed", 2}}}}}};
  const std::string e = error_of(wide.dump());
  EXPECT_NE(e.find("s.json: /data: expected at most 134217728 activation values over all layers and samples"),
            std::string::npos)
      << e;

  // A fan-in that an int32 accumulator cannot hold for every input.
  json fan = tiny_suite();
  fan["input"]["shape"] = {4, 4, 4096};
  fan["layers"] = json::array({{{"name", "fc"}, {"op", "dense"}, {"units", 2}}});
  fan["data"]["test"].erase("labels");
  EXPECT_EQ(error_of(fan.dump()),
            "s.json: /layers/0: expected at most 32768 inputs per output (kernel x input channels, or dense inputs: "
            "int32 accumulators), got 65536");
}

TEST(SuiteHardening, NumbersBeyondFloatAndOddKeysAreOneLineWithTheirPath) {
  json suite = tiny_suite();
  suite["layers"][0]["weights"] = {{"generator", "constant"}, {"value", 1e300}};
  EXPECT_EQ(error_of(suite.dump()),
            "s.json: /layers/0/weights/value: expected a number a float can hold (|x| <= 3.4e38), got 1e+300");
  suite = tiny_suite();
  suite["layers"][2]["bias"] = {{"generator", "values"}, {"values", {0.1, -4e38, 0.3}}};
  EXPECT_EQ(error_of(suite.dump()),
            "s.json: /layers/2/bias/values/1: expected a number a float can hold (|x| <= 3.4e38), got -4e+38");
  // A key with a newline (and another control character) stays on the line, escaped.
  suite = tiny_suite();
  suite["layers"][0]["bad\nkey\x01"] = 1;
  const std::string e = error_of(suite.dump());
  EXPECT_EQ(e.rfind("s.json: /layers/0/bad\\nkey\\u0001: expected a key of", 0), 0u) << e;
}

// What a suite must end as: InputError naming a layer or the data, or a host run whose
// figures hold no NaN. Returns true when it ran.
bool expect_clean_outcome(const json& suite, const std::string& what) {
  SCOPED_TRACE(what + ": " + suite.dump().substr(0, 400));
  std::optional<PreparedSuite> p;
  try {
    p.emplace(prepare_suite(parse_suite_text(suite.dump(), "r.json", "."), suite.dump()));
  } catch (const InputError& e) {
    const std::string line = e.what();
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_TRUE(line.rfind("r.json: /layers/", 0) == 0 || line.rfind("r.json: /data/", 0) == 0) << line;
    if (std::getenv("QB_SHOW_REFUSALS") != nullptr) std::printf("refused: %s\n", line.c_str());
    return false;
  }
  // Everything else (a logic_error, invalid_argument from the compiler) is a defect.
  const RunResult result = HostTarget().run(run_request(*p, 1));
  const SuiteTargetRun run = evaluate_run(*p, "host", result);
  for (const ReportRow& row : run.rows) {
    for (const auto& v : {row.sqnr_db, row.max_abs_err, row.err_pct_range, row.top1_agreement}) {
      if (v) EXPECT_FALSE(std::isnan(*v)) << row.layer;
    }
  }
  return true;
}

json generator(std::mt19937& rng, double lo_exp, double hi_exp) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto mag = [&] { return std::pow(10.0, lo_exp + (hi_exp - lo_exp) * unit(rng)); };
  switch (rng() % 6) {
    case 0: return {{"generator", "uniform"}, {"seed", rng() % 100}, {"low", -mag() * unit(rng)}, {"high", mag()}};
    case 1: return {{"generator", "sinusoid"}, {"amp", mag()}, {"freq", mag()}, {"phase", unit(rng) * 6 - 3}};
    case 2: return {{"generator", "constant"}, {"value", (rng() % 2 ? 1 : -1) * mag()}};
    case 3: return {{"generator", "constant"}, {"value", 0}};
    case 4: return {{"generator", "constant"}, {"value", 1e-40}};  // denormal as a float
    default: return {{"generator", "uniform"}, {"seed", rng() % 100}, {"low", 0}, {"high", mag()}};
  }
}

json random_suite(std::mt19937& rng, double lo_exp, double hi_exp) {
  const int h = 4 + 2 * static_cast<int>(rng() % 3);
  const int c = 1 + static_cast<int>(rng() % 3);
  json layers = json::array();
  const char* ops[] = {"conv2d", "depthwise_conv2d", "pointwise_conv2d", "max_pool2d", "avg_pool2d", "pad", "sigmoid"};
  const int n = 1 + static_cast<int>(rng() % 4);
  for (int j = 0; j < n; ++j) {
    const std::string op = ops[rng() % std::size(ops)];
    json l = {{"name", "l" + std::to_string(j)}, {"op", op}};
    if (op == "conv2d") l.update({{"filters", 1 + rng() % 4}, {"kernel", rng() % 2 ? 3 : 1}, {"padding", "same"}});
    if (op == "depthwise_conv2d") l.update({{"kernel", 3}, {"padding", "same"}});
    if (op == "pointwise_conv2d") l["filters"] = 1 + rng() % 4;
    if (op == "max_pool2d" || op == "avg_pool2d") l.update({{"pool", 1}, {"stride", 1}});
    if (op == "pad") l["padding"] = 1;
    if (op.find("conv") != std::string::npos) {
      if (rng() % 10 < 7) l["weights"] = generator(rng, lo_exp, hi_exp);
      if (rng() % 10 < 7) l["bias"] = generator(rng, lo_exp, hi_exp);
      if (rng() % 10 < 4) l["activation"] = rng() % 2 ? "relu" : "relu6";
    }
    layers.push_back(l);
  }
  layers.push_back({{"name", "out"},
                    {"op", "dense"},
                    {"units", 1 + rng() % 4},
                    {"weights", generator(rng, lo_exp, hi_exp)},
                    {"bias", generator(rng, lo_exp, hi_exp)}});
  json cal = generator(rng, lo_exp, hi_exp), test = generator(rng, lo_exp, hi_exp);
  if (cal == test) test = {{"generator", "sinusoid"}, {"amp", 0.5}, {"freq", 0.3}, {"phase", 0.7}};
  return {{"name", "r"},
          {"input", {{"shape", {h, h, c}}}},
          {"layers", layers},
          {"data", {{"calibration", {{"samples", 2}, {"inputs", cal}}}, {"test", {{"samples", 2}, {"inputs", test}}}}}};
}

TEST(SuiteHardening, DegenerateSuitesCalibrateOrAreRefusedNeverExitThree) {
  auto with = [](json weights, json bias, json cal, const char* activation) {
    json s = tiny_suite();
    s["layers"][0]["weights"] = weights;
    s["layers"][0]["bias"] = bias;
    s["layers"][0]["activation"] = activation;
    s["data"]["calibration"]["inputs"] = cal;
    return s;
  };
  const json zero = {{"generator", "constant"}, {"value", 0}};
  const json denormal = {{"generator", "constant"}, {"value", 1e-40}};
  const json negative = {{"generator", "constant"}, {"value", -3}};
  const json uniform = {{"generator", "uniform"}, {"seed", 5}};
  const json huge = {{"generator", "constant"}, {"value", 3e38}};
  // These calibrate and run (a zero range gets a usable scale; a layer whose range is
  // degenerate is rescaled) ...
  EXPECT_TRUE(expect_clean_outcome(with(zero, zero, uniform, "relu"), "all-zero weights and biases"));
  EXPECT_TRUE(expect_clean_outcome(with(uniform, uniform, zero, "relu"), "all-zero calibration data"));
  EXPECT_TRUE(expect_clean_outcome(with(denormal, uniform, uniform, "relu"), "denormal weights"));
  EXPECT_TRUE(expect_clean_outcome(with(zero, negative, uniform, "relu"), "a ReLU that zeroes every sample"));
  // ... and float overflow is the suite's problem, named at its layer.
  EXPECT_FALSE(expect_clean_outcome(with(huge, huge, uniform, "relu"), "products beyond float"));
}

TEST(SuiteHardening, RandomSuitesNeverFailTheCompileStepOrReportNaN) {
  std::mt19937 rng(20261203);
  int ran = 0;
  for (int i = 0; i < 150; ++i) ran += expect_clean_outcome(random_suite(rng, -3, 3), "1e-3..1e3 #" + std::to_string(i));
  // Ordinary magnitudes must mostly run (what is refused is named; see QB_SHOW_REFUSALS).
  EXPECT_GE(ran, 120);
  for (int i = 0; i < 60; ++i) expect_clean_outcome(random_suite(rng, -45, 38.5), "extreme #" + std::to_string(i));
}

}  // namespace
}  // namespace qb::harness
