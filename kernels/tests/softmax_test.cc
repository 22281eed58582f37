// softmax against TFLite's reference Softmax<int8, int8> restated with gemmlowp's own
// fixed-point types (an independent implementation of every rounding step), byte for byte;
// the fixed-point helpers against gemmlowp; softmax_params against TFLite's host
// arithmetic and hand-computed values; the float counterpart against the int8 kernel.
#include "kernels/int8/softmax.h"

#include <gemmlowp/fixedpoint/fixedpoint.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <limits>
#include <vector>

#include "kernels/float/float_ops.h"
#include "kernels/float/quantize.h"
#include "kernels/int8/fixed_point.h"
#include "kernels/tests/test_util.h"

namespace qb::kernels {
namespace {

using test::Rng;
using test::uniform_int;
using test::uniform_real;

// --- The oracle: TFLite's reference, in gemmlowp types ---------------------------------

using ScaledDiff = gemmlowp::FixedPoint<int32_t, 5>;
using Accumulator = gemmlowp::FixedPoint<int32_t, 12>;
using Q0 = gemmlowp::FixedPoint<int32_t, 0>;

// MultiplyByQuantizedMultiplierGreaterThanOne of TFLite's double-rounding build: a plain
// int32 lift by 2^left_shift (diff_min exists to keep it from overflowing), then one
// rounded high multiply.
int32_t tflite_scale_difference(int32_t diff, const SoftmaxParams& p) {
  const int64_t lifted = static_cast<int64_t>(diff) * (int64_t{1} << p.input_left_shift);
  if (lifted < std::numeric_limits<int32_t>::min() ||
      lifted > std::numeric_limits<int32_t>::max()) {
    ADD_FAILURE() << "the lift of " << diff << " by 2^" << p.input_left_shift << " overflows";
  }
  return gemmlowp::SaturatingRoundingDoublingHighMul(static_cast<int32_t>(lifted),
                                                     p.input_multiplier);
}

// GetReciprocal: sum = (1 + x) * 2^num_bits_over_unit, returns 1 / (1 + x).
Q0 tflite_reciprocal(Accumulator sum, int* num_bits_over_unit) {
  const int headroom_plus_one = std::countl_zero(static_cast<uint32_t>(sum.raw()));
  *num_bits_over_unit = Accumulator::kIntegerBits - headroom_plus_one;
  const auto shifted_sum_minus_one = static_cast<int32_t>(
      (static_cast<uint32_t>(sum.raw()) << headroom_plus_one) - (uint32_t{1} << 31));
  return gemmlowp::one_over_one_plus_x_for_x_in_0_1(Q0::FromRaw(shifted_sum_minus_one));
}

// One row of TFLite's reference. Returns false where TFLite stops on its check that the
// output exponent is at most 31 (a sum of exps of 512 or more), writing nothing.
bool tflite_softmax_row(const SoftmaxParams& p, int32_t depth, const int8_t* in, int8_t* out) {
  int8_t max_in_row = std::numeric_limits<int8_t>::min();
  for (int32_t c = 0; c < depth; ++c) max_in_row = std::max(max_in_row, in[c]);
  Accumulator sum = Accumulator::Zero();
  for (int32_t c = 0; c < depth; ++c) {
    const int32_t diff = static_cast<int32_t>(in[c]) - max_in_row;
    if (diff < p.diff_min) continue;
    const auto scaled = ScaledDiff::FromRaw(tflite_scale_difference(diff, p));
    sum = sum +
          gemmlowp::Rescale<Accumulator::kIntegerBits>(gemmlowp::exp_on_negative_values(scaled));
  }
  int num_bits_over_unit = 0;
  const Q0 shifted_scale = tflite_reciprocal(sum, &num_bits_over_unit);
  const int exponent = num_bits_over_unit + 31 - 8;
  if (exponent < 0 || exponent > 31) return false;
  for (int32_t c = 0; c < depth; ++c) {
    const int32_t diff = static_cast<int32_t>(in[c]) - max_in_row;
    if (diff < p.diff_min) {
      out[c] = -128;
      continue;
    }
    const auto scaled = ScaledDiff::FromRaw(tflite_scale_difference(diff, p));
    const Q0 e = gemmlowp::exp_on_negative_values(scaled);
    const int32_t unsaturated = gemmlowp::RoundingDivideByPOT((shifted_scale * e).raw(), exponent);
    out[c] = static_cast<int8_t>(std::clamp(unsaturated - 128, -128, 127));
  }
  return true;
}

// PreprocessSoftmaxScaling + CalculateInputRadius as TFLite writes them (double-rounding
// build, so no cap on the left shift below 31).
SoftmaxParams tflite_params(double beta, float input_scale) {
  const double real = std::min<double>(beta * static_cast<double>(input_scale) * (1 << 26),
                                       static_cast<double>((int64_t{1} << 31) - 1));
  EXPECT_GT(real, 1.0) << "TFLite refuses beta " << beta << " with scale " << input_scale;
  int shift = 0;
  const double fraction = std::frexp(real, &shift);
  auto q = static_cast<int64_t>(std::round(fraction * static_cast<double>(int64_t{1} << 31)));
  if (q == (int64_t{1} << 31)) {
    q /= 2;
    ++shift;
  }
  EXPECT_GE(shift, 0);
  SoftmaxParams p;
  p.input_multiplier = static_cast<int32_t>(q);
  p.input_left_shift = shift;
  const double max_input_rescaled =
      31.0 * static_cast<double>(int64_t{1} << 26) / static_cast<double>(int64_t{1} << shift);
  p.diff_min = static_cast<int32_t>(-1.0 * static_cast<int>(std::floor(max_input_rescaled)));
  return p;
}

// --- Comparison ----------------------------------------------------------------------

struct Tally {
  int64_t rows = 0, refused_rows = 0, values = 0, cut_values = 0;
  ~Tally() {
    std::printf(
        "[   info   ] %lld rows (%lld values) byte-exact; %lld rows TFLite refuses "
        "(sum of exps >= 512) give -128 throughout; %lld values cut by diff_min\n",
        static_cast<long long>(rows), static_cast<long long>(values),
        static_cast<long long>(refused_rows), static_cast<long long>(cut_values));
  }
};

::testing::AssertionResult matches_tflite(const SoftmaxParams& p, int32_t rows, int32_t depth,
                                          const std::vector<int8_t>& input, Tally* tally) {
  std::vector<int8_t> got(input.size(), 55);
  softmax(p, rows, depth, input.data(), got.data());
  std::vector<int8_t> want(static_cast<size_t>(depth));
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t* in = input.data() + r * depth;
    const int8_t* row = got.data() + r * depth;
    const bool defined = tflite_softmax_row(p, depth, in, want.data());
    if (!defined) std::fill(want.begin(), want.end(), int8_t{-128});
    const int32_t max = *std::max_element(in, in + depth);
    for (int32_t c = 0; c < depth; ++c) {
      if (row[c] == want[c]) continue;
      return ::testing::AssertionFailure()
             << "row " << r << " col " << c << " (depth " << depth << "): input " << int32_t{in[c]}
             << ", row max " << max << ", got " << int32_t{row[c]} << ", TFLite "
             << int32_t{want[c]} << (defined ? "" : " (row refused by TFLite)") << "; multiplier "
             << p.input_multiplier << " shift " << p.input_left_shift << " diff_min " << p.diff_min;
    }
    if (tally != nullptr) {
      ++tally->rows;
      tally->values += depth;
      if (!defined) ++tally->refused_rows;
      for (int32_t c = 0; c < depth; ++c) tally->cut_values += (in[c] - max < p.diff_min);
    }
  }
  return ::testing::AssertionSuccess();
}

std::vector<int8_t> run(const SoftmaxParams& p, const std::vector<int8_t>& row) {
  std::vector<int8_t> out(row.size());
  softmax(p, 1, static_cast<int32_t>(row.size()), row.data(), out.data());
  return out;
}

// --- Random draws ----------------------------------------------------------------------

float random_input_scale(Rng& rng) {
  switch (uniform_int(rng, 0, 3)) {
    case 0:  // anywhere in [1e-3, 10], log-uniform
      return static_cast<float>(std::exp(uniform_real(rng, std::log(1e-3), std::log(10.0))));
    case 1:  // around 1/256, a common logit scale, sometimes exactly
      return uniform_int(rng, 0, 3) == 0 ? 1.0f / 256
                                         : static_cast<float>(uniform_real(rng, 0.9, 1.1) / 256);
    case 2:  // large: diff_min cuts everything a few steps below the max
      return static_cast<float>(uniform_real(rng, 1.0, 10.0));
    default:  // typical classifier logits spanning tens of units
      return static_cast<float>(uniform_real(rng, 0.02, 0.3));
  }
}

double random_beta(Rng& rng) {
  static constexpr double kBetas[] = {1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 2.0, 0.25, 1.5, 3.0, 0.1};
  return kBetas[uniform_int(rng, 0, static_cast<int32_t>(std::size(kBetas)) - 1)];
}

std::vector<int8_t> random_logits(Rng& rng, size_t n) {
  std::vector<int8_t> v(n);
  switch (uniform_int(rng, 0, 4)) {
    case 0:  // the whole int8 range
      for (auto& x : v) x = static_cast<int8_t>(uniform_int(rng, -128, 127));
      break;
    case 1: {  // a narrow band: many values near the max, large sums
      const int32_t lo = uniform_int(rng, -128, 127);
      const int32_t hi = std::min(127, lo + uniform_int(rng, 0, 30));
      for (auto& x : v) x = static_cast<int8_t>(uniform_int(rng, lo, hi));
      break;
    }
    case 2:  // only the two extremes
      for (auto& x : v) x = uniform_int(rng, 0, 1) ? int8_t{127} : int8_t{-128};
      break;
    case 3: {  // a low floor with a few spikes, as confident classifiers produce
      for (auto& x : v) x = static_cast<int8_t>(uniform_int(rng, -128, -100));
      const int32_t spikes = uniform_int(rng, 1, 3);
      for (int32_t s = 0; s < spikes; ++s) {
        v[static_cast<size_t>(uniform_int(rng, 0, static_cast<int32_t>(n) - 1))] =
            static_cast<int8_t>(uniform_int(rng, -100, 127));
      }
      break;
    }
    default: {  // bell-shaped around a random centre
      const int32_t centre = uniform_int(rng, -100, 100);
      for (auto& x : v) {
        const int32_t s = uniform_int(rng, -20, 20) + uniform_int(rng, -20, 20);
        x = static_cast<int8_t>(std::clamp(centre + s, -128, 127));
      }
    }
  }
  return v;
}

// --- Fixed-point helpers against gemmlowp ----------------------------------------------

std::vector<int32_t> non_positive_edges(int32_t integer_bits) {
  std::vector<int32_t> v = {0, -1, -2, std::numeric_limits<int32_t>::min(),
                            std::numeric_limits<int32_t>::min() + 1};
  const int32_t quarter = int32_t{1} << (31 - integer_bits - 2);
  for (int64_t k = 1; k * quarter <= (int64_t{1} << 31); k *= 2) {
    for (int64_t d : {-1, 0, 1}) {
      const int64_t a = -k * quarter + d;
      if (a <= 0 && a >= std::numeric_limits<int32_t>::min()) v.push_back(static_cast<int32_t>(a));
    }
  }
  return v;
}

template <int IntegerBits>
void expect_exp_matches_gemmlowp(Rng& rng) {
  using F = gemmlowp::FixedPoint<int32_t, IntegerBits>;
  for (int32_t a : non_positive_edges(IntegerBits)) {
    ASSERT_EQ(exp_on_negative_values<IntegerBits>(a),
              gemmlowp::exp_on_negative_values(F::FromRaw(a)).raw())
        << "Q" << IntegerBits << " raw " << a;
  }
  for (int i = 0; i < 300'000; ++i) {
    // Random magnitude so that small arguments are as common as large ones.
    const auto a = -static_cast<int32_t>(static_cast<uint32_t>(rng()) >> uniform_int(rng, 1, 31));
    ASSERT_EQ(exp_on_negative_values<IntegerBits>(a),
              gemmlowp::exp_on_negative_values(F::FromRaw(a)).raw())
        << "Q" << IntegerBits << " raw " << a;
  }
}

TEST(SoftmaxFixedPoint, ExpOnNegativeValuesMatchesGemmlowp) {
  Rng rng(11);
  expect_exp_matches_gemmlowp<0>(rng);
  expect_exp_matches_gemmlowp<1>(rng);
  expect_exp_matches_gemmlowp<4>(rng);
  expect_exp_matches_gemmlowp<5>(rng);
  expect_exp_matches_gemmlowp<6>(rng);
  expect_exp_matches_gemmlowp<12>(rng);
  // Every difference the int8 softmax can meet, at its Q5.26, through every left shift.
  for (int32_t shift = 0; shift <= 26; ++shift) {
    for (int32_t diff = -255; diff <= 0; ++diff) {
      const int64_t a = static_cast<int64_t>(diff) << shift;
      if (a < std::numeric_limits<int32_t>::min()) break;
      const auto raw = static_cast<int32_t>(a);
      ASSERT_EQ(exp_on_negative_values<5>(raw),
                gemmlowp::exp_on_negative_values(ScaledDiff::FromRaw(raw)).raw())
          << raw;
    }
  }
}

TEST(SoftmaxFixedPoint, ExpIsCloseToTheRealExp) {
  // Not part of bit-exactness, but a wrong constant would show here first.
  // The degree-4 polynomial is off by up to (1/8)^5 / 120 = 2.5e-7 (relative) at the ends
  // of its quarter; the barrel-shifter products only scale that error down.
  double worst = 0.0;
  for (int32_t raw = 0; raw >= std::numeric_limits<int32_t>::min() + 4099; raw -= 4099) {
    const double v = std::ldexp(static_cast<double>(raw), -26);
    const double got = std::ldexp(static_cast<double>(exp_on_negative_values<5>(raw)), -31);
    worst = std::max(worst, std::fabs(got - std::exp(v)));
    ASSERT_NEAR(got, std::exp(v), 3e-7) << v;
  }
  std::printf("[   info   ] worst |exp error| %.3g\n", worst);
}

TEST(SoftmaxFixedPoint, ReciprocalMatchesGemmlowp) {
  Rng rng(12);
  std::vector<int32_t> inputs = {0,
                                 1,
                                 2,
                                 1 << 29,
                                 1 << 30,
                                 std::numeric_limits<int32_t>::max(),
                                 std::numeric_limits<int32_t>::max() - 1};
  for (int i = 0; i < 1'000'000; ++i) inputs.push_back(static_cast<int32_t>(rng() >> 1));
  for (int32_t a : inputs) {
    const int32_t got = one_over_one_plus_x_for_x_in_0_1(a);
    ASSERT_EQ(got, gemmlowp::one_over_one_plus_x_for_x_in_0_1(Q0::FromRaw(a)).raw()) << a;
    const double x = std::ldexp(static_cast<double>(a), -31);
    ASSERT_NEAR(std::ldexp(static_cast<double>(got), -31), 1.0 / (1.0 + x), 1e-8) << a;
  }
}

TEST(SoftmaxFixedPoint, SmallHelpersMatchGemmlowp) {
  Rng rng(13);
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  const int32_t kMax = std::numeric_limits<int32_t>::max();
  std::vector<int32_t> values = {kMin, kMin + 1, -3, -2, -1, 0, 1, 2, 3, kMax - 1, kMax};
  for (int i = 0; i < 200'000; ++i) {
    values.push_back(static_cast<int32_t>(rng()) >> uniform_int(rng, 0, 31));
  }
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    const int32_t a = values[i], b = values[i + 1];
    ASSERT_EQ(rounding_half_sum(a, b), gemmlowp::RoundingHalfSum(a, b)) << a << ", " << b;
    const int64_t sum = static_cast<int64_t>(a) + b;
    ASSERT_EQ(saturating_add(a, b), std::clamp<int64_t>(sum, kMin, kMax)) << a << ", " << b;
    // The two rescales softmax uses, Q0 -> Q12 and Q4 -> Q2.
    ASSERT_EQ(rescale(a, 0, 12), gemmlowp::Rescale<12>(Q0::FromRaw(a)).raw()) << a;
    ASSERT_EQ(rescale(a, 4, 2),
              gemmlowp::Rescale<2>(gemmlowp::FixedPoint<int32_t, 4>::FromRaw(a)).raw())
        << a;
  }
  EXPECT_EQ(count_leading_zeros(0), 32);
  EXPECT_EQ(count_leading_zeros(1), 31);
  EXPECT_EQ(count_leading_zeros(0x80000000u), 0);
  EXPECT_EQ(count_leading_zeros(1u << 19), 12);
}

