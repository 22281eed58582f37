// add: hand-computed bytes, add_params against the TFLite preparation, agreement with the
// float reference on random tensors, and byte equality with an int64 oracle.
#include "kernels/int8/add.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/float/float_ops.h"
#include "kernels/float/quantize.h"
#include "kernels/int8/requantize.h"
#include "kernels/tests/test_util.h"

namespace qb::kernels {
namespace {

using test::Rng;

std::vector<int8_t> oracle_add(const AddParams& p, const std::vector<int8_t>& a,
                               const std::vector<int8_t>& b) {
  std::vector<int8_t> result(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const int64_t lifted1 = (int64_t{a[i]} + p.input1_offset) << p.left_shift;
    const int64_t lifted2 = (int64_t{b[i]} + p.input2_offset) << p.left_shift;
    const int64_t sum =
        int64_t{test::oracle_requantize(lifted1, p.input1_multiplier, p.input1_shift)} +
        test::oracle_requantize(lifted2, p.input2_multiplier, p.input2_shift);
    const int64_t v = test::oracle_requantize(sum, p.output_multiplier, p.output_shift);
    result[i] = static_cast<int8_t>(test::oracle_clamp(v + p.output_offset, p.act_min, p.act_max));
  }
  return result;
}

// out = q1_real + q2_real / 2: input1 at x0.5, input2 at x0.25 of the lifted values, the
// sum at 2^-19, so that every rescale is exact except the last.
AddParams hand_params() {
  AddParams p;
  p.input1_offset = 3;   // zero point -3
  p.input2_offset = -1;  // zero point 1
  p.output_offset = -2;
  p.input1_multiplier = 1 << 30;
  p.input1_shift = 0;
  p.input2_multiplier = 1 << 30;
  p.input2_shift = -1;
  p.output_multiplier = 1 << 30;
  p.output_shift = -18;
  return p;
}

TEST(Add, HandComputed) {
  const std::vector<int8_t> a = {10, -3, -10, 100, -128}, b = {5, 2, 0, 100, -128};
  std::vector<int8_t> out(a.size());
  add(hand_params(), 5, a.data(), b.data(), out.data());
  // (13, 4) -> 15 -> 13;  (0, 1) -> 0.5 -> 1 -> -1;  (-7, -1) -> -7.5 -> -8 -> -10;
  // (103, 99) -> 152.5 -> 153 -> 151 -> 127;  (-125, -129) -> -189.5 -> -190 -> -192 -> -128
  EXPECT_EQ(out, (std::vector<int8_t>{13, -1, -10, 127, -128}));

  AddParams relu = hand_params();
  relu.act_min = -2;
  add(relu, 5, a.data(), b.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{13, -1, -2, 127, -2}));
}

TEST(Add, ParamsMatchTfLitePreparation) {
  // Scales 0.5 and 0.25 into 0.5: twice the larger input scale is 1.0, so the input
  // multipliers are 0.5 and 0.25 and the output one 1 / (2^20 * 0.5) = 2^-19.
  const AddParams p =
      fp::add_params({0.5f, -3}, {0.25f, 1}, {0.5f, -2}, -fp::kNoLimit, fp::kNoLimit);
  const AddParams want = hand_params();
  EXPECT_EQ(p.left_shift, 20);
  EXPECT_EQ(p.input1_offset, want.input1_offset);
  EXPECT_EQ(p.input2_offset, want.input2_offset);
  EXPECT_EQ(p.output_offset, want.output_offset);
  EXPECT_EQ(p.input1_multiplier, want.input1_multiplier);
  EXPECT_EQ(p.input1_shift, want.input1_shift);
  EXPECT_EQ(p.input2_multiplier, want.input2_multiplier);
  EXPECT_EQ(p.input2_shift, want.input2_shift);
  EXPECT_EQ(p.output_multiplier, want.output_multiplier);
  EXPECT_EQ(p.output_shift, want.output_shift);
  EXPECT_EQ(p.act_min, -128);
  EXPECT_EQ(p.act_max, 127);

  // ReLU6 with the output at 1/16: [0, 6] is [zp, zp + 96].
  const AddParams r = fp::add_params({0.125f, 0}, {0.375f, 7}, {0.0625f, -100}, 0.0f, 6.0f);
  EXPECT_EQ(r.act_min, -100);
  EXPECT_EQ(r.act_max, -4);
  // 0.125 / 0.75 = 1/6 = (2/3) * 2^-2, and round(2/3 * 2^31) = 1431655765;
  // 0.375 / 0.75 = 0.5;  0.75 / (2^20 * 0.0625) = 0.75 * 2^-16
  EXPECT_EQ(r.input1_multiplier, 1431655765);
  EXPECT_EQ(r.input1_shift, -2);
  EXPECT_EQ(r.input2_multiplier, 1 << 30);
  EXPECT_EQ(r.input2_shift, 0);
  EXPECT_EQ(r.output_multiplier, 3 << 29);
  EXPECT_EQ(r.output_shift, -16);
  EXPECT_EQ(r.input1_offset, 0);
  EXPECT_EQ(r.input2_offset, -7);
  EXPECT_EQ(r.output_offset, -100);
}

TEST(Add, RandomTensorsWithinOneLsbOfFloatAndEqualToOracle) {
  test::TieCheck ties("add");
  for (uint32_t seed = 0; seed < 300; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Rng rng(seed);
    const int32_t n = test::uniform_int(rng, 1, 2000);
    auto random_input = [&](std::vector<int8_t>* q, std::vector<float>* f, fp::QuantParams* qp) {
      const double lo = test::uniform_real(rng, -5.0, 1.0);
      const double hi = lo + std::exp(test::uniform_real(rng, -2.0, 2.5));
      *qp = test::activation_params(lo, hi);
      *q = test::quantize_all(test::random_floats(rng, static_cast<size_t>(n), lo, hi), *qp);
      *f = test::dequantize_all(*q, *qp);
    };
    std::vector<int8_t> a, b;
    std::vector<float> a_f, b_f;
    fp::QuantParams qa, qb;
    random_input(&a, &a_f, &qa);
    random_input(&b, &b_f, &qb);

    std::vector<float> raw(static_cast<size_t>(n));
    fp::add({}, n, a_f.data(), b_f.data(), raw.data());
    const auto q_out = test::output_params(rng, raw);
    const fp::Activation act = test::random_activation(rng);
    const AddParams p = fp::add_params(qa, qb, q_out, act.min, act.max);

    std::vector<float> ref(static_cast<size_t>(n));
    fp::add(act, n, a_f.data(), b_f.data(), ref.data());
    std::vector<int8_t> got(static_cast<size_t>(n));
    add(p, n, a.data(), b.data(), got.data());

    // Each input rescale is off by at most ~1 unit of the lifted domain (two roundings
    // plus a 2^-31 relative multiplier error on values below 2^28), so the sum is off by
    // less than 3 units, which the output multiplier turns into 3 * real_output LSBs.
    const double real_output =
        2.0 * std::max(qa.scale, qb.scale) / (std::ldexp(1.0, 20) * q_out.scale);
    for (size_t i = 0; i < got.size(); ++i) {
      const double window =
          3.0 * real_output + test::double_rounding_lsb(p.output_shift) +
          test::float_error_lsb(std::fabs(a_f[i]) + std::fabs(b_f[i]), ref[i], q_out.scale);
      ASSERT_TRUE(ties.check(got[i], ref[i], q_out, window)) << "element " << i;
    }
    ASSERT_EQ(got, oracle_add(p, a, b));
  }
}

TEST(Add, ExtremeValuesMatchOracle) {
  // Every pairing of -128 / 127 under extreme zero points, and scale ratios from 1e-4 to
  // 1e4, including an output scale so small that the output multiplier shifts left.
  std::vector<int8_t> a, b;
  for (int x : {-128, -127, -1, 0, 1, 126, 127})
    for (int y : {-128, -127, -1, 0, 1, 126, 127}) {
      a.push_back(static_cast<int8_t>(x));
      b.push_back(static_cast<int8_t>(y));
    }
  const int32_t n = static_cast<int32_t>(a.size());
  for (float s1 : {1e-4f, 0.02f, 1.0f, 1e4f}) {
    for (float s2 : {1e-4f, 0.3f, 1e4f}) {
      for (float s_out : {1e-9f, 1e-4f, 0.05f, 1e4f}) {
        for (int32_t zp : {-128, 0, 127}) {
          for (const auto& [lo, hi] :
               {std::pair{-fp::kNoLimit, fp::kNoLimit}, std::pair{0.0f, 6.0f}}) {
            const AddParams p = fp::add_params({s1, zp}, {s2, -zp}, {s_out, zp}, lo, hi);
            ASSERT_LE(p.input1_shift, 0);
            ASSERT_LE(p.input2_shift, 0);
            std::vector<int8_t> got(a.size());
            add(p, n, a.data(), b.data(), got.data());
            ASSERT_EQ(got, oracle_add(p, a, b))
                << s1 << " + " << s2 << " -> " << s_out << " zp " << zp;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace qb::kernels
