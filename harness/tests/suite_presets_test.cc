// suites/presets.json and the name -> file resolution the CLI relies on.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "harness/suite/input_error.h"
#include "harness/suite/presets.h"
#include "harness/targets/target_registry.h"
#include "harness/suite/json_input.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

using nlohmann::json;
using testing::ScratchDir;
using testing::source_dir;

std::string error_of(const std::string& text) {
  try {
    parse_presets(json_input::parse_text(text, "p.json"), "p.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(Presets, CommittedFileLoads) {
  const std::vector<Preset> presets = load_presets(source_dir() + "/suites/presets.json");
  const Preset& quick = find_preset(presets, "quick", "suites/presets.json");
  EXPECT_EQ(quick.suites, (std::vector<std::string>{"xor", "kws"}));
  EXPECT_EQ(quick.targets, std::vector<std::string>{"host"});
  EXPECT_FALSE(quick.description.empty());
  const std::vector<std::string> every = {"mobilenetv2", "resnet18_block", "kws",          "xor",
                                          "kernels",     "mlperf_kws",     "mlperf_vww",   "mlperf_ic",
                                          "mlperf_ad",   "person_detect",  "hello_world",  "micro_speech"};
  EXPECT_EQ(find_preset(presets, "all", "").suites, every);
  EXPECT_EQ(find_preset(presets, "ci", "").suites, every);
  // The real-model presets: MLPerf Tiny's four models and TFLite Micro's examples, each on
  // every target the table has.
  EXPECT_EQ(find_preset(presets, "mlperf-tiny", "").suites,
            (std::vector<std::string>{"mlperf_kws", "mlperf_vww", "mlperf_ic", "mlperf_ad"}));
  EXPECT_EQ(find_preset(presets, "tflm-examples", "").suites,
            (std::vector<std::string>{"person_detect", "hello_world", "micro_speech"}));
  const auto table = load_targets(source_dir() + "/targets/targets.json");
  const auto boards = std::count_if(table.begin(), table.end(), [](const TargetInfo& t) { return t.board.has_value(); });
  EXPECT_EQ(find_preset(presets, "mlperf-tiny", "").targets.size(), table.size() - boards);
  // And every board, on the same four models.
  EXPECT_EQ(find_preset(presets, "mlperf-tiny-boards", "").suites, find_preset(presets, "mlperf-tiny", "").suites);
  EXPECT_TRUE(find_preset(presets, "mlperf-tiny-boards", "").targets.empty());
  EXPECT_EQ(static_cast<long>(find_preset(presets, "mlperf-tiny-boards", "").boards.size()), boards);
  // CI gates on the host and on emulated Cortex-M cores, at least an Armv7E-M one and the
  // Helium one.
  const std::vector<std::string> targets = find_preset(presets, "ci").targets;
  for (const char* needed : {"host", "host-avx2", "aarch64-neon", "aarch64-dotprod", "cortex-m4",
                             "cortex-m55"}) {
    EXPECT_NE(std::find(targets.begin(), targets.end(), needed), targets.end()) << needed;
  }
}

TEST(Presets, EveryTargetIsARowOfTheTargetTable) {
  const auto table = load_targets(source_dir() + "/targets/targets.json");
  for (const Preset& preset : load_presets(source_dir() + "/suites/presets.json")) {
    for (const std::string& target : preset.targets) {
      EXPECT_NO_THROW(find_target(table, target)) << preset.name << ": " << target;
    }
  }
}

TEST(Presets, UnknownPresetListsTheKnownOnes) {
  const std::vector<Preset> presets = parse_presets(
      json::parse(R"({"presets": {"b": {"suites": ["s"], "targets": ["t"]},
                                  "a": {"suites": ["s"], "targets": ["t"]}}})"),
      "p.json");
  ASSERT_EQ(presets.size(), 2u);
  EXPECT_EQ(presets[0].name, "a");
  try {
    find_preset(presets, "c", "p.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "preset \"c\": expected one of \"a\" or \"b\" (p.json), got no such preset");
  }
  EXPECT_THROW(find_preset(presets, "c"), InputError);
}

TEST(Presets, BadFilesGiveOneLine) {
  EXPECT_EQ(error_of(R"({"presets": {}})"),
            "p.json: /presets: expected a non-empty object of presets by name, got {}");
  EXPECT_EQ(error_of(R"({"preset": {}})"),
            "p.json: /preset: expected a key of the presets file (\"$schema\" or \"presets\"), "
            "got unknown key \"preset\"");
  EXPECT_EQ(error_of(R"({"presets": {"q": {"suites": ["x"], "target": ["host"]}}})"),
            "p.json: /presets/q/target: expected a key of a preset (\"description\", \"suites\", "
            "\"targets\" or \"boards\"), got unknown key \"target\"");
  // Boards alone are a preset too; an empty list of them is not.
  EXPECT_EQ(error_of(R"({"presets": {"q": {"suites": ["x"], "boards": []}}})"),
            "p.json: /presets/q/boards: expected a non-empty array of board names, got []");
  EXPECT_EQ(error_of(R"({"presets": {"q": {"suites": ["x"]}}})"),
            "p.json: /presets/q/targets: expected a non-empty array of target names, got nothing");
  EXPECT_EQ(error_of(R"({"presets": {"q": {"suites": [], "targets": ["host"]}}})"),
            "p.json: /presets/q/suites: expected a non-empty array of suite names, got []");
  EXPECT_EQ(error_of(R"({"presets": {"q": {"suites": ["x", "x"], "targets": ["host"]}}})"),
            "p.json: /presets/q/suites/1: expected each suite once, got \"x\" again");
  EXPECT_EQ(error_of(R"({"presets": {"q": {"suites": ["../x"], "targets": ["host"]}}})"),
            "p.json: /presets/q/suites/0: expected a suite name of 1..64 letters, digits, '_', "
            "'.' or '-' (not starting with '.' or '-'), got \"../x\"");
  EXPECT_EQ(error_of(R"({"presets": {"q w": {"suites": ["x"], "targets": ["host"]}}})"),
            "p.json: /presets/q w: expected a preset name of 1..64 letters, digits, '_', '.' or "
            "'-' (not starting with '.' or '-'), got \"q w\"");
  EXPECT_EQ(error_of(R"({"presets": {"q": {"suites": ["x"], "targets": ["host"], "description": 1}}})"),
            "p.json: /presets/q/description: expected a string, got 1");
}

TEST(Presets, SuiteFileFor) {
  ScratchDir dir;
  const std::string kws = dir.write("kws.json", "{}");
  EXPECT_EQ(suite_file_for(dir.path(), "kws"), kws);
  EXPECT_EQ(suite_file_for("/elsewhere", kws), kws);  // a path is taken as it is
  try {
    suite_file_for(dir.path(), "nope");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "suite \"nope\": expected a file " + dir.path() + "/nope.json, got no such file");
  }
  EXPECT_THROW(suite_file_for(dir.path(), "a b"), InputError);
}

}  // namespace
}  // namespace qb::harness
