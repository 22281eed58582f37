// depthwise_conv2d: hand-computed bytes, agreement with the float reference on random
// layers, and byte equality with an int64 oracle that materializes the zero-point padding.
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

std::vector<int8_t> oracle_depthwise(const ConvParams& p, const test::Requant& rq, const Shape& in,
                                     const std::vector<int8_t>& input, const Shape& f,
                                     const std::vector<int8_t>& filter,
                                     const std::vector<int32_t>& bias, const Shape& out) {
  const int32_t zp = -p.input_offset;
  const int32_t padded_h = std::max((out.h - 1) * p.stride_h + f.h, p.pad_top + in.h);
  const int32_t padded_w = std::max((out.w - 1) * p.stride_w + f.w, p.pad_left + in.w);
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
        for (int32_t c = 0; c < out.c; ++c) {
          int64_t acc = bias[c];
          for (int32_t ky = 0; ky < f.h; ++ky)
            for (int32_t kx = 0; kx < f.w; ++kx) {
              const int32_t y = oy * p.stride_h + ky, x = ox * p.stride_w + kx;
              acc += int64_t{filter[(ky * f.w + kx) * in.c + c]} *
                     (padded[((b * padded_h + y) * padded_w + x) * in.c + c] - zp);
            }
          const int64_t v = test::oracle_requantize(acc, rq.multiplier[c], rq.shift[c]);
          result[((b * out.h + oy) * out.w + ox) * out.c + c] =
              static_cast<int8_t>(test::oracle_clamp(v + p.output_offset, p.act_min, p.act_max));
        }
  return result;
}

TEST(DepthwiseConv2d, HandComputedWithLeftPaddingAndPerChannelScales) {
  // 2x3 image, two channels, zero point -2 (real = q + 2):
  //   c0: 0 2 4 / 6 1 3      c1: 12 -10 7 / 2 5 0
  const Shape in{1, 2, 3, 2};
  const std::vector<int8_t> input = {-2, 10, 0, -12, 2, 5, 4, 0, -1, 3, 1, -2};
  // c0: [[1,2],[3,4]]; c1: [[-1,1],[2,-2]], interleaved [kh, kw, c].
  const Shape f{1, 2, 2, 2};
  const std::vector<int8_t> filter = {1, -1, 2, 1, 3, 2, 4, -2};
  const std::vector<int32_t> bias = {1, -3};
  const std::vector<int32_t> mult = {1 << 30, 1 << 30}, shift = {-1, 0};  // x0.25, x0.5
  ConvParams p;
  p.pad_left = 1;
  p.input_offset = 2;
  p.output_offset = 5;
  const Shape out{1, 1, 3, 2};
  std::vector<int8_t> output(6);
  depthwise_conv2d(p, {mult.data(), shift.data()}, in, input.data(), f, filter.data(), bias.data(),
                   out, output.data());
  // c0 rounds twice: the high multiply rounds acc/2 (ties up), then the shift by one
  // rounds again (ties away), so 25/4 = 6.25 becomes 12.5 -> 13 -> 6.5 -> 7.
  // x=0 (left column padded): c0 2*0 + 4*6 + 1 = 25 -> 13 -> 7 -> 12
  //                           c1 1*12 - 2*2 - 3 = 5 -> 2.5 -> 3 -> 8
  // x=1: c0 0 + 2*2 + 3*6 + 4*1 + 1 = 27 -> 14 -> 7 -> 12
  //      c1 -12 - 10 + 4 - 10 - 3 = -31 -> -15.5 -> -15 -> -10 (with shift 0 the only
  //      rounding is the high multiply's, which breaks ties toward +infinity)
  // x=2: c0 2 + 8 + 3 + 12 + 1 = 26 -> 13 -> 7 -> 12
  //      c1 10 + 7 + 10 - 0 - 3 = 24 -> 12 -> 17
  EXPECT_EQ(output, (std::vector<int8_t>{12, 8, 12, -10, 12, 17}));
}