// --- softmax_params ------------------------------------------------------------------

void expect_params(double beta, float scale, int32_t multiplier, int32_t shift, int32_t diff_min) {
  const SoftmaxParams p = fp::softmax_params(beta, scale);
  EXPECT_EQ(p.input_multiplier, multiplier) << "beta " << beta << " scale " << scale;
  EXPECT_EQ(p.input_left_shift, shift) << "beta " << beta << " scale " << scale;
  EXPECT_EQ(p.diff_min, diff_min) << "beta " << beta << " scale " << scale;
}

TEST(SoftmaxParams, KnownValues) {
  // 2^-8 * 2^26 = 2^18 = 0.5 * 2^19; radius 31 * 2^26 / 2^19 = 3968.
  expect_params(1.0, 1.0f / 256, 1 << 30, 19, -3968);
  expect_params(2.0, 1.0f / 256, 1 << 30, 20, -1984);
  // 0.1f is 13421773 * 2^-27, so the real multiplier 6710886.5 = 1717986944 * 2^(23-31)
  // exactly; radius 31 * 2^3 = 248.
  expect_params(1.0, 0.1f, 1717986944, 23, -248);
  // 10 * 2^26 = 0.625 * 2^30; radius 31 / 16 = 1.94 -> 1.
  expect_params(1.0, 10.0f, 1342177280, 30, -1);
  // 16 * 2^26 = 0.5 * 2^31: a left shift of 31, which TFLite's double-rounding build keeps
  // (quantize_multiplier, capped at 30 for the other kernels, would give INT32_MAX, 30).
  expect_params(1.0, 16.0f, 1 << 30, 31, 0);
  // Past 2^31 - 1 the multiplier is capped: only the row max survives diff_min.
  expect_params(1.0, 100.0f, std::numeric_limits<int32_t>::max(), 31, 0);
  expect_params(1e30, 1.0f, std::numeric_limits<int32_t>::max(), 31, 0);
}

