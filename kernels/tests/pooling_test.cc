// max_pool2d, avg_pool2d, global_avg_pool2d: hand-computed bytes, agreement with the
// float reference on random geometries, and byte equality with an int64 oracle.
#include "kernels/int8/pooling.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/float/float_ops.h"
#include "kernels/tests/test_util.h"

namespace qb::kernels {
namespace {

using test::Rng;

// round(sum / count) with ties away from zero, from the definition.
int32_t oracle_mean(int64_t sum, int64_t count) {
  const int64_t mag = sum < 0 ? -sum : sum;
  const int64_t rounded = (2 * mag + count) / (2 * count);
  return static_cast<int32_t>(sum < 0 ? -rounded : rounded);
}

// Visits every tap of the unclipped window and keeps those inside the input.
std::vector<int8_t> oracle_pool(bool average, const PoolParams& p, const Shape& in,
                                const std::vector<int8_t>& input, const Shape& out) {
  std::vector<int8_t> result(test::count(out));
  for (int32_t b = 0; b < out.n; ++b)
    for (int32_t oy = 0; oy < out.h; ++oy)
      for (int32_t ox = 0; ox < out.w; ++ox)
        for (int32_t c = 0; c < out.c; ++c) {
          int64_t sum = 0, n = 0, best = -1000;
          for (int32_t ky = 0; ky < p.filter_h; ++ky)
            for (int32_t kx = 0; kx < p.filter_w; ++kx) {
              const int32_t y = oy * p.stride_h - p.pad_top + ky;
              const int32_t x = ox * p.stride_w - p.pad_left + kx;
              if (y < 0 || y >= in.h || x < 0 || x >= in.w) continue;
              const int64_t v = input[((b * in.h + y) * in.w + x) * in.c + c];
              sum += v;
              ++n;
              best = std::max(best, v);
            }
          const int64_t v = average ? oracle_mean(sum, n) : best;
          result[((b * out.h + oy) * out.w + ox) * out.c + c] =
              static_cast<int8_t>(test::oracle_clamp(v, p.act_min, p.act_max));
        }
  return result;
}

// 3x3 image, two channels; 2x2 windows at stride 2, so the right column and bottom row
// windows hang over the edge (implied bottom/right padding).
//   c0: 1 2 3 / 4 5 6 / 7 8 9      c1: -1 -2 -3 / -4 -5 -6 / -7 -8 -100
const Shape kIn{1, 3, 3, 2}, kOut{1, 2, 2, 2};
const std::vector<int8_t> kInput = {1,  -1, 2,  -2, 3,  -3, 4,  -4, 5,
                                    -5, 6,  -6, 7,  -7, 8,  -8, 9,  -100};

PoolParams two_by_two() {
  PoolParams p;
  p.stride_h = p.stride_w = 2;
  p.filter_h = p.filter_w = 2;
  return p;
}

TEST(Pooling, MaxHandComputed) {
  std::vector<int8_t> out(8);
  max_pool2d(two_by_two(), kIn, kInput.data(), kOut, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{5, -1, 6, -3, 8, -7, 9, -100}));

  PoolParams relu = two_by_two();
  relu.act_min = -5;
  relu.act_max = 7;
  max_pool2d(relu, kIn, kInput.data(), kOut, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{5, -1, 6, -3, 7, -5, 7, -5}));
}

TEST(Pooling, AverageHandComputedCountsOnlyInsideTaps) {
  std::vector<int8_t> out(8);
  avg_pool2d(two_by_two(), kIn, kInput.data(), kOut, out.data());
  // (0,0): 12/4 = 3, -3;  (0,1): 9/2 = 4.5 -> 5, -5;  (1,0): 15/2 = 7.5 -> 8, -8;
  // (1,1): one tap. Counting padded taps would give 9/4 -> 2 at (0,1).
  EXPECT_EQ(out, (std::vector<int8_t>{3, -3, 5, -5, 8, -8, 9, -100}));

  PoolParams clamped = two_by_two();
  clamped.act_min = -4;
  clamped.act_max = 6;
  avg_pool2d(clamped, kIn, kInput.data(), kOut, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{3, -3, 5, -4, 6, -4, 6, -4}));
}

TEST(Pooling, PaddedTapsNeverWinOrCount) {
  // All-negative 2x2 image, 3x3 windows with one pixel of padding everywhere: every window
  // sees the whole image and nothing else.
  const Shape in{1, 2, 2, 1}, out_shape{1, 2, 2, 1};
  const std::vector<int8_t> input = {-50, -60, -70, -81};
  PoolParams p;
  p.filter_h = p.filter_w = 3;
  p.pad_top = p.pad_left = 1;
  std::vector<int8_t> out(4);
  max_pool2d(p, in, input.data(), out_shape, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{-50, -50, -50, -50}));
  avg_pool2d(p, in, input.data(), out_shape, out.data());
  // -261 / 4 = -65.25 -> -65 (a count of 9 would give -29).
  EXPECT_EQ(out, (std::vector<int8_t>{-65, -65, -65, -65}));
}