TEST(DepthwiseConv2d, RandomLayersWithinOneLsbOfFloatAndEqualToOracle) {
  test::TieCheck ties("depthwise_conv2d");
  for (uint32_t seed = 0; seed < 500; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Rng rng(seed);
    Shape in, f, out;
    ConvParams p;
    for (;;) {
      in = {test::uniform_int(rng, 1, 2), test::uniform_int(rng, 1, 13),
            test::uniform_int(rng, 1, 13), test::uniform_int(rng, 1, 37)};
      f = {1, test::uniform_int(rng, 1, 5), test::uniform_int(rng, 1, 5), in.c};
      p.stride_h = test::uniform_int(rng, 1, 2);
      p.stride_w = test::uniform_int(rng, 1, 2);
      p.pad_top = test::uniform_int(rng, 0, f.h - 1);
      p.pad_left = test::uniform_int(rng, 0, f.w - 1);
      const int32_t span_h = in.h + p.pad_top + test::uniform_int(rng, 0, f.h - 1) - f.h;
      const int32_t span_w = in.w + p.pad_left + test::uniform_int(rng, 0, f.w - 1) - f.w;
      if (span_h < 0 || span_w < 0) continue;
      out = {in.n, span_h / p.stride_h + 1, span_w / p.stride_w + 1, in.c};
      break;
    }
    const fp::ConvGeometry g{p.stride_h, p.stride_w, p.pad_top, p.pad_left};

    const double lo = test::uniform_real(rng, -4.0, 0.5);
    const auto q_in = test::activation_params(lo, lo + test::uniform_real(rng, 0.5, 8.0));
    const auto input =
        test::quantize_all(test::random_floats(rng, test::count(in), lo, lo + 8.0), q_in);
    const auto input_f = test::dequantize_all(input, q_in);
    std::vector<float> w = test::random_floats(rng, test::count(f), -1.0, 1.0);
    for (size_t i = 0; i < w.size(); ++i) {
      w[i] *=
          static_cast<float>(0.05 + 0.3 * static_cast<double>(i % static_cast<size_t>(in.c) % 5));
    }
    const auto weights = test::quantize_weights(w, in.c, true);
    const auto bias =
        test::quantize_bias(test::random_floats(rng, in.c, -2.0, 2.0), q_in.scale, weights.scale);

    std::vector<float> raw(test::count(out));
    fp::depthwise_conv2d(g, {}, in, input_f.data(), f, weights.dequantized.data(),
                         bias.dequantized.data(), out, raw.data());
    const auto q_out = test::output_params(rng, raw);
    const fp::Activation act = test::random_activation(rng);
    p.input_offset = -q_in.zero_point;
    p.output_offset = q_out.zero_point;
    fp::activation_range(act.min, act.max, q_out, &p.act_min, &p.act_max);
    const auto rq = test::make_requant(q_in.scale, weights.scale, q_out.scale);

    std::vector<float> ref(test::count(out)), abs_terms(test::count(out));
    fp::depthwise_conv2d(g, act, in, input_f.data(), f, weights.dequantized.data(),
                         bias.dequantized.data(), out, ref.data());
    const auto abs_in = test::abs_all(input_f), abs_w = test::abs_all(weights.dequantized),
               abs_b = test::abs_all(bias.dequantized);
    fp::depthwise_conv2d(g, {}, in, abs_in.data(), f, abs_w.data(), abs_b.data(), out,
                         abs_terms.data());

    std::vector<int8_t> got(test::count(out));
    depthwise_conv2d(p, rq.view(), in, input.data(), f, weights.q.data(), bias.q.data(), out,
                     got.data());
    for (size_t i = 0; i < got.size(); ++i) {
      const size_t c = i % static_cast<size_t>(out.c);
      const double window = test::double_rounding_lsb(rq.shift[c]) +
                            test::float_error_lsb(abs_terms[i], ref[i], q_out.scale);
      ASSERT_TRUE(ties.check(got[i], ref[i], q_out, window)) << "output " << i;
    }
    ASSERT_EQ(got, oracle_depthwise(p, rq, in, input, f, weights.q, bias.q, out));
  }
}

