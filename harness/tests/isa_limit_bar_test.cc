// The committed baseline's larger layers against what the instruction sets allow
// (reports/isa_limit_bar.json): instructions per MAC at most the bar, or, for a layer
// listed as open, at most its ceiling (today's figure), a list that may only shrink.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "harness/tests/baseline_test_support.h"

namespace qb::harness {
namespace {

using testing::baseline_insns;
using testing::baseline_row;
using testing::hold_to_bar;
using testing::source_dir;

TEST(IsaLimitBar, LargerLayersPerMac) {
  std::ifstream in(source_dir() + "/reports/isa_limit_bar.json");
  ASSERT_TRUE(in.good());
  const nlohmann::json bar = nlohmann::json::parse(in);
  const std::string suite = bar["suite"];
  std::set<std::string> seen;
  for (const auto& [layer, cores] : bar["insns_per_mac"].items()) {
    for (const auto& [core, limit] : cores.items()) {
      const LoadedRow* r = baseline_row(suite, core, layer);
      ASSERT_NE(r, nullptr) << suite << "/" << layer << " on " << core << ": not in the baseline";
      const double macs = r->value("macs").value_or(0.0);
      ASSERT_GT(macs, 0) << layer;
      ASSERT_GT(baseline_insns(*r), 0) << layer << " on " << core;
      hold_to_bar(suite + "/" + layer + "/" + core, baseline_insns(*r) / macs, limit.get<double>(),
                  bar["open"], &seen, " insns/MAC");
    }
  }
  // A stale open entry would hide nothing, but would say a bar is missed where it is not.
  for (const auto& [key, ceiling] : bar["open"].items()) EXPECT_TRUE(seen.count(key)) << key;
}

}  // namespace
}  // namespace qb::harness