TEST(Pooling, GlobalAverageHandComputed) {
  // Two images of 2x3 pixels, two channels.
  const Shape in{2, 2, 3, 2};
  const std::vector<int8_t> input = {1,   -1,   2,   -2,   3,   -3,   4,   -4,
                                     5,   -5,   6,   -5,   127, -128, 127, -128,
                                     127, -128, 127, -128, 127, -128, 126, -127};
  std::vector<int8_t> out(4);
  global_avg_pool2d(-128, 127, in, input.data(), out.data());
  // 21/6 = 3.5 -> 4;  -20/6 = -3.33 -> -3;  761/6 = 126.83 -> 127;  -767/6 = -127.83 -> -128
  EXPECT_EQ(out, (std::vector<int8_t>{4, -3, 127, -128}));
  global_avg_pool2d(0, 100, in, input.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{4, 0, 100, 0}));
}

struct RandomPool {
  Shape in, out;
  PoolParams p;
  fp::PoolGeometry g;
};

RandomPool random_pool(Rng& rng) {
  RandomPool r;
  for (;;) {
    r.in = {test::uniform_int(rng, 1, 2), test::uniform_int(rng, 1, 12),
            test::uniform_int(rng, 1, 12), test::uniform_int(rng, 1, 21)};
    r.p.filter_h = test::uniform_int(rng, 1, 5);
    r.p.filter_w = test::uniform_int(rng, 1, 5);
    r.p.stride_h = test::uniform_int(rng, 1, 3);
    r.p.stride_w = test::uniform_int(rng, 1, 3);
    // Pads smaller than the window keep at least one real tap in every window.
    r.p.pad_top = test::uniform_int(rng, 0, r.p.filter_h - 1);
    r.p.pad_left = test::uniform_int(rng, 0, r.p.filter_w - 1);
    const int32_t span_h =
        r.in.h + r.p.pad_top + test::uniform_int(rng, 0, r.p.filter_h - 1) - r.p.filter_h;
    const int32_t span_w =
        r.in.w + r.p.pad_left + test::uniform_int(rng, 0, r.p.filter_w - 1) - r.p.filter_w;
    if (span_h < 0 || span_w < 0) continue;
    r.out = {r.in.n, span_h / r.p.stride_h + 1, span_w / r.p.stride_w + 1, r.in.c};
    r.g = {r.p.stride_h, r.p.stride_w, r.p.filter_h, r.p.filter_w, r.p.pad_top, r.p.pad_left};
    return r;
  }
}

TEST(Pooling, RandomMaxEqualsFloatAndOracle) {
  for (uint32_t seed = 0; seed < 500; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Rng rng(seed);
    RandomPool r = random_pool(rng);
    const double lo = test::uniform_real(rng, -3.0, 0.5);
    const auto q = test::activation_params(lo, lo + test::uniform_real(rng, 0.5, 6.0));
    const auto input = test::random_int8(rng, test::count(r.in));
    const auto input_f = test::dequantize_all(input, q);
    const fp::Activation act = test::random_activation(rng);
    fp::activation_range(act.min, act.max, q, &r.p.act_min, &r.p.act_max);

    std::vector<float> ref(test::count(r.out));
    fp::max_pool2d(r.g, act, r.in, input_f.data(), r.out, ref.data());
    std::vector<int8_t> got(test::count(r.out));
    max_pool2d(r.p, r.in, input.data(), r.out, got.data());
    // Max commutes with the monotone dequantize, and quantize(dequantize(q)) == q, so
    // the bound here is zero.
    ASSERT_EQ(got, test::quantize_all(ref, q));
    ASSERT_EQ(got, oracle_pool(false, r.p, r.in, input, r.out));
  }
}

