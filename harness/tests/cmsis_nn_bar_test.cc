// The committed baseline against Arm's CMSIS-NN figures (reports/cmsis_nn_bar.json): the
// instruction counts CI gates on must stay below the bar the kernels were built to beat,
// so a change that gives the win back fails here even if it updates the baseline.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "harness/tests/baseline_test_support.h"

namespace qb::harness {
namespace {

using testing::source_dir;

nlohmann::json bar() {
  std::ifstream in(source_dir() + "/reports/cmsis_nn_bar.json");
  EXPECT_TRUE(in.good());
  return nlohmann::json::parse(in);
}

const LoadedRow* row(const std::string& suite, const std::string& target, const std::string& layer) {
  return testing::baseline_row(suite, target, layer);
}

double insns(const LoadedRow& r) { return testing::baseline_insns(r); }

int64_t elements(const std::string& out_shape) {  // "1x8x8x8"
  int64_t product = 1;
  std::stringstream in(out_shape);
  std::string dim;
  while (std::getline(in, dim, 'x')) product *= std::stoll(dim);
  return product;
}

TEST(CmsisNnBar, SuiteTotalsOnTheGatedTargets) {
  const nlohmann::json totals = bar()["suite_totals"];
  const double ratio = totals["max_ratio"];
  for (const auto& target : totals["gated_targets"]) {
    for (const auto& [suite, figures] : totals["insns"].items()) {
      const double cmsis = figures[target.get<std::string>()];
      const LoadedRow* total = row(suite, target, "TOTAL");
      ASSERT_NE(total, nullptr) << suite << " " << target;
      EXPECT_GT(insns(*total), 0) << suite << " " << target;
      EXPECT_LE(insns(*total), ratio * cmsis)
          << suite << " on " << target << ": " << insns(*total) << " insns, CMSIS-NN " << cmsis;
    }
  }
}

TEST(CmsisNnBar, LargerLayersPerMac) {
  const nlohmann::json per_mac = bar()["insns_per_mac"];
  const double ratio = per_mac["max_ratio"];
  for (const auto& [where, figures] : per_mac["layers"].items()) {
    const std::string suite = where.substr(0, where.find('/'));
    const std::string layer = where.substr(where.find('/') + 1);
    for (const auto& [target, cmsis] : figures.items()) {
      const LoadedRow* r = row(suite, target, layer);
      ASSERT_NE(r, nullptr) << where << " " << target;
      const double macs = r->value("macs").value_or(0.0);
      ASSERT_GT(macs, 0) << where;
      EXPECT_LE(insns(*r) / macs, ratio * cmsis.get<double>())
          << where << " on " << target << ": " << insns(*r) / macs << " insns/MAC";
    }
  }
}

// Per element of an add's output; the loader keeps no shapes, so read them from the CSV.
std::map<std::string, int64_t> add_elements(const std::string& target) {
  std::ifstream in(source_dir() + "/reports/baseline/report.csv");
  std::string line;
  std::getline(in, line);
  std::map<std::string, int64_t> result;  // "suite/layer" -> elements
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    // suite, target, layer_index, layer, op, out_shape, ...
    if (cells.size() > 5 && cells[1] == target && cells[4].rfind("add", 0) == 0) {
      result[cells[0] + "/" + cells[3]] = elements(cells[5]);
    }
  }
  return result;
}

TEST(CmsisNnBar, KnownWeakLayers) {
  const nlohmann::json rates = bar()["layer_rates"];
  const double ratio = rates["max_ratio"];
  for (const auto& [target, cmsis] : rates["add_insns_per_element"].items()) {
    const auto adds = add_elements(target);
    EXPECT_FALSE(adds.empty()) << target;
    for (const auto& [where, count] : adds) {
      const LoadedRow* r = row(where.substr(0, where.find('/')), target, where.substr(where.find('/') + 1));
      ASSERT_NE(r, nullptr) << where;
      EXPECT_LE(insns(*r) / static_cast<double>(count), ratio * cmsis.get<double>())
          << where << " on " << target << ": insns per element";
    }
  }
  for (const auto& [target, cmsis] : rates["one_channel_3x3_stem_insns_per_mac"].items()) {
    const LoadedRow* stem = row("kws", target, "conv1");  // 3x3, one input channel
    ASSERT_NE(stem, nullptr);
    EXPECT_LE(insns(*stem) / stem->value("macs").value_or(1.0), ratio * cmsis.get<double>());
  }
}

}  // namespace
}  // namespace qb::harness
