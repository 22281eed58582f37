// Every way a suite can be wrong gets exact lines, one per problem: file, JSON pointer, what was
// expected, what was there. The messages are part of the interface (users grep them,
// CI logs show them), so they are compared in full.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/suite/graph_builder.h"
#include "harness/suite/input_error.h"
#include "harness/suite/suite_loader.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

using nlohmann::json;
using testing::ScratchDir;
using testing::tiny_suite;

void set(json& j, const std::string& pointer, json value) {
  j[json::json_pointer(pointer)] = std::move(value);
}

void erase(json& j, const std::string& pointer) {
  const json::json_pointer ptr(pointer);
  j.at(ptr.parent_pointer()).erase(ptr.back());
}

struct BadSuite {
  std::string name;
  std::function<void(json&)> edit;  // applied to tiny_suite(), unless text is given
  std::string expected;             // after "suites/bad.json: "; {dir} is the scratch dir
  std::string text;                 // the whole file, for syntax errors
};

std::vector<BadSuite> bad_suites() {
  const std::string uniform_1 = R"({"generator": "uniform", "seed": 1})";
  return {
      {"SyntaxError", nullptr,
       "line 2, column 11: expected valid JSON, got a syntax error (unexpected '}'; expected "
       "'[', '{', or a literal)",
       "{\"name\": \"x\",\n \"input\": }"},
      {"EmptyFile", nullptr,
       "line 1, column 2: expected valid JSON, got a syntax error (unexpected end of input; "
       "expected '[', '{', or a literal)",
       " "},
      {"NumberOverflow", nullptr,
       "line 1, column 10: expected valid JSON with numbers a double can hold, got number overflow parsing '1e999'",
       R"({"name": 1e999})"},
      {"DuplicateKey", nullptr, "/layers/0/op: expected each key once per object, got \"op\" twice",
       R"({"name": "a", "layers": [{"op": "relu", "op": "relu"}]})"},
      {"RootNotObject", nullptr,
       "/: expected a suite object ({\"name\": ..., \"input\": ..., \"layers\": [...], ...}), "
       "got [1, 2]",
       "[1, 2]"},
      {"UnknownTopLevelKey", [](json& j) { set(j, "/layer", json::array()); },
       "/layer: expected a key of a suite (\"$schema\", \"name\", \"description\", \"input\", "
       "\"layers\", \"quantization\", \"data\", \"gates\" or \"decision_grid\"), got unknown key "
       "\"layer\""},
      {"NameNotString", [](json& j) { set(j, "/name", 3); },
       "/name: expected a suite name of 1..64 letters, digits, '_', '.' or '-' (not starting "
       "with '.' or '-'), got 3"},
      {"BadInputShape", [](json& j) { set(j, "/input/shape", {8, 0, 1}); },
       "/input/shape: expected 1 to 3 integers [h, w, c] in 1..4096, got [8, 0, 1]"},
      {"EmptyLayers", [](json& j) { set(j, "/layers", json::array()); },
       "/layers: expected an array of 1..1024 layers, got []"},
      {"UnknownOp", [](json& j) { set(j, "/layers/0/op", "conv3d"); },
       "/layers/0/op: expected \"conv2d\", \"depthwise_conv2d\", \"pointwise_conv2d\", "
       "\"dense\", \"add\", \"max_pool2d\", \"avg_pool2d\", \"global_avg_pool2d\", \"pad\", "
       "\"relu\", \"relu6\", \"sigmoid\" or \"batch_norm\", got \"conv3d\""},
      {"UnknownLayerKey",
       [](json& j) {
         erase(j, "/layers/0/kernel");
         set(j, "/layers/0/kernal", 3);
       },
       "/layers/0/kernal: expected a key of a conv2d layer (\"name\", \"op\", \"inputs\", "
       "\"filters\", \"kernel\", \"stride\", \"padding\", \"per_channel\", \"activation\", "
       "\"range\", \"weights\" or \"bias\"), got unknown key \"kernal\"\n"
       // Every violation is reported: the misspelt key, and the kernel it leaves missing.
       "/layers/0/kernel: expected an integer in 1..15 or two integers in 1..15, got nothing"},
      {"KeyOfAnotherOp", [](json& j) { set(j, "/layers/1/filters", 4); },
       "/layers/1/filters: expected a key of a max_pool2d layer (\"name\", \"op\", \"inputs\", "
       "\"pool\", \"stride\", \"padding\" or \"activation\"), got unknown key \"filters\""},
      {"KernelZero", [](json& j) { set(j, "/layers/0/kernel", {0, 3}); },
       "/layers/0/kernel: expected two integers in 1..15, got [0, 3]"},
      {"KernelTooLarge", [](json& j) { set(j, "/layers/0/kernel", 16); },
       "/layers/0/kernel: expected an integer in 1..15, got 16"},
      {"StrideTooLarge", [](json& j) { set(j, "/layers/1/stride", 9); },
       "/layers/1/stride: expected an integer in 1..8, got 9"},
      {"BadPaddingString", [](json& j) { set(j, "/layers/0/padding", "SAME"); },
       "/layers/0/padding: expected \"valid\" or \"same\", got \"SAME\""},
      {"PaddingNotBelowKernel", [](json& j) { set(j, "/layers/0/padding", {3, 0, 0, 0}); },
       "/layers/0/padding: expected pads smaller than the kernel 3x3 (top and bottom below 3, "
       "left and right below 3), got [3, 0, 0, 0]"},
      {"MissingFilters", [](json& j) { erase(j, "/layers/0/filters"); },
       "/layers/0/filters: expected an integer in 1..4096, got nothing"},
      {"FiltersAsString", [](json& j) { set(j, "/layers/0/filters", "4"); },
       "/layers/0/filters: expected an integer in 1..4096, got \"4\""},
      {"BadActivation", [](json& j) { set(j, "/layers/0/activation", "tanh"); },
       "/layers/0/activation: expected \"none\", \"relu\" or \"relu6\", got \"tanh\""},
      {"PerChannelNotBool", [](json& j) { set(j, "/layers/2/per_channel", 1); },
       "/layers/2/per_channel: expected true or false, got 1"},
      {"ConvPerChannelNotBool", [](json& j) { set(j, "/layers/0/per_channel", "yes"); },
       "/layers/0/per_channel: expected true or false, got \"yes\""},
      {"DuplicateName", [](json& j) { set(j, "/layers/1/name", "conv1"); },
       "/layers/1/name: expected a unique layer name, got \"conv1\", already used by /layers/0"},
      {"NameInput", [](json& j) { set(j, "/layers/1/name", "input"); },
       "/layers/1/name: expected a layer name of 1..64 letters, digits, '_', '.' or '-' (not "
       "starting with '.' or '-'), other than \"input\" (the model input's name), got \"input\""},
      {"InputFromLaterLayer", [](json& j) { set(j, "/layers/1/inputs", {"fc"}); },
       "/layers/1/inputs/0: expected \"input\" or the name of an earlier layer, got \"fc\", "
       "declared later at /layers/2 (layers run in file order)"},
      {"InputFromItself", [](json& j) { set(j, "/layers/1/inputs", {"pool"}); },
       "/layers/1/inputs/0: expected \"input\" or the name of an earlier layer, got \"pool\", "
       "this layer itself"},
      {"InputUnknown", [](json& j) { set(j, "/layers/1/inputs", {"conv9"}); },
       "/layers/1/inputs/0: expected \"input\" or the name of an earlier layer, got \"conv9\", "
       "which no layer is named"},
      {"InputsNotArray", [](json& j) { set(j, "/layers/1/inputs", "conv1"); },
       "/layers/1/inputs: expected an array of exactly 1 layer name, got \"conv1\""},
      {"AddWithOneInput",
       [](json& j) {
         j["layers"].insert(j["layers"].begin() + 2,
                            json{{"name", "sum"}, {"op", "add"}, {"inputs", {"pool"}}});
       },
       "/layers/2/inputs: expected an array of exactly 2 layer names, got [\"pool\"]"},
      {"AddMismatchedShapes",
       [](json& j) {
         j["layers"].insert(j["layers"].begin() + 2,
                            json{{"name", "sum"}, {"op", "add"}, {"inputs", {"conv1", "pool"}}});
       },
       "/layers/2/inputs: expected two inputs of the same shape, got [1,8,8,4] and [1,4,4,4]"},
      {"UnusedLayer", [](json& j) { set(j, "/layers/2/inputs", {"conv1"}); },
       "/layers/1: expected a layer whose output feeds a later layer (only the last layer is "
       "the model output), got \"pool\", which nothing uses"},
      {"KernelLargerThanInput",
       [](json& j) {
         set(j, "/layers/0/kernel", 9);
         erase(j, "/layers/0/padding");
       },
       "/layers/0/kernel: expected a window that fits the padded input 8x8, got 9x9"},
      {"PadTooLarge",
       [](json& j) {
         j["layers"].insert(j["layers"].begin() + 1,
                            json{{"name", "big"}, {"op", "pad"}, {"padding", 4096}});
       },
       "/layers/1: expected an output of at most 4096x4096 and 4194304 elements, got "
       "[1,8200,8200,4]"},
      {"PadWithoutPadding",
       [](json& j) { j["layers"].insert(j["layers"].begin() + 1, json{{"op", "pad"}}); },
       "/layers/1/padding: expected an integer in 0..4096 or [top, bottom, left, right] in "
       "0..4096, got nothing"},
      {"ReluWithTwoUsers",
       [](json& j) {
         set(j, "/layers/0/activation", "none");
         auto& layers = j["layers"];
         layers.insert(layers.begin() + 1,
                       json{{"name", "r"}, {"op", "relu"}, {"inputs", {"conv1"}}});
         layers.insert(layers.begin() + 2,
                       json{{"name", "sum"}, {"op", "add"}, {"inputs", {"r", "conv1"}}});
       },
       "/layers/1: expected \"conv1\" to feed only this relu (it is fused into \"conv1\"), got "
       "\"conv1\" also feeding \"sum\""},
      {"ReluOverOtherActivation",
       [](json& j) { j["layers"].insert(j["layers"].begin() + 1, json{{"op", "relu6"}}); },
       "/layers/1: expected \"conv1\" without an activation of its own to fuse relu6 into, got "
       "activation \"relu\""},
      {"ReluOnModelInput",
       [](json& j) { j["layers"].insert(j["layers"].begin(), json{{"op", "relu"}}); },
       "/layers/0/inputs/0: expected a layer to fuse relu into, got the model input (relu is "
       "fused into the layer before it, not run alone)"},
      {"ReluAfterSigmoid",
       [](json& j) {
         auto& layers = j["layers"];
         layers.insert(layers.begin() + 2, json{{"name", "sig"}, {"op", "sigmoid"}});
         layers.insert(layers.begin() + 3, json{{"op", "relu"}});
       },
       "/layers/3: expected a layer before relu that has a fused activation (not pad or "
       "sigmoid), got \"sig\", a sigmoid layer"},
      {"MissingData", [](json& j) { erase(j, "/data"); },
       "/data: expected an object with \"calibration\" and \"test\", got nothing"},
      {"MissingTestSet", [](json& j) { erase(j, "/data/test"); },
       "/data/test: expected an object with \"samples\" and \"inputs\", got nothing"},
      {"NegativeSamples", [](json& j) { set(j, "/data/calibration/samples", -4); },
       "/data/calibration/samples: expected an integer in 1..65536, got -4"},
      {"FractionalSamples", [](json& j) { set(j, "/data/calibration/samples", 2.5); },
       "/data/calibration/samples: expected an integer in 1..65536, got 2.5"},
      {"CalibrationLabels", [](json& j) { set(j, "/data/calibration/labels", {0, 1, 2, 0}); },
       "/data/calibration/labels: expected a key of the calibration set (\"samples\" or "
       "\"inputs\"), got unknown key \"labels\""},
      {"LabelsCountMismatch", [](json& j) { set(j, "/data/test/labels", {0}); },
       "/data/test/labels: expected 2 labels (one per test sample), got 1"},
      {"NegativeLabel", [](json& j) { set(j, "/data/test/labels", {0, -1}); },
       "/data/test/labels/1: expected a class index (an integer >= 0), got -1"},
      {"LabelOutOfRange", [](json& j) { set(j, "/data/test/labels", {0, 3}); },
       "/data/test/labels/1: expected a class index in 0..2 (the output has 3 elements), got 3"},
      {"BadGeneratorKind",
       [](json& j) { set(j, "/data/calibration/inputs/generator", "gaussian"); },
       "/data/calibration/inputs/generator: expected \"sinusoid\", \"uniform\", \"constant\", "
       "\"values\" or \"file\", got \"gaussian\""},
      {"GeneratorNotObject", [](json& j) { set(j, "/data/calibration/inputs", "uniform"); },
       "/data/calibration/inputs: expected an object with \"generator\", got \"uniform\""},
      {"UnknownGeneratorKey", [](json& j) { set(j, "/data/calibration/inputs/amp", 2); },
       "/data/calibration/inputs/amp: expected a key of a \"uniform\" generator (\"generator\", "
       "\"seed\", \"low\" or \"high\"), got unknown key \"amp\""},
      {"UniformWithoutSeed", [](json& j) { erase(j, "/data/calibration/inputs/seed"); },
       "/data/calibration/inputs/seed: expected an integer in 0..18446744073709551615, got "
       "nothing"},
      {"UniformEmptyRange", [](json& j) { set(j, "/data/calibration/inputs/low", 1); },
       "/data/calibration/inputs/low: expected a number less than high (1.0), got 1"},
      {"ValuesWrongCount",
       [](json& j) {
         set(j, "/data/calibration/inputs", json{{"generator", "values"}, {"values", {1, 2, 3}}});
       },
       "/data/calibration/inputs: expected 256 values (4 samples x 64 input elements), got 3"},
      {"ValuesNotNumbers",
       [](json& j) {
         set(j, "/data/calibration/inputs",
             json{{"generator", "values"}, {"values", json::parse(R"([1, [2, "x"]])")}});
       },
       "/data/calibration/inputs/values/1/1: expected a number a float can hold (|x| <= "
       "3.4e38) or an array of numbers, got \"x\""},
      {"MissingGeneratorFile",
       [](json& j) {
         set(j, "/data/calibration/inputs", json{{"generator", "file"}, {"path", "missing.txt"}});
       },
       "/data/calibration/inputs/path: expected a readable file of numbers, got \"missing.txt\" "
       "({dir}/missing.txt: no such file)"},
      {"BadNumberInGeneratorFile",
       [](json& j) {
         set(j, "/data/calibration/inputs", json{{"generator", "file"}, {"path", "bad.txt"}});
       },
       "/data/calibration/inputs/path: expected numbers separated by whitespace or commas in "
       "{dir}/bad.txt, got \"x4\" at line 2"},
      {"WeightsWrongCount",
       [](json& j) {
         set(j, "/layers/0/weights", json{{"generator", "values"}, {"values", {1, 2}}});
       },
       "/layers/0/weights: expected 36 values (weights [4,3,3,1]), got 2"},
      {"TestSameAsCalibration",
       [](json& j) { set(j, "/data/test/inputs/seed", 1); },
       "/data/test/inputs: expected test inputs that differ from the calibration inputs "
       "(testing on calibration data measures nothing), got a declaration that repeats or "
       "overlaps /data/calibration/inputs"},
      {"TestShiftedIntoCalibration",
       // seed 1 + 100 * 0x9E3779B97F4A7C15: calibration's stream from draw 100 on.
       [](json& j) { set(j, "/data/test/inputs/seed", 14820093436037199925ull); },
       "/data/test/inputs: expected test inputs that differ from the calibration inputs "
       "(testing on calibration data measures nothing), got a declaration that repeats or "
       "overlaps /data/calibration/inputs"},
      {"GateOutOfRange", [](json& j) { set(j, "/gates/min_top1_agreement", 1.5); },
       "/gates/min_top1_agreement: expected a number in 0..1, got 1.5"},
      {"LabelGateWithoutLabels",
       [](json& j) {
         erase(j, "/data/test/labels");
         set(j, "/gates/min_label_accuracy", 0.9);
       },
       "/gates/min_label_accuracy: expected test labels (/data/test/labels) for this gate, got "
       "a test set without labels"},
      {"DecisionGridNeedsTwoInputs", [](json& j) { set(j, "/decision_grid", 11); },
       "/decision_grid: expected a suite whose input has 2 elements (the grid spans [0,1]^2), "
       "got an input of 64 elements"},
      {"DecisionGridOfOne", [](json& j) { set(j, "/decision_grid", 1); },
       "/decision_grid: expected 0 or an integer in 2..256, got 1"},
  };
}

