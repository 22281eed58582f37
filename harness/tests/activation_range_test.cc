// Clipping: values past what the output quantization holds count, values within half a
// step of its ends do not.
#include "harness/diagnostics/activation_range.h"

#include <gtest/gtest.h>

namespace qb::harness {
namespace {

TEST(ActivationClipping, CountsValuesPastHalfAStepOutsideTheRange) {
  // scale 0.1, zero point -28: the int8 range holds [-10.0, 15.5].
  const kernels::fp::QuantParams q{0.1f, -28};
  EXPECT_DOUBLE_EQ(clip_percent({-10.0f, 0.0f, 15.5f, -10.04f, 15.54f}, q), 0.0);
  EXPECT_DOUBLE_EQ(clip_percent({-10.06f, 0.0f, 15.56f, 3.0f}, q), 50.0);
  EXPECT_DOUBLE_EQ(clip_percent({100.0f}, q), 100.0);
}

TEST(ActivationClipping, NoValuesNoClipping) {
  EXPECT_DOUBLE_EQ(clip_percent({}, {0.1f, 0}), 0.0);
  EXPECT_DOUBLE_EQ(range_used_percent({}, {0.1f, 0}), 0.0);
}

TEST(ActivationRange, UsedShareOfTheInt8Range) {
  // ReLU6's fixed [0, 6] (scale 6/255) over outputs that reach only 1.5: a quarter.
  const kernels::fp::QuantParams relu6{6.0f / 255.0f, -128};
  EXPECT_NEAR(range_used_percent({0.0f, 0.7f, 1.5f}, relu6), 25.0, 1e-4);
  EXPECT_NEAR(range_used_percent({0.0f, 6.0f}, relu6), 100.0, 1e-4);
}

}  // namespace
}  // namespace qb::harness
