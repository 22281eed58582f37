// suites/suite.schema.json is for editors; the C++ loader is the reference. This keeps the
// two naming the same ops, keys and generator kinds, for declared suites and model suites.
#include <algorithm>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "harness/suite/input_error.h"
#include "harness/suite/json_input.h"
#include "harness/suite/suite_loader.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

using nlohmann::json;

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
    OpKind::kRelu,      OpKind::kRelu6,           OpKind::kSigmoid};

TEST(SuiteSchema, NamesTheSameOpsAndKeys) {
  const json s = schema();
  EXPECT_EQ(s.at("$schema"), "https://json-schema.org/draft/2020-12/schema");
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
  EXPECT_EQ(keys_of(s.at("/$defs/declared_suite/properties"_json_pointer)),
            (std::set<std::string>{"$schema", "name", "description", "input", "layers", "data",
                                   "gates", "decision_grid"}));
  EXPECT_EQ(s.at("/$defs/generator/properties/generator/enum"_json_pointer),
            json({"sinusoid", "uniform", "constant", "values", "file"}));
}

// The keys the loader allows at `pointer` of `doc`, as it lists them when it refuses an
// unknown key there: `...: expected a key of WHAT ("a", "b" or "c"), got unknown key "x"`.
std::set<std::string> loader_keys(json doc, const std::string& pointer) {
  const std::string unknown = "zz_not_a_key";
  doc[json::json_pointer(pointer)][unknown] = 1;
  std::string message;
  try {
    parse_suite(doc, "suite.json", testing::source_dir());
  } catch (const InputError& e) {
    message = e.what();
  }
  const size_t end = message.rfind("), got unknown key \"" + unknown + "\"");
  const size_t begin = message.rfind('(', end);
  if (end == std::string::npos || begin == std::string::npos) {
    ADD_FAILURE() << pointer << ": no list of allowed keys in: " << message;
    return {};
  }
  std::set<std::string> keys;
  for (size_t open = message.find('"', begin); open < end; open = message.find('"', open + 1)) {
    const size_t close = message.find('"', open + 1);
    keys.insert(message.substr(open + 1, close - open - 1));
    open = close;
  }
  return keys;
}

TEST(SuiteSchema, ModelSuiteNamesTheLoadersKeys) {
  const json s = schema();
  EXPECT_EQ(s.at("oneOf"), json::parse(R"([{"$ref": "#/$defs/declared_suite"}, {"$ref": "#/$defs/model_suite"}])"));
  const json& model_suite = s.at("/$defs/model_suite"_json_pointer);
  const json generated = {
      {"name", "m"},
      {"model", {{"tflite", testing::source_dir() + "/models/hello_world_int8.tflite"}}},
      {"data", {{"test", {{"samples", 2}, {"inputs", {{"generator", "uniform"}, {"seed", 1}}}}}}}};
  json from_files = generated;
  from_files["data"]["test"] = {{"files", {"in.bin"}}};

  EXPECT_EQ(keys_of(model_suite.at("properties")), loader_keys(generated, ""));
  EXPECT_EQ(keys_of(model_suite.at("/properties/model/properties"_json_pointer)), loader_keys(generated, "/model"));
  EXPECT_EQ(keys_of(model_suite.at("/properties/data/properties"_json_pointer)), loader_keys(generated, "/data"));
  const json& test_forms = model_suite.at("/properties/data/properties/test/oneOf"_json_pointer);
  ASSERT_EQ(test_forms.size(), 2u);
  EXPECT_EQ(keys_of(test_forms[0].at("properties")), loader_keys(from_files, "/data/test"));
  EXPECT_EQ(test_forms[1].at("$ref"), "#/$defs/test_set");
  EXPECT_EQ(keys_of(s.at("/$defs/test_set/properties"_json_pointer)), loader_keys(generated, "/data/test"));
  for (const json* object : {&model_suite, &model_suite.at("/properties/model"_json_pointer),
                             &model_suite.at("/properties/data"_json_pointer), &test_forms[0]}) {
    EXPECT_EQ(object->at("additionalProperties"), false) << object->dump();
  }
  // "data" is optional for the loader as for the schema: the model's input range serves.
  EXPECT_EQ(model_suite.at("required"), json({"name", "model"}));
  const Suite no_data = parse_suite_text(R"({"name": "m", "model": {"tflite": "../models/hello_world_int8.tflite"}})",
                                         "m.json", testing::source_dir() + "/suites");
  ASSERT_TRUE(no_data.model.has_value());
  EXPECT_EQ(no_data.test.samples, 0);
  EXPECT_TRUE(no_data.input_files.empty());
}

}  // namespace
}  // namespace qb::harness
