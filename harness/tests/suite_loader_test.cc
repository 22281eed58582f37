// A well-formed suite loads into exactly what it says, with documented defaults.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "harness/suite/input_error.h"
#include "harness/suite/suite_loader.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

using nlohmann::json;
using testing::ScratchDir;
using testing::tiny_suite;

constexpr const char* kFullSuite = R"({
  "$schema": "suite.schema.json",
  "name": "every_op",
  "description": "one of each",
  "input": {"shape": [12, 10, 3]},
  "layers": [
    {"name": "c", "op": "conv2d", "filters": 8, "kernel": [3, 5], "stride": [2, 1],
     "padding": [1, 1, 2, 2], "activation": "relu6",
     "weights": {"generator": "constant", "value": 0.5},
     "bias": {"generator": "sinusoid", "amp": 0.2, "freq": 0.3, "phase": 0.1}},
    {"op": "depthwise_conv2d", "kernel": 3, "padding": "same"},
    {"op": "relu"},
    {"name": "pw", "op": "pointwise_conv2d", "filters": 8},
    {"name": "sum", "op": "add", "inputs": ["c", "pw"], "activation": "relu"},
    {"op": "pad", "padding": 1},
    {"op": "avg_pool2d", "pool": [2, 3], "stride": 1, "padding": "valid"},
    {"op": "max_pool2d", "pool": 2},
    {"op": "global_avg_pool2d"},
    {"name": "fc", "op": "dense", "units": 5, "per_channel": false,
     "weights": {"generator": "file", "path": "data/w.txt"}},
    {"op": "sigmoid"}
  ],
  "data": {
    "calibration": {"samples": 3, "inputs": {"generator": "uniform", "seed": 9, "low": 0, "high": 2}},
    "test": {"samples": 2, "inputs": {"generator": "sinusoid"}, "labels": [4, 0]}
  },
  "gates": {"min_sqnr_db": 25, "max_err_pct_range": 5, "min_top1_agreement": 0.9,
            "min_label_accuracy": 1.0}
})";