class SuiteErrorTest : public ::testing::TestWithParam<BadSuite> {};

TEST_P(SuiteErrorTest, ReportsExactLines) {
  const BadSuite& c = GetParam();
  ScratchDir dir;
  dir.write("bad.txt", "1 2\n3 x4\n");
  std::string text = c.text;
  if (text.empty()) {
    json doc = tiny_suite();
    c.edit(doc);
    text = doc.dump(2);
  }
  // One line per problem, each naming the file.
  std::string expected = "suites/bad.json: " + c.expected;
  for (size_t at = expected.find('\n'); at != std::string::npos; at = expected.find('\n', at + 1)) {
    expected.insert(at + 1, "suites/bad.json: ");
  }
  if (const size_t at = expected.find("{dir}"); at != std::string::npos) {
    expected.replace(at, 5, dir.path());
  }
  try {
    const Suite suite = parse_suite_text(text, "suites/bad.json", dir.path());
    build_graph(suite);
    FAIL() << "accepted; expected: " << expected;
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), expected);
  }
}

INSTANTIATE_TEST_SUITE_P(BadSuites, SuiteErrorTest, ::testing::ValuesIn(bad_suites()),
                         [](const ::testing::TestParamInfo<BadSuite>& info) {
                           return info.param.name;
                         });

TEST(SuiteErrorTest, UnreadableFileIsOneLine) {
  try {
    load_suite("/nonexistent-qb-dir/suite.json");
    FAIL() << "accepted a missing file";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "/nonexistent-qb-dir/suite.json: expected a readable file, got No such file or "
              "directory");
  }
}

}  // namespace
}  // namespace qb::harness
