// The MobileNetV1-style quantization study (suites/mnv1_*.json): 8-bit TensorFlow's
// choices collapse the int8 network's agreement with float, each fix recovers most of it,
// and the "where precision is lost" inputs name a depthwise layer and its weight spread,
// as the study found. Runs the committed suites on the host through the CLI.
#include <gtest/gtest.h>

#include <string>

#include "harness/compare/report_loader.h"
#include "harness/diagnostics/precision_loss.h"
#include "harness/tests/cli_test_support.h"

namespace qb::harness {
namespace {

using testing::qbench;

TEST(QuantStudy, TheTf8VariantFallsFarBelowEveryFix) {
  const testing::ScratchDir dir;
  const auto run = qbench("run --suite mnv1_tf8 mnv1_zero_variance mnv1_dw_per_channel "
                          "mnv1_relu mnv1_all_fixes --target host --repetitions 1 --out '" +
                          dir.path() + "'");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const LoadedReport report = load_report(dir.path());
  const auto total = [&](const std::string& suite, const char* column) {
    const LoadedRow* row = report.find({suite, "host", "TOTAL"});
    return row != nullptr ? row->value(column).value_or(-1.0) : -1.0;
  };
  const double tf8 = total("mnv1_tf8", "top1_agreement");
  for (const char* fixed : {"mnv1_zero_variance", "mnv1_dw_per_channel", "mnv1_relu", "mnv1_all_fixes"}) {
    EXPECT_GT(total(fixed, "top1_agreement"), tf8 + 0.15) << fixed;
    EXPECT_GT(total(fixed, "sqnr_db"), total("mnv1_tf8", "sqnr_db") + 10.0) << fixed;
  }
  EXPECT_LT(tf8, 0.8);

  // The layer that loses most in the TF8-like variant is a depthwise one, for its weights.
  std::vector<const LoadedRow*> rows;
  for (const auto& row : report.rows) {
    if (row.key.suite == "mnv1_tf8" && row.key.target == "host") rows.push_back(&row);
  }
  const auto losses = where_precision_is_lost(rows, 1);
  ASSERT_EQ(losses.size(), 1u);
  EXPECT_EQ(losses[0].layer.rfind("dw", 0), 0u) << losses[0].layer;
  EXPECT_NE(losses[0].cause.find("weight_range_spread"), std::string::npos) << losses[0].cause;
}

}  // namespace
}  // namespace qb::harness