TEST(Pooling, RandomAverageWithinOneLsbOfFloatAndEqualToOracle) {
  test::TieCheck ties("avg_pool2d");
  for (uint32_t seed = 0; seed < 500; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Rng rng(seed);
    RandomPool r = random_pool(rng);
    const double lo = test::uniform_real(rng, -3.0, 0.5);
    const auto q = test::activation_params(lo, lo + test::uniform_real(rng, 0.5, 6.0));
    const auto input = test::random_int8(rng, test::count(r.in));
    const auto input_f = test::dequantize_all(input, q);
    const fp::Activation act = test::random_activation(rng);
    fp::activation_range(act.min, act.max, q, &r.p.act_min, &r.p.act_max);

    std::vector<float> ref(test::count(r.out)), abs_mean(test::count(r.out));
    fp::avg_pool2d(r.g, act, r.in, input_f.data(), r.out, ref.data());
    const auto abs_in = test::abs_all(input_f);
    fp::avg_pool2d(r.g, {}, r.in, abs_in.data(), r.out, abs_mean.data());
    std::vector<int8_t> got(test::count(r.out));
    avg_pool2d(r.p, r.in, input.data(), r.out, got.data());
    // The kernel rounds mean(q) and the float path rounds mean(q) - zp; with an integer
    // zp they differ only at exact ties whose two sides have opposite signs, so the
    // window is the float error alone.
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_TRUE(
          ties.check(got[i], ref[i], q, test::float_error_lsb(abs_mean[i], ref[i], q.scale)))
          << "output " << i;
    }
    ASSERT_EQ(got, oracle_pool(true, r.p, r.in, input, r.out));
  }
}

TEST(Pooling, RandomGlobalAverageWithinOneLsbOfFloatAndEqualToOracle) {
  test::TieCheck ties("global_avg_pool2d");
  for (uint32_t seed = 0; seed < 500; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Rng rng(seed);
    const Shape in{test::uniform_int(rng, 1, 3), test::uniform_int(rng, 1, 15),
                   test::uniform_int(rng, 1, 15), test::uniform_int(rng, 1, 40)};
    const Shape out{in.n, 1, 1, in.c};
    const double lo = test::uniform_real(rng, -3.0, 0.5);
    const auto q = test::activation_params(lo, lo + test::uniform_real(rng, 0.5, 6.0));
    const auto input = test::random_int8(rng, test::count(in));
    const auto input_f = test::dequantize_all(input, q);
    const fp::Activation act = test::random_activation(rng);
    int32_t act_min = 0, act_max = 0;
    fp::activation_range(act.min, act.max, q, &act_min, &act_max);

    std::vector<float> ref(test::count(out)), abs_mean(test::count(out));
    fp::global_avg_pool2d(act, in, input_f.data(), ref.data());
    const auto abs_in = test::abs_all(input_f);
    fp::global_avg_pool2d({}, in, abs_in.data(), abs_mean.data());
    std::vector<int8_t> got(test::count(out));
    global_avg_pool2d(act_min, act_max, in, input.data(), got.data());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_TRUE(
          ties.check(got[i], ref[i], q, test::float_error_lsb(abs_mean[i], ref[i], q.scale)))
          << "output " << i;
    }
    // A global pool is an average pool whose one window is the whole image.
    PoolParams whole;
    whole.filter_h = in.h;
    whole.filter_w = in.w;
    whole.act_min = act_min;
    whole.act_max = act_max;
    ASSERT_EQ(got, oracle_pool(true, whole, in, input, out));
  }
}

TEST(Pooling, ExtremeValuesMatchOracle) {
  // Saturated images with large, heavily padded windows and tight activation ranges.
  const Shape in{2, 9, 8, 5};
  for (int8_t value : {int8_t{-128}, int8_t{127}}) {
    for (const auto& [amin, amax] : {std::pair{-128, 127}, std::pair{-20, 6}}) {
      std::vector<int8_t> input(test::count(in), value);
      input[17] = static_cast<int8_t>(-1 - value);
      PoolParams p;
      p.filter_h = 7;
      p.filter_w = 6;
      p.stride_h = 3;
      p.stride_w = 2;
      p.pad_top = 6;
      p.pad_left = 5;
      p.act_min = amin;
      p.act_max = amax;
      const Shape out{2, (9 + 6 + 6 - 7) / 3 + 1, (8 + 5 + 5 - 6) / 2 + 1, 5};
      std::vector<int8_t> got(test::count(out));
      max_pool2d(p, in, input.data(), out, got.data());
      ASSERT_EQ(got, oracle_pool(false, p, in, input, out)) << int32_t{value};
      avg_pool2d(p, in, input.data(), out, got.data());
      ASSERT_EQ(got, oracle_pool(true, p, in, input, out)) << int32_t{value};

      std::vector<int8_t> global(10);
      global_avg_pool2d(amin, amax, in, input.data(), global.data());
      PoolParams whole;
      whole.filter_h = in.h;
      whole.filter_w = in.w;
      whole.act_min = amin;
      whole.act_max = amax;
      ASSERT_EQ(global, oracle_pool(true, whole, in, input, {2, 1, 1, 5})) << int32_t{value};
    }
  }
}

}  // namespace
}  // namespace qb::kernels