TEST(SoftmaxParams, MatchesTfliteArithmeticOnRandomScales) {
  Rng rng(21);
  for (int i = 0; i < 200'000; ++i) {
    const auto scale = static_cast<float>(std::exp2(uniform_real(rng, -24.0, 8.0)));
    const double beta =
        uniform_int(rng, 0, 1)
            ? 1.0
            : static_cast<double>(static_cast<float>(std::exp2(uniform_real(rng, -2.0, 2.0))));
    if (beta * scale * std::ldexp(1.0, 26) <= 1.0) continue;  // TFLite refuses these
    const SoftmaxParams got = fp::softmax_params(beta, scale);
    const SoftmaxParams want = tflite_params(beta, scale);
    ASSERT_EQ(got.input_multiplier, want.input_multiplier) << beta << " " << scale;
    ASSERT_EQ(got.input_left_shift, want.input_left_shift) << beta << " " << scale;
    ASSERT_EQ(got.diff_min, want.diff_min) << beta << " " << scale;
  }
}

TEST(SoftmaxParams, ProductsTfliteRefusesStillGiveUsableParams) {
  // beta * scale <= 2^-26: TFLite's multiplier would not exceed 1. Here it becomes a right
  // shift, and every difference passes diff_min.
  const SoftmaxParams tiny = fp::softmax_params(1.0, 1e-9f);
  EXPECT_LT(tiny.input_left_shift, 0);
  EXPECT_GE(tiny.input_multiplier, 1 << 30);
  EXPECT_EQ(tiny.diff_min, -std::numeric_limits<int32_t>::max());
  // exp(-255e-9) is 1 to within far less than a step: a uniform split.
  EXPECT_EQ(run(tiny, {127, -128}), (std::vector<int8_t>{0, 0}));
  EXPECT_EQ(run(tiny, {127, -128, 0, 5}), (std::vector<int8_t>{-64, -64, -64, -64}));
  // A zero, negative or NaN product has no meaning as a temperature; it gives a zero
  // multiplier and so a uniform row, never a crash.
  for (double beta : {0.0, -1.0, std::nan("")}) {
    const SoftmaxParams p = fp::softmax_params(beta, 0.1f);
    EXPECT_EQ(p.input_multiplier, 0) << beta;
    EXPECT_EQ(p.input_left_shift, 0) << beta;
    EXPECT_EQ(run(p, {127, -128, 0, 5}), (std::vector<int8_t>{-64, -64, -64, -64})) << beta;
  }
}

