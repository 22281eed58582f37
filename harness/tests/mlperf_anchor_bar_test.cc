// The committed baseline against what users would deploy instead: TensorFlow Lite Micro
// with CMSIS-NN on the same models and cores (reports/anchors/, held as
// reports/mlperf_anchor_bar.json says). Per inference at most max_total_ratio of its
// instructions, per operator at most max_operator_ratio; what is not there yet is listed
// as open with today's ratio as its ceiling, and the list may only shrink.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "harness/tests/baseline_test_support.h"

namespace qb::harness {
namespace {

using testing::baseline_insns;
using testing::baseline_row;
using testing::hold_to_bar;
using testing::source_dir;

nlohmann::json bar() {
  std::ifstream in(source_dir() + "/reports/mlperf_anchor_bar.json");
  EXPECT_TRUE(in.good());
  return nlohmann::json::parse(in);
}

struct AnchorOp {
  std::string op;  // TFLite's name, e.g. CONV_2D
  double insns = 0;
};

// (model, core) -> op_index ("" for TOTAL) -> the anchor's figure.
using Anchors = std::map<std::pair<std::string, std::string>, std::map<std::string, AnchorOp>>;

Anchors anchors(const std::string& relative_path) {
  std::ifstream in(source_dir() + "/" + relative_path);
  EXPECT_TRUE(in.good()) << relative_path;
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "model,core,op_index,op,insns");
  Anchors result;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    if (cells.size() == 4) cells.push_back("");  // a trailing empty field
    EXPECT_EQ(cells.size(), 5u) << line;
    if (cells.size() != 5) continue;
    result[{cells[0], cells[1]}][cells[2]] = AnchorOp{cells[3], std::stod(cells[4])};
  }
  return result;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

TEST(MlperfAnchorBar, EveryModelPerInferenceAndPerOperator) {
  const nlohmann::json b = bar();
  const Anchors all = anchors(b["anchors"]);
  const double total_limit = b["max_total_ratio"], op_limit = b["max_operator_ratio"];
  std::set<std::string> seen_totals, seen_ops;
  for (const auto& [suite, model] : b["suites"].items()) {
    for (const auto& core_json : b["cores"]) {
      const std::string core = core_json;
      const auto found = all.find({model.get<std::string>(), core});
      ASSERT_NE(found, all.end()) << model << " " << core << ": no anchor";
      const std::map<std::string, AnchorOp>& ops = found->second;

      const LoadedRow* total = baseline_row(suite, core, "TOTAL");
      ASSERT_NE(total, nullptr) << suite << " " << core << ": not in the baseline";
      ASSERT_TRUE(ops.count(""));
      hold_to_bar(suite + "/" + core, baseline_insns(*total) / ops.at("").insns, total_limit,
                  b["open"]["totals"], &seen_totals, "x the anchor");

      // Layers map one to one: the baseline's layer "op<index>_<operator>" is the anchor's
      // operator <index>.
      size_t layers = 0;
      for (const LoadedRow& r : testing::committed_baseline().rows) {
        if (r.key.suite != suite || r.key.target != core || r.key.layer == "TOTAL") continue;
        ++layers;
        const std::string& layer = r.key.layer;
        const size_t underscore = layer.find('_');
        ASSERT_EQ(layer.rfind("op", 0), 0u) << layer;
        const std::string index = layer.substr(2, underscore - 2);
        ASSERT_TRUE(ops.count(index)) << suite << " " << layer << ": no anchor operator " << index;
        EXPECT_EQ(layer.substr(underscore + 1), lower(ops.at(index).op)) << suite << " " << layer;
        hold_to_bar(suite + "/" + core + "/" + layer, baseline_insns(r) / ops.at(index).insns,
                    op_limit, b["open"]["operators"], &seen_ops, "x the anchor");
      }
      EXPECT_EQ(layers + 1, ops.size()) << suite << " " << core << ": layers and operators differ";
    }
  }
  // Every open entry names something the test held: a stale one would hide nothing, but
  // would say the bar is missed where it is not.
  for (const auto& [key, ceiling] : b["open"]["totals"].items()) EXPECT_TRUE(seen_totals.count(key)) << key;
  for (const auto& [key, ceiling] : b["open"]["operators"].items()) EXPECT_TRUE(seen_ops.count(key)) << key;
}

}  // namespace
}  // namespace qb::harness
