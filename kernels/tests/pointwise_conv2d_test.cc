// pointwise_conv2d: hand-computed bytes, agreement with the float reference (a 1x1
// fp::conv2d) on random layers, and byte equality with an int64 matrix-product oracle.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/float/float_ops.h"
#include "kernels/int8/conv2d.h"
#include "kernels/int8/requantize.h"
#include "kernels/tests/test_util.h"

namespace qb::kernels {
namespace {

using test::Rng;

std::vector<int8_t> oracle_pointwise(const ConvParams& p, const test::Requant& rq, const Shape& in,
                                     const std::vector<int8_t>& input,
                                     const std::vector<int8_t>& filter,
                                     const std::vector<int32_t>& bias, int32_t out_c) {
  const int32_t pixels = in.n * in.h * in.w;
  std::vector<int8_t> result(static_cast<size_t>(pixels * out_c));
  for (int32_t px = 0; px < pixels; ++px)
    for (int32_t oc = 0; oc < out_c; ++oc) {
      int64_t acc = bias[oc];
      for (int32_t ic = 0; ic < in.c; ++ic)
        acc += int64_t{filter[oc * in.c + ic]} * (int64_t{input[px * in.c + ic]} + p.input_offset);
      const int64_t v = test::oracle_requantize(acc, rq.multiplier[oc], rq.shift[oc]);
      result[px * out_c + oc] =
          static_cast<int8_t>(test::oracle_clamp(v + p.output_offset, p.act_min, p.act_max));
    }
  return result;
}

TEST(PointwiseConv2d, HandComputed) {
  // Two pixels, three channels, zero point 1 (real = q - 1): [0 2 -2] and [4 -4 -1].
  const Shape in{1, 1, 2, 3};
  const std::vector<int8_t> input = {1, 3, -1, 5, -3, 0};
  const Shape f{2, 1, 1, 3};
  const std::vector<int8_t> filter = {1, 2, 3, -4, 0, 5};
  const std::vector<int32_t> bias = {100, -50};
  const std::vector<int32_t> mult = {1 << 30, 1 << 30}, shift = {0, -1};  // x0.5, x0.25
  ConvParams p;
  p.input_offset = -1;
  p.output_offset = -20;
  const Shape out{1, 1, 2, 2};
  std::vector<int8_t> output(4);
  pointwise_conv2d(p, {mult.data(), shift.data()}, in, input.data(), f, filter.data(), bias.data(),
                   out, output.data());
  // p0: oc0 0 + 4 - 6 + 100 = 98 -> 49 -> 29;      oc1 0 + 0 - 10 - 50 = -60 -> -15 -> -35
  // p1: oc0 4 - 8 - 3 + 100 = 93 -> 46.5 -> 47 -> 27; oc1 -16 - 5 - 50 = -71 -> -17.75 -> -38
  EXPECT_EQ(output, (std::vector<int8_t>{29, -35, 27, -38}));
}

TEST(PointwiseConv2d, RandomLayersWithinOneLsbOfFloatAndEqualToOracle) {
  test::TieCheck ties("pointwise_conv2d");
  for (uint32_t seed = 0; seed < 500; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Rng rng(seed);
    const Shape in{test::uniform_int(rng, 1, 3), test::uniform_int(rng, 1, 9),
                   test::uniform_int(rng, 1, 9), test::uniform_int(rng, 1, 70)};
    const Shape f{test::uniform_int(rng, 1, 41), 1, 1, in.c};
    const Shape out{in.n, in.h, in.w, f.n};

    const double lo = test::uniform_real(rng, -2.0, 0.5);
    const auto q_in = test::activation_params(lo, lo + test::uniform_real(rng, 0.5, 4.0));
    const auto input =
        test::quantize_all(test::random_floats(rng, test::count(in), lo, lo + 4.0), q_in);
    const auto input_f = test::dequantize_all(input, q_in);
    std::vector<float> w = test::random_floats(rng, test::count(f), -1.0, 1.0);
    for (size_t i = 0; i < w.size(); ++i) {
      w[i] *=
          static_cast<float>(0.02 + 0.1 * static_cast<double>(i / static_cast<size_t>(in.c) % 9));
    }
    const auto weights = test::quantize_weights(w, f.n, false);
    const auto bias =
        test::quantize_bias(test::random_floats(rng, f.n, -1.0, 1.0), q_in.scale, weights.scale);

    std::vector<float> raw(test::count(out));
    fp::conv2d({}, {}, in, input_f.data(), f, weights.dequantized.data(), bias.dequantized.data(),
               out, raw.data());
    const auto q_out = test::output_params(rng, raw);
    const fp::Activation act = test::random_activation(rng);
    ConvParams p;
    p.input_offset = -q_in.zero_point;
    p.output_offset = q_out.zero_point;
    fp::activation_range(act.min, act.max, q_out, &p.act_min, &p.act_max);
    const auto rq = test::make_requant(q_in.scale, weights.scale, q_out.scale);

    std::vector<float> ref(test::count(out)), abs_terms(test::count(out));
    fp::conv2d({}, act, in, input_f.data(), f, weights.dequantized.data(), bias.dequantized.data(),
               out, ref.data());
    const auto abs_in = test::abs_all(input_f), abs_w = test::abs_all(weights.dequantized),
               abs_b = test::abs_all(bias.dequantized);
    fp::conv2d({}, {}, in, abs_in.data(), f, abs_w.data(), abs_b.data(), out, abs_terms.data());

    std::vector<int8_t> got(test::count(out));
    pointwise_conv2d(p, rq.view(), in, input.data(), f, weights.q.data(), bias.q.data(), out,
                     got.data());
    for (size_t i = 0; i < got.size(); ++i) {
      const size_t c = i % static_cast<size_t>(out.c);
      const double window = test::double_rounding_lsb(rq.shift[c]) +
                            test::float_error_lsb(abs_terms[i], ref[i], q_out.scale);
      ASSERT_TRUE(ties.check(got[i], ref[i], q_out, window)) << "output " << i;
    }
    ASSERT_EQ(got, oracle_pointwise(p, rq, in, input, weights.q, bias.q, f.n));
  }
}

TEST(PointwiseConv2d, ExtremeValuesMatchOracle) {
  const Shape in{2, 3, 3, 33}, f{17, 1, 1, 33}, out{2, 3, 3, 17};
  for (int8_t in_value : {int8_t{-128}, int8_t{127}}) {
    for (int32_t zp : {-128, 127}) {
      for (int8_t w_value : {int8_t{-127}, int8_t{127}}) {
        for (int32_t b : {0, 1 << 30, -(1 << 30)}) {
          for (const auto& [m, s] : {std::pair{kInt32Max, -31}, std::pair{1 << 30, -10},
                                     std::pair{kInt32Max, 3}, std::pair{1 << 30, 30}}) {
            ConvParams p;
            p.input_offset = -zp;
            p.output_offset = zp;
            p.act_min = zp < 0 ? zp : -128;  // ReLU-like when the zero point is low
            p.act_max = 127;
            std::vector<int8_t> input(test::count(in), in_value);
            input[40] = static_cast<int8_t>(-1 - in_value);
            std::vector<int8_t> filter(test::count(f), w_value);
            filter[3] = 0;
            const std::vector<int32_t> bias(17, b);
            const test::Requant rq{std::vector<int32_t>(17, m), std::vector<int32_t>(17, s)};
            std::vector<int8_t> got(test::count(out));
            pointwise_conv2d(p, rq.view(), in, input.data(), f, filter.data(), bias.data(), out,
                             got.data());
            ASSERT_EQ(got, oracle_pointwise(p, rq, in, input, filter, bias, 17))
                << int32_t{in_value} << " zp " << zp << " w " << int32_t{w_value} << " b " << b
                << " m " << m << " s " << s;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace qb::kernels