TEST(SuiteLoader, ParsesEveryField) {
  ScratchDir dir;
  dir.write("data/w.txt", "1, 2 3\n4,5\n");
  dir.write("s.json", kFullSuite);
  const Suite s = load_suite(dir.path() + "/s.json");
  EXPECT_EQ(s.name, "every_op");
  EXPECT_EQ(s.description, "one of each");
  EXPECT_EQ(s.file, dir.path() + "/s.json");
  EXPECT_EQ(s.input_shape, (std::array<int32_t, 3>{12, 10, 3}));
  ASSERT_EQ(s.layers.size(), 11u);

  const LayerDef& c = s.layers[0];
  EXPECT_EQ(c.name, "c");
  EXPECT_EQ(c.op, OpKind::kConv2d);
  EXPECT_EQ(c.inputs, std::vector<std::string>{"input"});
  EXPECT_EQ(c.filters, 8);
  EXPECT_EQ(c.kernel, (std::array<int32_t, 2>{3, 5}));
  EXPECT_EQ(c.stride, (std::array<int32_t, 2>{2, 1}));
  EXPECT_EQ(c.padding, (std::array<int32_t, 4>{1, 1, 2, 2}));
  EXPECT_FALSE(c.same_padding);
  EXPECT_EQ(c.activation, Activation::kRelu6);
  ASSERT_TRUE(c.weights && c.bias);
  EXPECT_EQ(c.weights->kind, Generator::Kind::kConstant);
  EXPECT_EQ(c.weights->value, 0.5);
  EXPECT_EQ(c.weights->json_path, "/layers/0/weights");
  EXPECT_EQ(c.bias->kind, Generator::Kind::kSinusoid);
  EXPECT_EQ(c.bias->amp, 0.2);
  EXPECT_EQ(c.bias->freq, 0.3);
  EXPECT_EQ(c.bias->phase, 0.1);
  EXPECT_EQ(c.json_path, "/layers/0");

  const LayerDef& dw = s.layers[1];
  EXPECT_EQ(dw.name, "depthwise_conv2d1");
  EXPECT_EQ(dw.inputs, std::vector<std::string>{"c"});
  EXPECT_TRUE(dw.same_padding);
  EXPECT_EQ(dw.padding, (std::array<int32_t, 4>{0, 0, 0, 0}));
  EXPECT_FALSE(dw.weights.has_value());  // defaulted by build_graph

  EXPECT_EQ(s.layers[2].op, OpKind::kRelu);
  EXPECT_EQ(s.layers[2].name, "relu2");
  EXPECT_EQ(s.layers[3].inputs, std::vector<std::string>{"relu2"});
  EXPECT_EQ(s.layers[3].op, OpKind::kPointwiseConv2d);
  EXPECT_EQ(s.layers[4].inputs, (std::vector<std::string>{"c", "pw"}));
  EXPECT_EQ(s.layers[4].activation, Activation::kRelu);
  EXPECT_EQ(s.layers[5].padding, (std::array<int32_t, 4>{1, 1, 1, 1}));

  const LayerDef& avg = s.layers[6];
  EXPECT_EQ(avg.op, OpKind::kAvgPool2d);
  EXPECT_EQ(avg.kernel, (std::array<int32_t, 2>{2, 3}));
  EXPECT_EQ(avg.stride, (std::array<int32_t, 2>{1, 1}));
  const LayerDef& max = s.layers[7];
  EXPECT_EQ(max.kernel, (std::array<int32_t, 2>{2, 2}));
  EXPECT_EQ(max.stride, (std::array<int32_t, 2>{2, 2})) << "pool stride defaults to the pool";
  EXPECT_EQ(s.layers[8].op, OpKind::kGlobalAvgPool2d);

  const LayerDef& fc = s.layers[9];
  EXPECT_EQ(fc.filters, 5);
  EXPECT_FALSE(fc.per_channel);
  ASSERT_TRUE(fc.weights);
  EXPECT_EQ(fc.weights->kind, Generator::Kind::kValues);
  EXPECT_EQ(fc.weights->values, (std::vector<double>{1, 2, 3, 4, 5}));
  EXPECT_EQ(s.layers[10].op, OpKind::kSigmoid);

  EXPECT_EQ(s.calibration.samples, 3);
  EXPECT_EQ(s.calibration.inputs.kind, Generator::Kind::kUniform);
  EXPECT_EQ(s.calibration.inputs.seed, 9u);
  EXPECT_EQ(s.calibration.inputs.low, 0.0);
  EXPECT_EQ(s.calibration.inputs.high, 2.0);
  EXPECT_TRUE(s.calibration.labels.empty());
  EXPECT_EQ(s.test.samples, 2);
  EXPECT_EQ(s.test.inputs.kind, Generator::Kind::kSinusoid);
  EXPECT_EQ(s.test.inputs.amp, 1.0);
  EXPECT_EQ(s.test.inputs.freq, 1.0);
  EXPECT_EQ(s.test.inputs.phase, 0.0);
  EXPECT_EQ(s.test.labels, (std::vector<int32_t>{4, 0}));

  EXPECT_EQ(s.gates.min_sqnr_db, 25.0);
  EXPECT_EQ(s.gates.max_err_pct_range, 5.0);
  EXPECT_EQ(s.gates.min_top1_agreement, 0.9);
  EXPECT_EQ(s.gates.min_label_accuracy, 1.0);
  EXPECT_EQ(s.decision_grid, 0);
}

TEST(SuiteLoader, DefaultsForOptionalParts) {
  json doc = tiny_suite();
  doc.erase("gates");
  doc["data"]["test"].erase("labels");
  const Suite s = parse_suite(doc, "t.json", ".");
  EXPECT_EQ(s.description, "");
  EXPECT_FALSE(s.gates.min_sqnr_db || s.gates.max_err_pct_range || s.gates.min_top1_agreement ||
               s.gates.min_label_accuracy);
  EXPECT_EQ(s.layers[1].activation, Activation::kNone);
  EXPECT_EQ(s.layers[1].padding, (std::array<int32_t, 4>{0, 0, 0, 0}));
  EXPECT_TRUE(s.layers[2].per_channel);
  EXPECT_EQ(s.calibration.inputs.low, -1.0);
  EXPECT_EQ(s.calibration.inputs.high, 1.0);
}

