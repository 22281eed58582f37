// conv2d: hand-computed bytes, agreement with the float reference on random layers, and
// byte equality with an int64 oracle that materializes the zero-point padding.
#include "kernels/int8/conv2d.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/float/float_ops.h"
#include "kernels/int8/requantize.h"
#include "kernels/tests/test_util.h"

namespace qb::kernels {
namespace {

using test::Rng;

// Straightforward oracle: copy the input into a buffer padded with the input zero point
// (what "padding uses the real zero" means), then convolve every tap in int64.
std::vector<int8_t> oracle_conv2d(const ConvParams& p, const test::Requant& rq, const Shape& in,
                                  const std::vector<int8_t>& input, const Shape& f,
                                  const std::vector<int8_t>& filter,
                                  const std::vector<int32_t>& bias, const Shape& out) {
  const int32_t zp = -p.input_offset;
  const int32_t ph = (out.h - 1) * p.stride_h + f.h, pw = (out.w - 1) * p.stride_w + f.w;
  const int32_t padded_h = std::max(ph, p.pad_top + in.h),
                padded_w = std::max(pw, p.pad_left + in.w);
  std::vector<int32_t> padded(static_cast<size_t>(in.n * padded_h * padded_w * in.c), zp);
  for (int32_t b = 0; b < in.n; ++b)
    for (int32_t y = 0; y < in.h; ++y)
      for (int32_t x = 0; x < in.w; ++x)
        for (int32_t c = 0; c < in.c; ++c)
          padded[((b * padded_h + y + p.pad_top) * padded_w + x + p.pad_left) * in.c + c] =
              input[((b * in.h + y) * in.w + x) * in.c + c];
  std::vector<int8_t> result(test::count(out));
  for (int32_t b = 0; b < out.n; ++b)
    for (int32_t oy = 0; oy < out.h; ++oy)
      for (int32_t ox = 0; ox < out.w; ++ox)
        for (int32_t oc = 0; oc < out.c; ++oc) {
          int64_t acc = bias[oc];
          for (int32_t ky = 0; ky < f.h; ++ky)
            for (int32_t kx = 0; kx < f.w; ++kx)
              for (int32_t ic = 0; ic < in.c; ++ic) {
                const int32_t y = oy * p.stride_h + ky, x = ox * p.stride_w + kx;
                acc += int64_t{filter[((oc * f.h + ky) * f.w + kx) * in.c + ic]} *
                       (padded[((b * padded_h + y) * padded_w + x) * in.c + ic] - zp);
              }
          const int64_t v = test::oracle_requantize(acc, rq.multiplier[oc], rq.shift[oc]);
          result[((b * out.h + oy) * out.w + ox) * out.c + oc] =
              static_cast<int8_t>(test::oracle_clamp(v + p.output_offset, p.act_min, p.act_max));
        }
  return result;
}

TEST(Conv2d, HandComputedWithPaddingStrideAndPerChannelScales) {
  // Input zero point 3, so the real values (q - 3) are 1..9:
  //   1 2 3 / 4 5 6 / 7 8 9
  const Shape in{1, 3, 3, 1};
  const std::vector<int8_t> input = {4, 5, 6, 7, 8, 9, 10, 11, 12};
  // oc0: all ones; oc1: [[1,0,-1],[0,2,0],[-1,0,1]].
  const Shape f{2, 3, 3, 1};
  const std::vector<int8_t> filter = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, -1, 0, 2, 0, -1, 0, 1};
  const std::vector<int32_t> bias = {11, -5};
  // oc0 x0.5 (rounding visible), oc1 x1.0 through a left shift.
  const std::vector<int32_t> mult = {1 << 30, 1 << 30}, shift = {0, 1};
  ConvParams p;
  p.stride_h = p.stride_w = 2;
  p.pad_top = p.pad_left = 1;
  p.input_offset = -3;
  p.output_offset = -7;
  const Shape out{1, 2, 2, 2};
  std::vector<int8_t> output(8);
  conv2d(p, {mult.data(), shift.data()}, in, input.data(), f, filter.data(), bias.data(), out,
         output.data());
  // Window taps inside the input (padded ones contribute 0 = zp + offset):
  //   (0,0): oc0 1+2+4+5+11 = 23 -> 11.5 -> 12 -> 5;   oc1 2*1 + 5 - 5 = 2 -> -5
  //   (0,1): oc0 2+3+5+6+11 = 27 -> 13.5 -> 14 -> 7;   oc1 2*3 - 5 - 5 = -4 -> -11
  //   (1,0): oc0 4+5+7+8+11 = 35 -> 17.5 -> 18 -> 11;  oc1 -5 + 2*7 - 5 = 4 -> -3
  //   (1,1): oc0 5+6+8+9+11 = 39 -> 19.5 -> 20 -> 13;  oc1 5 + 2*9 - 5 = 18 -> 11
  // Padding with 0 instead of the zero point would add -3 per padded tap.
  EXPECT_EQ(output, (std::vector<int8_t>{5, -5, 7, -11, 11, -3, 13, 11}));
}

TEST(Conv2d, HandComputedActivationClampAndBatches) {
  // Two images, 1x2 each, two input channels; one 1x2 filter, zero point -1.
  const Shape in{2, 1, 2, 2};
  const std::vector<int8_t> input = {0, 1, 2, 3, -1, -1, 9, -5};  // real: 1 2 3 4 | 0 0 10 -4
  const Shape f{1, 1, 2, 2};
  const std::vector<int8_t> filter = {2, -1, 1, 3};
  const std::vector<int32_t> bias = {-6};
  const std::vector<int32_t> mult = {1 << 30}, shift = {-1};  // x0.25
  ConvParams p;
  p.input_offset = 1;
  p.output_offset = 2;
  p.act_min = 2;  // ReLU: the output zero point
  p.act_max = 4;  // and a cap, like ReLU6 at this scale
  const Shape out{2, 1, 1, 1};
  std::vector<int8_t> output(2);
  conv2d(p, {mult.data(), shift.data()}, in, input.data(), f, filter.data(), bias.data(), out,
         output.data());
  // image 0: 2*1 - 2 + 3 + 3*4 - 6 = 9 -> 2.25 -> 2 -> 4 (cap 4)
  // image 1: 0 + 0 + 10 - 12 - 6 = -8 -> -2 -> 0 -> clamped to 2
  EXPECT_EQ(output, (std::vector<int8_t>{4, 2}));
}

struct RandomConv {
  Shape in, f, out;
  ConvParams p;
  fp::ConvGeometry g;
};

RandomConv random_geometry(Rng& rng) {
  RandomConv r;
  for (;;) {
    r.in = {test::uniform_int(rng, 1, 2), test::uniform_int(rng, 1, 11),
            test::uniform_int(rng, 1, 11), test::uniform_int(rng, 1, 19)};
    r.f = {test::uniform_int(rng, 1, 19), test::uniform_int(rng, 1, 5),
           test::uniform_int(rng, 1, 5), r.in.c};
    r.p.stride_h = test::uniform_int(rng, 1, 2);
    r.p.stride_w = test::uniform_int(rng, 1, 2);
    r.p.pad_top = test::uniform_int(rng, 0, r.f.h - 1);
    r.p.pad_left = test::uniform_int(rng, 0, r.f.w - 1);
    const int32_t pad_bottom = test::uniform_int(rng, 0, r.f.h - 1);
    const int32_t pad_right = test::uniform_int(rng, 0, r.f.w - 1);
    const int32_t span_h = r.in.h + r.p.pad_top + pad_bottom - r.f.h;
    const int32_t span_w = r.in.w + r.p.pad_left + pad_right - r.f.w;
    if (span_h < 0 || span_w < 0) continue;
    r.out = {r.in.n, span_h / r.p.stride_h + 1, span_w / r.p.stride_w + 1, r.f.n};
    r.g = {r.p.stride_h, r.p.stride_w, r.p.pad_top, r.p.pad_left};
    return r;
  }
}

TEST(Conv2d, RandomLayersWithinOneLsbOfFloatAndEqualToOracle) {
  test::TieCheck ties("conv2d");
  for (uint32_t seed = 0; seed < 500; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Rng rng(seed);
    RandomConv r = random_geometry(rng);
    const double lo = test::uniform_real(rng, -3.0, 0.5);
    const auto q_in = test::activation_params(lo, lo + test::uniform_real(rng, 0.5, 6.0));
    const auto input =
        test::quantize_all(test::random_floats(rng, test::count(r.in), lo, lo + 6.0), q_in);
    const auto input_f = test::dequantize_all(input, q_in);

    std::vector<float> w = test::random_floats(rng, test::count(r.f), -1.0, 1.0);
    const size_t per = test::count(r.f) / static_cast<size_t>(r.f.n);
    for (size_t i = 0; i < w.size(); ++i) {
      w[i] *= static_cast<float>(0.05 + 0.2 * static_cast<double>(i / per % 7));
    }
    const auto weights = test::quantize_weights(w, r.f.n, false);
    const auto bias =
        test::quantize_bias(test::random_floats(rng, r.f.n, -2.0, 2.0), q_in.scale, weights.scale);

    std::vector<float> raw(test::count(r.out));
    fp::conv2d(r.g, {}, r.in, input_f.data(), r.f, weights.dequantized.data(),
               bias.dequantized.data(), r.out, raw.data());
    const auto q_out = test::output_params(rng, raw);
    const fp::Activation act = test::random_activation(rng);
    r.p.input_offset = -q_in.zero_point;
    r.p.output_offset = q_out.zero_point;
    fp::activation_range(act.min, act.max, q_out, &r.p.act_min, &r.p.act_max);
    const auto rq = test::make_requant(q_in.scale, weights.scale, q_out.scale);

    std::vector<float> ref(test::count(r.out)), abs_terms(test::count(r.out));
    fp::conv2d(r.g, act, r.in, input_f.data(), r.f, weights.dequantized.data(),
               bias.dequantized.data(), r.out, ref.data());
    const auto abs_in = test::abs_all(input_f), abs_w = test::abs_all(weights.dequantized),
               abs_b = test::abs_all(bias.dequantized);
    fp::conv2d(r.g, {}, r.in, abs_in.data(), r.f, abs_w.data(), abs_b.data(), r.out,
               abs_terms.data());

    std::vector<int8_t> got(test::count(r.out));
    conv2d(r.p, rq.view(), r.in, input.data(), r.f, weights.q.data(), bias.q.data(), r.out,
           got.data());

    for (size_t i = 0; i < got.size(); ++i) {
      const size_t c = i % static_cast<size_t>(r.out.c);
      const double window = test::double_rounding_lsb(rq.shift[c]) +
                            test::float_error_lsb(abs_terms[i], ref[i], q_out.scale);
      ASSERT_TRUE(ties.check(got[i], ref[i], q_out, window)) << "output " << i;
    }
    ASSERT_EQ(got, oracle_conv2d(r.p, rq, r.in, input, r.f, weights.q, bias.q, r.out));
  }
}

TEST(Conv2d, ExtremeValuesMatchOracle) {
  // Every combination of saturated inputs, saturated weights, extreme zero points, huge
  // biases, the largest and smallest multipliers, and tight activation ranges.
  const Shape in{1, 5, 4, 7}, f{3, 3, 3, 7};
  const std::vector<std::pair<int32_t, int32_t>> requants = {{kInt32Max, -31}, {1 << 30, -20},
                                                             {kInt32Max, -8},  {1 << 30, 0},
                                                             {kInt32Max, 5},   {1 << 30, 30}};
  for (int8_t in_value : {int8_t{-128}, int8_t{127}}) {
    for (int32_t zp : {-128, 127}) {
      for (int8_t w_value : {int8_t{-127}, int8_t{127}}) {
        for (int32_t b : {0, (1 << 30), -(1 << 30)}) {
          for (const auto& [m, s] : requants) {
            for (const auto& [amin, amax] : {std::pair{-128, 127}, std::pair{-5, 20}}) {
              ConvParams p;
              p.stride_h = 2;
              p.pad_top = p.pad_left = 1;
              p.input_offset = -zp;
              p.output_offset = zp;
              p.act_min = amin;
              p.act_max = amax;
              const Shape out{1, 3, 4, 3};
              const std::vector<int8_t> input(test::count(in), in_value);
              std::vector<int8_t> filter(test::count(f), w_value);
              filter[5] = static_cast<int8_t>(-w_value);  // not all taps alike
              const std::vector<int32_t> bias(3, b);
              test::Requant rq{{m, m, m}, {s, s, s}};
              std::vector<int8_t> got(test::count(out));
              conv2d(p, rq.view(), in, input.data(), f, filter.data(), bias.data(), out,
                     got.data());
              ASSERT_EQ(got, oracle_conv2d(p, rq, in, input, f, filter, bias, out))
                  << int32_t{in_value} << " zp " << zp << " w " << int32_t{w_value} << " b " << b
                  << " m " << m << " s " << s;
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace qb::kernels