// --- The kernel ----------------------------------------------------------------------

TEST(Softmax, HandCheckedRows) {
  const SoftmaxParams logit = fp::softmax_params(1.0, 0.1f);
  // One value: probability 1 is 256 steps, one past int8, and clamps to 127.
  EXPECT_EQ(run(logit, {5}), (std::vector<int8_t>{127}));
  // Equal values split evenly: 128 - 128 = 0, 85.3 -> 85 - 128 = -43, 64 - 128 = -64.
  EXPECT_EQ(run(logit, {3, 3}), (std::vector<int8_t>{0, 0}));
  EXPECT_EQ(run(logit, {-7, -7, -7}), (std::vector<int8_t>{-43, -43, -43}));
  EXPECT_EQ(run(logit, {1, 1, 1, 1}), (std::vector<int8_t>{-64, -64, -64, -64}));
  // Real logits 1.0 and 0.0: 0.7311 * 256 = 187.2 -> 59, 0.2689 * 256 = 68.8 -> -59.
  EXPECT_EQ(run(logit, {10, 0}), (std::vector<int8_t>{59, -59}));
  EXPECT_EQ(run(logit, {0, 10}), (std::vector<int8_t>{-59, 59}));
  // At scale 10 a step is 10 real units: diff_min = -1; the step below the max is exp(-10)
  // (256 * 4.5e-5 = 0.01 -> 0), two steps below never reach exp at all.
  const SoftmaxParams coarse = fp::softmax_params(1.0, 10.0f);
  ASSERT_EQ(coarse.diff_min, -1);
  EXPECT_EQ(run(coarse, {5, 4, 3}), (std::vector<int8_t>{127, -128, -128}));
  EXPECT_EQ(run(coarse, {5, 5, 3}), (std::vector<int8_t>{0, 0, -128}));
  Tally* none = nullptr;
  EXPECT_TRUE(matches_tflite(logit, 1, 2, {10, 0}, none));
  EXPECT_TRUE(matches_tflite(coarse, 1, 3, {5, 4, 3}, none));
}