TEST(SuiteLoader, ShortInputShapesAndDecisionGrid) {
  json doc = tiny_suite();
  doc["input"]["shape"] = {2};
  doc["layers"] = json::parse(R"([{"op": "dense", "units": 4, "activation": "relu"},
                                  {"op": "dense", "units": 2}])");
  doc["data"]["calibration"]["inputs"] =
      json::parse(R"({"generator": "values", "values": [[0, 0], [0, 1], [1, 0], [1, 1]]})");
  doc["data"]["test"] = json::parse(
      R"({"samples": 4, "inputs": {"generator": "values", "values": [0.1, 0.1, 0.1, 0.9, 0.9, 0.1, 0.9, 0.9]},
          "labels": [0, 1, 1, 0]})");
  doc["decision_grid"] = 21;
  const Suite s = parse_suite(doc, "xor.json", ".");
  EXPECT_EQ(s.input_shape, (std::array<int32_t, 3>{1, 1, 2}));
  EXPECT_EQ(s.decision_grid, 21);
  EXPECT_EQ(s.calibration.inputs.values, (std::vector<double>{0, 0, 0, 1, 1, 0, 1, 1}));
}

TEST(SuiteLoader, IntegralFloatsCountAsIntegers) {
  json doc = tiny_suite();
  doc["layers"][0]["filters"] = 4.0;
  doc["data"]["test"]["inputs"]["seed"] = 7.0;
  const Suite suite = parse_suite(doc, "t.json", ".");
  EXPECT_EQ(suite.layers[0].filters, 4);
  EXPECT_EQ(suite.test.inputs.seed, 7u);
}

TEST(SuiteLoader, BigSeedsAndDistantStreamsAreFine) {
  json doc = tiny_suite();
  doc["data"]["test"]["inputs"]["seed"] = 18446744073709551615ull;
  EXPECT_EQ(parse_suite(doc, "t.json", ".").test.inputs.seed, 18446744073709551615ull);
  // seed 1 + 300 * gamma: calibration's stream shifted past both sets (256 and 128 draws).
  doc["data"]["test"]["inputs"]["seed"] = 7566792160692496541ull;
  EXPECT_NO_THROW(parse_suite(doc, "t.json", "."));
}

TEST(SuiteLoader, TestSetMayShareSamplesWithACalibrationGrid) {
  json doc = tiny_suite();
  doc["input"]["shape"] = {2};
  doc["layers"] = json::parse(R"([{"op": "dense", "units": 2}])");
  doc["data"]["calibration"]["samples"] = 4;
  doc["data"]["calibration"]["inputs"] =
      json::parse(R"({"generator": "values", "values": [0, 0, 0, 1, 1, 0, 1, 1]})");
  doc["data"]["test"] = json::parse(
      R"({"samples": 2, "inputs": {"generator": "values", "values": [0, 0, 1, 1]}})");
  EXPECT_NO_THROW(parse_suite(doc, "t.json", "."));
  doc["data"]["test"]["inputs"]["values"] = {0, 1, 1, 0};  // a copied slice
  EXPECT_THROW(parse_suite(doc, "t.json", "."), InputError);
}

TEST(SuiteLoader, FileGeneratorIsRelativeToTheSuite) {
  ScratchDir dir;
  dir.write("suites/data/in.txt", "0.5,-1e-3\n\n  2\t3,\n");
  json doc = tiny_suite();
  doc["input"]["shape"] = {2};
  doc["layers"] = json::parse(R"([{"op": "dense", "units": 2}])");
  doc["data"]["calibration"]["samples"] = 2;
  doc["data"]["calibration"]["inputs"] = json{{"generator", "file"}, {"path", "data/in.txt"}};
  dir.write("suites/s.json", doc.dump());
  const Suite s = load_suite(dir.path() + "/suites/s.json");
  EXPECT_EQ(s.calibration.inputs.kind, Generator::Kind::kValues);
  EXPECT_EQ(s.calibration.inputs.values, (std::vector<double>{0.5, -1e-3, 2, 3}));
  EXPECT_EQ(s.calibration.inputs.json_path, "/data/calibration/inputs");
}

TEST(SuiteLoader, KeysWithSlashesAreEscapedInPointers) {
  json doc = tiny_suite();
  doc["layers"][0]["a/b~c"] = 1;
  try {
    parse_suite(doc, "t.json", ".");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).substr(0, 26), "t.json: /layers/0/a~1b~0c:");
  }
}

TEST(SuiteLoader, LongValuesAreShortenedInMessages) {
  json doc = tiny_suite();
  doc["layers"][0]["kernel"] = json::array();
  for (int i = 0; i < 100; ++i) doc["layers"][0]["kernel"].push_back(i);
  try {
    parse_suite(doc, "t.json", ".");
    FAIL();
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_LT(what.size(), 160u) << what;
    EXPECT_NE(what.find(", ...]"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace qb::harness