TEST(DepthwiseConv2d, ExtremeValuesMatchOracle) {
  const Shape in{1, 4, 5, 9}, f{1, 3, 3, 9}, out{1, 4, 3, 9};
  for (int8_t in_value : {int8_t{-128}, int8_t{127}}) {
    for (int32_t zp : {-128, 127}) {
      for (int8_t w_value : {int8_t{-127}, int8_t{127}}) {
        for (int32_t b : {0, 1 << 30, -(1 << 30)}) {
          for (const auto& [m, s] : {std::pair{kInt32Max, -31}, std::pair{1 << 30, -12},
                                     std::pair{kInt32Max, 0}, std::pair{1 << 30, 30}}) {
            for (const auto& [amin, amax] : {std::pair{-128, 127}, std::pair{zp, zp}}) {
              ConvParams p;
              p.stride_w = 2;
              p.pad_top = p.pad_left = 1;
              p.input_offset = -zp;
              p.output_offset = zp;
              p.act_min = amin;
              p.act_max = amax;
              std::vector<int8_t> input(test::count(in), in_value);
              input[7] = static_cast<int8_t>(-1 - in_value);
              std::vector<int8_t> filter(test::count(f), w_value);
              const std::vector<int32_t> bias(9, b);
              const test::Requant rq{std::vector<int32_t>(9, m), std::vector<int32_t>(9, s)};
              std::vector<int8_t> got(test::count(out));
              depthwise_conv2d(p, rq.view(), in, input.data(), f, filter.data(), bias.data(), out,
                               got.data());
              ASSERT_EQ(got, oracle_depthwise(p, rq, in, input, f, filter, bias, out))
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

namespace qb::kernels {
namespace {

// Depth multiplier m > 1 (output channel c reads input channel c / m) is the same integer
// computation as a convolution whose filter for output c is zero on every input channel but
// c / m: the zeros add nothing, so the two must agree byte for byte. The convolution is an
// independent path (other loops, other indexing), so this checks the multiplier indexing.
TEST(DepthwiseConv2d, DepthMultiplierEqualsBlockSparseConvolution) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    test::Rng rng(seed);
    const int32_t in_c = test::uniform_int(rng, 1, 5), m = test::uniform_int(rng, 2, 8);
    const Shape in{1, test::uniform_int(rng, 1, 9), test::uniform_int(rng, 1, 9), in_c};
    const Shape f{1, test::uniform_int(rng, 1, 4), test::uniform_int(rng, 1, 4), in_c * m};
    ConvParams p;
    p.stride_h = test::uniform_int(rng, 1, 2);
    p.stride_w = test::uniform_int(rng, 1, 2);
    p.pad_top = test::uniform_int(rng, 0, f.h - 1);
    p.pad_left = test::uniform_int(rng, 0, f.w - 1);
    const int32_t out_h = std::max(1, (in.h + p.pad_top - 1) / p.stride_h + 1 - (f.h > in.h + p.pad_top ? 1 : 0));
    const int32_t out_w = std::max(1, (in.w + p.pad_left - 1) / p.stride_w + 1 - (f.w > in.w + p.pad_left ? 1 : 0));
    const Shape out{1, out_h, out_w, in_c * m};
    p.input_offset = -test::uniform_int(rng, -128, 127);
    p.output_offset = test::uniform_int(rng, -128, 127);
    p.act_min = test::uniform_int(rng, -128, 0);
    p.act_max = test::uniform_int(rng, 0, 127);
    const std::vector<int8_t> input = test::random_int8(rng, test::count(in));
    const std::vector<int8_t> filter = test::random_int8(rng, test::count(f), -127, 127);
    std::vector<int32_t> bias(static_cast<size_t>(out.c)), mult(bias.size()), shift(bias.size());
    for (size_t c = 0; c < bias.size(); ++c) {
      bias[c] = test::uniform_int(rng, -5000, 5000);
      mult[c] = test::uniform_int(rng, 1 << 30, 0x7fffffff);
      shift[c] = test::uniform_int(rng, -12, 0);
    }
    const ChannelRequant rq{mult.data(), shift.data()};
    std::vector<int8_t> got(test::count(out));
    depthwise_conv2d_multiplier(p, rq, in, input.data(), f, filter.data(), bias.data(), out, got.data());

    // [out_c, kh, kw, in_c] with only input channel c / m set.
    const Shape cf{out.c, f.h, f.w, in_c};
    std::vector<int8_t> dense_filter(test::count(cf), 0);
    for (int32_t c = 0; c < out.c; ++c)
      for (int32_t t = 0; t < f.h * f.w; ++t)
        dense_filter[(static_cast<size_t>(c) * f.h * f.w + t) * in_c + c / m] = filter[static_cast<size_t>(t) * out.c + c];
    std::vector<int8_t> want(test::count(out));
    conv2d(p, rq, in, input.data(), cf, dense_filter.data(), bias.data(), out, want.data());
    ASSERT_EQ(got, want) << "seed " << seed << ": in_c " << in_c << " multiplier " << m;
  }
}

TEST(DepthwiseConv2dFloat, DepthMultiplierReadsInputChannelCOverM) {
  // One pixel, two input channels, multiplier 2: outputs 0,1 read channel 0; 2,3 channel 1.
  const Shape in{1, 1, 1, 2}, f{1, 1, 1, 4}, out{1, 1, 1, 4};
  const float input[] = {3.0f, 5.0f}, filter[] = {1.0f, 2.0f, 10.0f, -1.0f}, bias[] = {0, 0, 0, 1.0f};
  float got[4];
  fp::depthwise_conv2d({}, {}, in, input, f, filter, bias, out, got);
  EXPECT_EQ(std::vector<float>(got, got + 4), (std::vector<float>{3.0f, 6.0f, 50.0f, -4.0f}));
}

}  // namespace
}  // namespace qb::kernels
