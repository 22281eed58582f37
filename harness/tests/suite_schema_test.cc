// suites/suite.schema.json is the reference for the suite format: every suite is checked
// against it first (suite_schema.h). These tests hold what the C++ still knows about the
// format to the schema (op names and keys, generator kinds, bounds in limits.h), the
// compiled-in copy to the file, and the checker to its promise: every violation, each
// with its JSON pointer, what was expected and what was there.
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "harness/suite/input_error.h"
#include "harness/suite/json_input.h"
#include "harness/suite/limits.h"
#include "harness/suite/suite_loader.h"
#include "harness/suite/suite_schema.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

using nlohmann::json;
using testing::tiny_suite;

json schema() {
  const std::string path = testing::source_dir() + "/suites/suite.schema.json";
  return json_input::parse_text(json_input::read_text_file(path, path), path);
}

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.insert(it.key());
  return keys;
}

constexpr OpKind kAllOps[] = {
    OpKind::kConv2d,    OpKind::kDepthwiseConv2d, OpKind::kPointwiseConv2d,
    OpKind::kDense,     OpKind::kAdd,             OpKind::kMaxPool2d,
    OpKind::kAvgPool2d, OpKind::kGlobalAvgPool2d, OpKind::kPad,
    OpKind::kRelu,      OpKind::kRelu6,           OpKind::kSigmoid,
    OpKind::kBatchNorm};

TEST(SuiteSchema, TheBinaryChecksAgainstTheFileInTheTree) {
  EXPECT_EQ(json::parse(suite_schema_text()), schema());
}

TEST(SuiteSchema, NamesTheOpsAndKeysTheLoaderReads) {
  const json s = schema();
  std::vector<std::string> ops;
  for (OpKind op : kAllOps) ops.push_back(op_name(op));
  EXPECT_EQ(s.at("/$defs/layer/properties/op/enum"_json_pointer).get<std::vector<std::string>>(),
            ops);
  for (OpKind op : kAllOps) {
    const std::vector<std::string> keys = layer_keys(op);
    const json& def = s.at("$defs").at(std::string("op_") + op_name(op));
    EXPECT_EQ(keys_of(def.at("properties")), std::set<std::string>(keys.begin(), keys.end()))
        << op_name(op);
    EXPECT_EQ(def.at("additionalProperties"), false) << op_name(op);
  }
  EXPECT_EQ(s.at("/$defs/generator/properties/generator/enum"_json_pointer),
            json({"sinusoid", "uniform", "constant", "values", "file"}));
}

TEST(SuiteSchema, BoundsAreTheLimitsTheHarnessIsBuiltFor) {
  const json d = schema().at("$defs");
  const json& declared = d.at("/declared_suite/properties"_json_pointer);
  EXPECT_EQ(declared.at("/input/properties/shape/items/maximum"_json_pointer), limits::kMaxDim);
  EXPECT_EQ(declared.at("/layers/maxItems"_json_pointer), limits::kMaxLayers);
  EXPECT_EQ(declared.at("/decision_grid/anyOf/1/maximum"_json_pointer), limits::kMaxDecisionGrid);
  EXPECT_EQ(d.at("/channels/maximum"_json_pointer), limits::kMaxDim);
  EXPECT_EQ(d.at("/pad_padding/oneOf/0/maximum"_json_pointer), limits::kMaxDim);
  for (const char* window : {"kernel", "pool"}) {
    EXPECT_EQ(d.at(window).at("/oneOf/0/maximum"_json_pointer), limits::kMaxKernel) << window;
  }
  EXPECT_EQ(d.at("/stride/oneOf/0/maximum"_json_pointer), limits::kMaxStride);
  // Pads stay below the window: at most kMaxKernel - 1.
  EXPECT_EQ(d.at("/window_padding/oneOf/1/maximum"_json_pointer), limits::kMaxKernel - 1);
  EXPECT_EQ(d.at("/test_set/properties/samples/maximum"_json_pointer), limits::kMaxSamples);
  EXPECT_EQ(d.at("/identifier/pattern"_json_pointer),
            "^[A-Za-z0-9_][A-Za-z0-9_.-]{0," + std::to_string(limits::kMaxNameLength - 1) + "}$");
}

