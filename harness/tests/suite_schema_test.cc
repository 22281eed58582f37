// suites/suite.schema.json is for editors; the C++ loader is the reference. This keeps the
// two naming the same ops, keys and generator kinds.
#include <algorithm>
#include <set>
#include <string>

#include <gtest/gtest.h>

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
  EXPECT_EQ(keys_of(s.at("properties")),
            (std::set<std::string>{"$schema", "name", "description", "input", "layers", "data",
                                   "gates", "decision_grid"}));
  EXPECT_EQ(s.at("/$defs/generator/properties/generator/enum"_json_pointer),
            json({"sinusoid", "uniform", "constant", "values", "file"}));
}

}  // namespace
}  // namespace qb::harness
