// The "where precision is lost" list: worst local SQNR first, each layer put down to the
// first cause whose figure crosses its threshold.
#include "harness/diagnostics/precision_loss.h"

#include <gtest/gtest.h>

namespace qb::harness {
namespace {

LoadedRow row(const std::string& layer, int32_t index,
              std::map<std::string, std::optional<double>> values) {
  LoadedRow r;
  r.key = {"s", "host", layer};
  r.layer_index = index;
  r.values = std::move(values);
  return r;
}

TEST(PrecisionLoss, WorstFirstWithTheFirstCauseThatHolds) {
  const std::vector<LoadedRow> rows = {
      row("clipped", 0, {{"local_sqnr_db", 12.0}, {"sqnr_db", 11.0}, {"clip_pct", 4.5},
                         {"weight_sqnr_db", 13.0}, {"range_used_pct", 10.0}}),
      row("weights", 1, {{"local_sqnr_db", 20.0}, {"sqnr_db", 10.0}, {"clip_pct", 0.2},
                         {"weight_sqnr_db", 23.0}, {"weight_range_spread", 40.0}}),
      row("wide_range", 2, {{"local_sqnr_db", 25.0}, {"sqnr_db", 9.0}, {"clip_pct", 0.0},
                            {"weight_sqnr_db", 45.0}, {"range_used_pct", 16.0}}),
      row("rounding", 3, {{"local_sqnr_db", 30.0}, {"sqnr_db", 9.0}, {"range_used_pct", 90.0}}),
      row("add", 4, {{"sqnr_db", 8.0}}),  // no local figure: not listed
  };
  LoadedRow total = row("TOTAL", 0, {{"local_sqnr_db", 1.0}});
  total.layer_index.reset();
  std::vector<const LoadedRow*> pointers;
  for (const auto& r : rows) pointers.push_back(&r);
  pointers.push_back(&total);

  const auto all = where_precision_is_lost(pointers, 10);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].layer, "clipped");
  EXPECT_EQ(all[0].cause, "4.5% of outputs saturate (clip_pct)");
  EXPECT_EQ(all[1].layer, "weights");
  EXPECT_EQ(all[1].cause,
            "its weights keep 23.0 dB (weight_sqnr_db), channel ranges 40.0x apart (weight_range_spread)");
  EXPECT_EQ(all[2].layer, "wide_range");
  EXPECT_EQ(all[2].cause, "its outputs span 16.0% of the int8 range (range_used_pct)");
  EXPECT_EQ(all[3].layer, "rounding");
  EXPECT_EQ(all[3].cause, "int8 rounding of its output");
  EXPECT_DOUBLE_EQ(all[1].sqnr_db, 10.0);

  EXPECT_EQ(where_precision_is_lost(pointers).size(), 3u);  // at most three by default
}

}  // namespace
}  // namespace qb::harness