TEST(Softmax, EqualRowsSplitEvenlyAndStopAtHalfAStep) {
  Tally tally;
  Rng rng(31);
  for (int32_t depth = 1; depth <= 1000; ++depth) {
    const SoftmaxParams p = fp::softmax_params(random_beta(rng), random_input_scale(rng));
    const auto v = static_cast<int8_t>(uniform_int(rng, -128, 127));
    const std::vector<int8_t> row(static_cast<size_t>(depth), v);
    ASSERT_TRUE(matches_tflite(p, 1, depth, row, &tally));
    // 256 / depth is never within 1e-3 of a tie below 512 (there it is 0.5 exactly), far
    // more than the fixed-point error: the kernel gives the correctly rounded value.
    // From 512 on TFLite refuses the row; the probability is at most half a step and the
    // kernel rounds it to 0.
    const int32_t want =
        depth < 512 ? std::min(127, static_cast<int32_t>(std::lround(256.0 / depth)) - 128) : -128;
    const auto got = run(p, row);
    ASSERT_EQ(got, std::vector<int8_t>(row.size(), static_cast<int8_t>(want))) << depth;
  }
  // The last depth TFLite accepts: 256 / 511 = 0.501 rounds up to one step.
  EXPECT_EQ(run(fp::softmax_params(1.0, 0.1f), std::vector<int8_t>(511, 0))[0], -127);
}

