// The host-side numerics around the kernels: how calibration picks scales and zero
// points, and how error metrics and decisions are computed.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "harness/pipeline/calibration.h"
#include "harness/pipeline/metrics.h"

namespace qb::harness {
namespace {

TEST(AsymmetricParams, CoversTheRangeAndKeepsZeroExact) {
  const auto q = asymmetric_params(-1.0f, 3.0f);
  EXPECT_FLOAT_EQ(q.scale, 4.0f / 255.0f);
  EXPECT_EQ(q.zero_point, -64);  // -128 + round(1 / (4/255)) = -128 + 64
  EXPECT_EQ(kernels::fp::quantize(0.0f, q), q.zero_point);
  EXPECT_EQ(kernels::fp::quantize(-1.0f, q), -128);
  EXPECT_EQ(kernels::fp::quantize(3.0f, q), 127);
}

TEST(AsymmetricParams, WidensToIncludeZero) {
  // After a ReLU the observed range starts above 0; zero must stay representable.
  const auto positive = asymmetric_params(0.5f, 2.55f);
  EXPECT_EQ(positive.zero_point, -128);
  EXPECT_FLOAT_EQ(positive.scale, 0.01f);
  const auto negative = asymmetric_params(-2.55f, -0.5f);
  EXPECT_EQ(negative.zero_point, 127);
}

TEST(AsymmetricParams, ConstantZeroTensorGetsAUsableScale) {
  const auto q = asymmetric_params(0.0f, 0.0f);
  EXPECT_GT(q.scale, 0.0f);
  EXPECT_TRUE(std::isfinite(1.0f / q.scale));
}

TEST(ErrorMetrics, ExactValuesHaveInfiniteSqnrAndZeroError) {
  const kernels::fp::QuantParams q{0.5f, 0};
  const auto m = error_metrics({-1.0f, 0.0f, 0.5f, 2.0f}, {-2, 0, 1, 4}, q);
  EXPECT_TRUE(std::isinf(m.sqnr_db));
  EXPECT_EQ(m.max_abs_err, 0.0);
  ASSERT_TRUE(m.err_pct_range.has_value());
  EXPECT_EQ(*m.err_pct_range, 0.0);
}

TEST(ErrorMetrics, KnownErrorGivesKnownFigures) {
  // reference 3, 4 (energy 25); dequantized 3, 3 (error energy 1): 10 log10(25) dB.
  const kernels::fp::QuantParams q{1.0f, 0};
  const auto m = error_metrics({3.0f, 4.0f}, {3, 3}, q);
  EXPECT_NEAR(m.sqnr_db, 10.0 * std::log10(25.0), 1e-9);
  EXPECT_DOUBLE_EQ(m.max_abs_err, 1.0);
  EXPECT_DOUBLE_EQ(*m.err_pct_range, 100.0);  // error 1 over a float range of 1
}

TEST(ErrorMetrics, ConstantReferenceHasNoPercentOfRange) {
  const auto m = error_metrics({2.0f, 2.0f}, {2, 1}, {1.0f, 0});
  EXPECT_FALSE(m.err_pct_range.has_value());
}

TEST(Decision, ArgmaxTakesTheFirstOfEqualMaxima) {
  const float v[] = {0.1f, 0.7f, 0.7f, -3.0f};
  EXPECT_EQ(decision(v, 4), 1);
}

TEST(Decision, SingleOutputIsThresholded) {
  const float low = 0.49f, high = 0.51f;
  EXPECT_EQ(decision(&low, 1), 0);
  EXPECT_EQ(decision(&high, 1), 1);
}

}  // namespace
}  // namespace qb::harness
