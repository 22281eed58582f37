// dense: hand-computed bytes (per tensor and per channel), agreement with the float
// reference on random layers, and byte equality with an int64 oracle.
#include "kernels/int8/dense.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/float/float_ops.h"
#include "kernels/int8/requantize.h"
#include "kernels/tests/test_util.h"

namespace qb::kernels {
namespace {

using test::Rng;

std::vector<int8_t> oracle_dense(const DenseParams& p, const test::Requant& rq, int32_t batches,
                                 int32_t in_f, int32_t out_f, const std::vector<int8_t>& input,
                                 const std::vector<int8_t>& filter,
                                 const std::vector<int32_t>& bias) {
  std::vector<int8_t> result(static_cast<size_t>(batches * out_f));
  for (int32_t b = 0; b < batches; ++b)
    for (int32_t o = 0; o < out_f; ++o) {
      int64_t acc = bias[o];
      for (int32_t i = 0; i < in_f; ++i)
        acc += int64_t{filter[o * in_f + i]} * (int64_t{input[b * in_f + i]} + p.input_offset);
      const size_t q = p.per_channel ? static_cast<size_t>(o) : 0;
      const int64_t v = test::oracle_requantize(acc, rq.multiplier[q], rq.shift[q]);
      result[b * out_f + o] =
          static_cast<int8_t>(test::oracle_clamp(v + p.output_offset, p.act_min, p.act_max));
    }
  return result;
}

// Two batches of three features, zero point -4 (real = q + 4): [0 4 10] and [-6 5 -1].
const std::vector<int8_t> kInput = {-4, 0, 6, -10, 1, -5};
const std::vector<int8_t> kFilter = {2, -1, 1, -3, 0, -2};
const std::vector<int32_t> kBias = {4, -7};
// Accumulators: b0 = {10, -27}, b1 = {-14, 13}.

TEST(Dense, HandComputedPerTensor) {
  const std::vector<int32_t> mult = {1 << 30}, shift = {-1};  // one entry only: x0.25
  DenseParams p;
  p.input_offset = 4;
  p.output_offset = 3;
  std::vector<int8_t> output(4);
  dense(p, {mult.data(), shift.data()}, 2, 3, 2, kInput.data(), kFilter.data(), kBias.data(),
        output.data());
  // The high multiply first rounds acc/2 (ties up), then the shift rounds again (ties
  // away), so the result is not always round(acc / 4):
  //   10 -> 5 -> 2.5 -> 3 -> 6;  -27 -> -13 -> -6.5 -> -7 -> -4;  -14 -> -7 -> -3.5 -> -4 -> -1;
  //   13 -> 7 -> 3.5 -> 4 -> 7   (13 / 4 = 3.25, but rounding twice gives 4)
  EXPECT_EQ(output, (std::vector<int8_t>{6, -4, -1, 7}));

  p.act_min = 3;  // ReLU: the output zero point
  dense(p, {mult.data(), shift.data()}, 2, 3, 2, kInput.data(), kFilter.data(), kBias.data(),
        output.data());
  EXPECT_EQ(output, (std::vector<int8_t>{6, 3, 3, 7}));
}

TEST(Dense, HandComputedPerChannel) {
  const std::vector<int32_t> mult = {1 << 30, 1 << 30}, shift = {-1, -3};  // x0.25, x0.0625
  DenseParams p;
  p.input_offset = 4;
  p.output_offset = 3;
  p.per_channel = true;
  std::vector<int8_t> output(4);
  dense(p, {mult.data(), shift.data()}, 2, 3, 2, kInput.data(), kFilter.data(), kBias.data(),
        output.data());
  // o1: -27 -> -13 -> -1.625 -> -2 -> 1;  13 -> 7 -> 0.875 -> 1 -> 4
  EXPECT_EQ(output, (std::vector<int8_t>{6, 1, -1, 4}));
}

TEST(Dense, RandomLayersWithinOneLsbOfFloatAndEqualToOracle) {
  test::TieCheck ties("dense");
  for (uint32_t seed = 0; seed < 500; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Rng rng(seed);
    const int32_t batches = test::uniform_int(rng, 1, 4);
    const int32_t in_f = test::uniform_int(rng, 1, 300);
    const int32_t out_f = test::uniform_int(rng, 1, 70);
    const bool per_channel = test::uniform_int(rng, 0, 1) == 1;

    const double lo = test::uniform_real(rng, -2.0, 0.5);
    const auto q_in = test::activation_params(lo, lo + test::uniform_real(rng, 0.5, 4.0));
    const auto input = test::quantize_all(
        test::random_floats(rng, static_cast<size_t>(batches * in_f), lo, lo + 4.0), q_in);
    const auto input_f = test::dequantize_all(input, q_in);
    std::vector<float> w = test::random_floats(rng, static_cast<size_t>(out_f * in_f), -1.0, 1.0);
    for (size_t i = 0; i < w.size(); ++i) {
      w[i] *=
          static_cast<float>(0.02 + 0.1 * static_cast<double>(i / static_cast<size_t>(in_f) % 9));
    }
    const auto weights = test::quantize_weights(w, per_channel ? out_f : 1, false);
    const std::vector<float> bias_scales =
        per_channel ? weights.scale
                    : std::vector<float>(static_cast<size_t>(out_f), weights.scale[0]);
    const auto bias = test::quantize_bias(
        test::random_floats(rng, static_cast<size_t>(out_f), -1.0, 1.0), q_in.scale, bias_scales);

    const size_t n_out = static_cast<size_t>(batches * out_f);
    std::vector<float> raw(n_out);
    fp::dense({}, batches, in_f, out_f, input_f.data(), weights.dequantized.data(),
              bias.dequantized.data(), raw.data());
    const auto q_out = test::output_params(rng, raw);
    const fp::Activation act = test::random_activation(rng);
    DenseParams p;
    p.input_offset = -q_in.zero_point;
    p.output_offset = q_out.zero_point;
    p.per_channel = per_channel;
    fp::activation_range(act.min, act.max, q_out, &p.act_min, &p.act_max);
    const auto rq = test::make_requant(q_in.scale, weights.scale, q_out.scale);

    std::vector<float> ref(n_out), abs_terms(n_out);
    fp::dense(act, batches, in_f, out_f, input_f.data(), weights.dequantized.data(),
              bias.dequantized.data(), ref.data());
    const auto abs_in = test::abs_all(input_f), abs_w = test::abs_all(weights.dequantized),
               abs_b = test::abs_all(bias.dequantized);
    fp::dense({}, batches, in_f, out_f, abs_in.data(), abs_w.data(), abs_b.data(),
              abs_terms.data());

    std::vector<int8_t> got(n_out);
    dense(p, rq.view(), batches, in_f, out_f, input.data(), weights.q.data(), bias.q.data(),
          got.data());
    for (size_t i = 0; i < got.size(); ++i) {
      const size_t c = per_channel ? i % static_cast<size_t>(out_f) : 0;
      const double window = test::double_rounding_lsb(rq.shift[c]) +
                            test::float_error_lsb(abs_terms[i], ref[i], q_out.scale);
      ASSERT_TRUE(ties.check(got[i], ref[i], q_out, window)) << "output " << i;
    }
    ASSERT_EQ(got, oracle_dense(p, rq, batches, in_f, out_f, input, weights.q, bias.q));
  }
}

TEST(Dense, ExtremeValuesMatchOracle) {
  const int32_t batches = 3, in_f = 301, out_f = 13;
  for (int8_t in_value : {int8_t{-128}, int8_t{127}}) {
    for (int32_t zp : {-128, 127}) {
      for (int8_t w_value : {int8_t{-127}, int8_t{127}}) {
        for (int32_t b : {0, 1 << 30, -(1 << 30)}) {
          for (const auto& [m, s] : {std::pair{kInt32Max, -31}, std::pair{1 << 30, -14},
                                     std::pair{kInt32Max, 0}, std::pair{1 << 30, 30}}) {
            for (bool per_channel : {false, true}) {
              DenseParams p;
              p.input_offset = -zp;
              p.output_offset = zp;
              p.act_min = -100;
              p.act_max = 100;
              p.per_channel = per_channel;
              std::vector<int8_t> input(static_cast<size_t>(batches * in_f), in_value);
              input[5] = static_cast<int8_t>(-1 - in_value);
              std::vector<int8_t> filter(static_cast<size_t>(out_f * in_f), w_value);
              const std::vector<int32_t> bias(out_f, b);
              const size_t nq = per_channel ? out_f : 1;
              const test::Requant rq{std::vector<int32_t>(nq, m), std::vector<int32_t>(nq, s)};
              std::vector<int8_t> got(static_cast<size_t>(batches * out_f));
              dense(p, rq.view(), batches, in_f, out_f, input.data(), filter.data(), bias.data(),
                    got.data());
              ASSERT_EQ(got, oracle_dense(p, rq, batches, in_f, out_f, input, filter, bias))
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