TEST(Softmax, EveryPairOfValuesMatchesTflite) {
  // Two-value rows cover every difference -255..0 on both sides of the max.
  std::vector<int8_t> input;
  for (int32_t a = -128; a <= 127; ++a) {
    for (int32_t b = -128; b <= 127; ++b) {
      input.push_back(static_cast<int8_t>(a));
      input.push_back(static_cast<int8_t>(b));
    }
  }
  Tally tally;
  for (float scale :
       {1e-3f, 1.0f / 256, 0.01f, 0.05f, 0.1f, 0.25f, 0.5f, 1.0f, 2.0f, 3.7f, 10.0f}) {
    for (double beta : {1.0, 2.0, 0.5}) {
      const SoftmaxParams p = fp::softmax_params(beta, scale);
      ASSERT_TRUE(matches_tflite(p, 65536, 2, input, &tally))
          << "scale " << scale << " beta " << beta;
    }
  }
}

TEST(Softmax, RandomRowsMatchTfliteByteForByte) {
  Tally tally;
  Rng rng(41);
  for (int trial = 0; trial < 4000; ++trial) {
    const double beta = random_beta(rng);
    const float scale = random_input_scale(rng);
    const SoftmaxParams p = fp::softmax_params(beta, scale);
    const int32_t rows = uniform_int(rng, 1, 8);
    const int32_t depth =
        uniform_int(rng, 0, 1) ? uniform_int(rng, 1, 1000) : uniform_int(rng, 1, 32);
    const auto input = random_logits(rng, static_cast<size_t>(rows * depth));
    ASSERT_TRUE(matches_tflite(p, rows, depth, input, &tally))
        << "trial " << trial << ": beta " << beta << " scale " << scale << " rows " << rows;
  }
}

