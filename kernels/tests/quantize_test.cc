// quantize, dequantize and activation_range: rounding, saturation and the fused ranges.
#include "kernels/float/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/float/float_ops.h"

namespace qb::kernels::fp {
namespace {

TEST(Quantize, RoundsHalfAwayFromZeroAndSaturates) {
  const QuantParams q{0.5f, 10};
  EXPECT_EQ(quantize(0.0f, q), 10);
  EXPECT_EQ(quantize(0.25f, q), 11);  // 0.5 LSB -> 1
  EXPECT_EQ(quantize(-0.25f, q), 9);  // -0.5 LSB -> -1
  EXPECT_EQ(quantize(0.74f, q), 11);
  EXPECT_EQ(quantize(0.75f, q), 12);   // 1.5 -> 2
  EXPECT_EQ(quantize(-0.75f, q), 8);   // -1.5 -> -2
  EXPECT_EQ(quantize(58.5f, q), 127);  // 117 + 10
  EXPECT_EQ(quantize(59.0f, q), 127);  // 118 + 10, saturated
  EXPECT_EQ(quantize(-69.0f, q), -128);
  EXPECT_EQ(quantize(-1e30f, q), -128);
  EXPECT_EQ(quantize(std::numeric_limits<float>::infinity(), q), 127);
  EXPECT_EQ(quantize(-std::numeric_limits<float>::infinity(), q), -128);
  EXPECT_EQ(quantize(std::numeric_limits<float>::quiet_NaN(), q), 10);
}

TEST(Quantize, DequantizeInvertsQuantizeOnEveryCode) {
  for (const QuantParams q : {QuantParams{0.5f, 10}, QuantParams{0.0371f, -128},
                              QuantParams{3.3f, 127}, QuantParams{1e-6f, 0}}) {
    for (int v = -128; v <= 127; ++v) {
      const auto i8 = static_cast<int8_t>(v);
      EXPECT_FLOAT_EQ(dequantize(i8, q), q.scale * static_cast<float>(v - q.zero_point));
      EXPECT_EQ(quantize(dequantize(i8, q), q), i8);
    }
  }
}

TEST(Quantize, ActivationRanges) {
  const QuantParams q{0.05f, -20};
  int32_t lo = 0, hi = 0;
  activation_range(-kNoLimit, kNoLimit, q, &lo, &hi);
  EXPECT_EQ(lo, -128);
  EXPECT_EQ(hi, 127);
  activation_range(0.0f, kNoLimit, q, &lo, &hi);  // ReLU
  EXPECT_EQ(lo, -20);
  EXPECT_EQ(hi, 127);
  activation_range(0.0f, 6.0f, q, &lo, &hi);  // ReLU6: 6 / 0.05 = 120, + zp = 100
  EXPECT_EQ(lo, -20);
  EXPECT_EQ(hi, 100);
  activation_range(0.0f, 6.0f, {0.1f, 0}, &lo, &hi);  // 60
  EXPECT_EQ(hi, 60);
  activation_range(0.0f, 6.0f, {6.0f / 255.0f, -128}, &lo, &hi);  // the whole range
  EXPECT_EQ(lo, -128);
  EXPECT_EQ(hi, 127);
}

}  // namespace
}  // namespace qb::kernels::fp
