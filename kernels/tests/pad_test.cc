// pad: hand-computed bytes, and equality with the float pad (which pads 0.0, the real
// zero) on random shapes.
#include "kernels/int8/pad.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/float/float_ops.h"
#include "kernels/tests/test_util.h"

namespace qb::kernels {
namespace {

using test::Rng;

TEST(Pad, HandComputed) {
  const Shape in{1, 1, 2, 2}, out_shape{1, 2, 3, 2};
  const std::vector<int8_t> input = {1, 2, 3, 4};
  PadParams p;
  p.pad_top = 1;
  p.pad_right = 1;
  p.pad_value = -7;
  std::vector<int8_t> out(test::count(out_shape), 99);
  pad(p, in, input.data(), out_shape, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{-7, -7, -7, -7, -7, -7,  //
                                      1, 2, 3, 4, -7, -7}));
}

TEST(Pad, HandComputedAllSidesAndBatches) {
  const Shape in{2, 1, 1, 1}, out_shape{2, 3, 2, 1};
  const std::vector<int8_t> input = {127, -128};
  PadParams p;
  p.pad_top = 1;
  p.pad_bottom = 1;
  p.pad_left = 1;
  p.pad_value = -128;
  std::vector<int8_t> out(test::count(out_shape), 99);
  pad(p, in, input.data(), out_shape, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{-128, -128, -128, 127, -128, -128,  //
                                      -128, -128, -128, -128, -128, -128}));
}

TEST(Pad, RandomShapesEqualFloatPad) {
  for (uint32_t seed = 0; seed < 200; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Rng rng(seed);
    const Shape in{test::uniform_int(rng, 1, 3), test::uniform_int(rng, 1, 9),
                   test::uniform_int(rng, 1, 9), test::uniform_int(rng, 1, 19)};
    PadParams p;
    p.pad_top = test::uniform_int(rng, 0, 4);
    p.pad_bottom = test::uniform_int(rng, 0, 4);
    p.pad_left = test::uniform_int(rng, 0, 4);
    p.pad_right = test::uniform_int(rng, 0, 4);
    const Shape out{in.n, in.h + p.pad_top + p.pad_bottom, in.w + p.pad_left + p.pad_right, in.c};
    const double lo = test::uniform_real(rng, -3.0, 0.5);
    const auto q = test::activation_params(lo, lo + test::uniform_real(rng, 0.5, 6.0));
    p.pad_value = static_cast<int8_t>(q.zero_point);
    const auto input = test::random_int8(rng, test::count(in));
    const auto input_f = test::dequantize_all(input, q);

    std::vector<float> ref(test::count(out));
    fp::pad(p.pad_top, p.pad_bottom, p.pad_left, p.pad_right, in, input_f.data(), out, ref.data());
    std::vector<int8_t> got(test::count(out));
    pad(p, in, input.data(), out, got.data());
    // Copies and the real zero are exact in both domains: no tolerance.
    ASSERT_EQ(got, test::quantize_all(ref, q));
  }
}

}  // namespace
}  // namespace qb::kernels