TEST(Softmax, ExtremeRowsMatchTflite) {
  Tally tally;
  Rng rng(51);
  for (float scale : {1e-3f, 1.0f / 256, 0.03f, 0.2f, 1.0f, 10.0f}) {
    const SoftmaxParams p = fp::softmax_params(1.0, scale);
    for (int32_t depth : {1, 2, 3, 10, 100, 511, 512, 1000}) {
      // One 127 among -128s, one -128 among 127s, and an alternation.
      std::vector<int8_t> one_high(static_cast<size_t>(depth), -128), one_low(one_high.size(), 127),
          alternating(one_high.size());
      one_high[static_cast<size_t>(uniform_int(rng, 0, depth - 1))] = 127;
      one_low[static_cast<size_t>(uniform_int(rng, 0, depth - 1))] = -128;
      for (size_t i = 0; i < alternating.size(); ++i) alternating[i] = (i & 1) ? 127 : -128;
      ASSERT_TRUE(matches_tflite(p, 1, depth, one_high, &tally)) << scale << " " << depth;
      ASSERT_TRUE(matches_tflite(p, 1, depth, one_low, &tally)) << scale << " " << depth;
      ASSERT_TRUE(matches_tflite(p, 1, depth, alternating, &tally)) << scale << " " << depth;
    }
  }
}

TEST(Softmax, InPlaceGivesTheSameBytes) {
  Rng rng(61);
  for (int trial = 0; trial < 200; ++trial) {
    const SoftmaxParams p = fp::softmax_params(random_beta(rng), random_input_scale(rng));
    const int32_t rows = uniform_int(rng, 1, 8), depth = uniform_int(rng, 1, 300);
    auto data = random_logits(rng, static_cast<size_t>(rows * depth));
    std::vector<int8_t> separate(data.size());
    softmax(p, rows, depth, data.data(), separate.data());
    softmax(p, rows, depth, data.data(), data.data());
    ASSERT_EQ(data, separate) << "trial " << trial;
  }
}

TEST(Softmax, DepthsBeyondTheAccumulatorSaturateToTheRoundedAnswer) {
  // 4096 exps of 1 would be 2^31 in Q12.19: the sum saturates instead of wrapping, and
  // every probability (below 1/4096) rounds to -128 as it should.
  const SoftmaxParams p = fp::softmax_params(1.0, 1.0f / 256);
  for (int32_t depth : {4095, 4096, 5000, 20000}) {
    EXPECT_EQ(run(p, std::vector<int8_t>(static_cast<size_t>(depth), 7)),
              std::vector<int8_t>(static_cast<size_t>(depth), -128))
        << depth;
  }
  // A confident row stays confident however long: exp(-255 * 0.1) per other value.
  std::vector<int8_t> row(20000, -128);
  row[123] = 127;
  const auto out = run(fp::softmax_params(1.0, 0.1f), row);
  EXPECT_EQ(out[123], 127);
  EXPECT_EQ(std::count(out.begin(), out.end(), int8_t{-128}), 19999);
}