TEST(SuiteSchema, EveryCommittedSuitePasses) {
  for (const auto& entry :
       std::filesystem::directory_iterator(testing::source_dir() + "/suites")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name == "suite.schema.json" ||
        name == "presets.json") {
      continue;
    }
    const std::string path = entry.path().string();
    const json doc = json_input::parse_text(json_input::read_text_file(path, path), path);
    const std::vector<SchemaViolation> violations = check_suite_schema(doc);
    EXPECT_TRUE(violations.empty())
        << name << ": " << violations.front().pointer << ": " << violations.front().expected;
  }
}

TEST(SuiteSchema, ReportsEveryViolationWithItsPointer) {
  json doc = tiny_suite();
  doc["input"]["shape"] = {8, 0, 1};
  doc["layers"][0]["kernel"] = {3, "x"};
  doc["layers"][1]["filters"] = 4;
  doc["data"]["calibration"]["inputs"]["generator"] = "gaussian";
  doc["gates"] = {{"min_top1_agreement", 2}};
  const std::vector<SchemaViolation> v = check_suite_schema(doc);
  std::vector<std::string> lines;
  for (const SchemaViolation& x : v) lines.push_back(x.pointer + ": expected " + x.expected + ", got " + x.got);
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "/data/calibration/inputs/generator: expected \"sinusoid\", \"uniform\", "
                       "\"constant\", \"values\" or \"file\", got \"gaussian\"",
                       "/gates/min_top1_agreement: expected a number in 0..1, got 2",
                       "/input/shape: expected 1 to 3 integers [h, w, c] in 1..4096, got [8, 0, 1]",
                       "/layers/0/kernel: expected two integers in 1..15, got [3, \"x\"]",
                       "/layers/1/filters: expected a key of a max_pool2d layer (\"name\", \"op\", "
                       "\"inputs\", \"pool\", \"stride\", \"padding\" or \"activation\"), got "
                       "unknown key \"filters\""}));

  // The loader reports them all, one line each, before any check of its own.
  try {
    parse_suite(doc, "suites/bad.json", ".");
    FAIL() << "accepted";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(std::count(what.begin(), what.end(), '\n'), 4) << what;
    EXPECT_EQ(what.rfind("suites/bad.json: /", 0), 0u) << what;
  }
}

TEST(SuiteSchema, IntegralNumbersAreIntegersAsJsonSchemaSays) {
  json doc = tiny_suite();
  doc["layers"][0]["filters"] = 4.0;
  EXPECT_TRUE(check_suite_schema(doc).empty());
  doc["layers"][0]["filters"] = 4.5;
  ASSERT_EQ(check_suite_schema(doc).size(), 1u);
  EXPECT_EQ(check_suite_schema(doc)[0].got, "4.5");
}

TEST(SuiteSchema, ModelSuitesAreCheckedAsModelSuites) {
  const json generated = {
      {"name", "m"},
      {"model", {{"tflite", "m.tflite"}}},
      {"data", {{"test", {{"samples", 2}, {"inputs", {{"generator", "uniform"}, {"seed", 1}}}}}}}};
  EXPECT_TRUE(check_suite_schema(generated).empty());
  EXPECT_TRUE(check_suite_schema(json{{"name", "m"}, {"model", {{"tflite", "m.tflite"}}}}).empty());

  // "model" picks the kind: a model suite with layers is told about the layers, not about
  // the keys a declared suite would miss.
  json with_layers = generated;
  with_layers["layers"] = json::array();
  auto v = check_suite_schema(with_layers);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].pointer, "/layers");
  EXPECT_EQ(v[0].got, "unknown key \"layers\"");
  EXPECT_EQ(v[0].expected.rfind("a key of a model suite (", 0), 0u) << v[0].expected;

  // "files" picks the test set's form the same way.
  json files = generated;
  files["data"]["test"] = {{"files", {"in.bin"}}, {"samples", 1}};
  v = check_suite_schema(files);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].pointer, "/data/test/samples");
  EXPECT_EQ(v[0].expected, "a key of a test set of input files (\"files\" or \"labels\")");

  // Without "data" the loader leaves the test set to the model's input range.
  const Suite no_data = parse_suite_text(R"({"name": "m", "model": {"tflite": "../models/hello_world_int8.tflite"}})",
                                         "m.json", testing::source_dir() + "/suites");
  ASSERT_TRUE(no_data.model.has_value());
  EXPECT_EQ(no_data.test.samples, 0);
  EXPECT_TRUE(no_data.input_files.empty());
}

}  // namespace
}  // namespace qb::harness