TEST(Softmax, EmptyShapesWriteNothing) {
  const SoftmaxParams p = fp::softmax_params(1.0, 0.1f);
  int8_t in[1] = {3}, out[1] = {42};
  softmax(p, 0, 1, in, out);
  softmax(p, 1, 0, in, out);
  EXPECT_EQ(out[0], 42);
}

// --- The float counterpart -----------------------------------------------------------

TEST(FloatSoftmax, RowsSumToOne) {
  Rng rng(71);
  for (int trial = 0; trial < 500; ++trial) {
    const int32_t rows = uniform_int(rng, 1, 8), depth = uniform_int(rng, 1, 1000);
    const auto beta = static_cast<float>(uniform_real(rng, 0.1, 3.0));
    // Far beyond exp's range without the max subtracted, on purpose.
    const double span = uniform_int(rng, 0, 1) ? 20.0 : 1e6;
    const auto input = test::random_floats(rng, static_cast<size_t>(rows * depth), -span, span);
    std::vector<float> out(input.size());
    fp::softmax(beta, rows, depth, input.data(), out.data());
    for (int32_t r = 0; r < rows; ++r) {
      double sum = 0.0;
      for (int32_t c = 0; c < depth; ++c) {
        const float v = out[static_cast<size_t>(r * depth + c)];
        ASSERT_TRUE(v >= 0.0f && v <= 1.0f) << v;
        sum += v;
      }
      ASSERT_NEAR(sum, 1.0, 1e-5) << "trial " << trial << " row " << r;
    }
  }
  const float equal[3] = {4.0f, 4.0f, 4.0f};
  float out[3];
  fp::softmax(1.0f, 1, 3, equal, out);
  for (float v : out) EXPECT_FLOAT_EQ(v, 1.0f / 3);
}

TEST(FloatSoftmax, Int8OutputIsWithinOneStepOfFloat) {
  Rng rng(81);
  const fp::QuantParams q_out{1.0f / 256, -128};
  double worst_steps = 0.0, worst_unclamped = 0.0;
  int64_t compared = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const auto q_in = fp::QuantParams{static_cast<float>(uniform_real(rng, 0.01, 0.5)),
                                      uniform_int(rng, -128, 127)};
    const float beta =
        uniform_int(rng, 0, 2) == 0 ? static_cast<float>(uniform_real(rng, 0.5, 2.0)) : 1.0f;
    const int32_t rows = uniform_int(rng, 1, 4), depth = uniform_int(rng, 1, 400);
    const auto input = random_logits(rng, static_cast<size_t>(rows * depth));
    std::vector<int8_t> got(input.size());
    softmax(fp::softmax_params(beta, q_in.scale), rows, depth, input.data(), got.data());
    // The float path sees exactly the real values the int8 path stands for.
    const auto input_f = test::dequantize_all(input, q_in);
    std::vector<float> want(input.size());
    fp::softmax(beta, rows, depth, input_f.data(), want.data());
    for (size_t i = 0; i < got.size(); ++i) {
      const double err = std::fabs(static_cast<double>(fp::dequantize(got[i], q_out)) - want[i]);
      ASSERT_LE(err, 1.0 / 256 + 1e-6) << "trial " << trial << " index " << i << ": int8 "
                                       << int32_t{got[i]} << " float " << want[i];
      // Tighter: half a step of rounding plus the fixed-point exp and reciprocal errors
      // (about 1e-7 each, relative), except at 127, where a probability near 1 clamps.
      if (got[i] != 127) {
        ASSERT_LE(err * 256, 0.501) << "trial " << trial << " index " << i << ": int8 "
                                    << int32_t{got[i]} << " float " << want[i];
      }
      worst_steps = std::max(worst_steps, err * 256);
      if (got[i] != 127) worst_unclamped = std::max(worst_unclamped, err * 256);
      ++compared;
    }
  }
  std::printf(
      "[   info   ] %lld outputs; worst |int8 - float| = %.4f output steps (%.6f "
      "where not clamped at 127)\n",
      static_cast<long long>(compared), worst_steps, worst_unclamped);
}

}  // namespace
}  // namespace qb::kernels
