// requantize.h against gemmlowp's fixedpoint (an independent implementation of the same
// primitives) and against the int64 oracle in test_util.h; quantize_multiplier against
// the value it claims to represent.
#include "kernels/int8/requantize.h"

#include <gemmlowp/fixedpoint/fixedpoint.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "kernels/float/quantize.h"
#include "kernels/tests/test_util.h"

namespace qb::kernels {
namespace {

using test::Rng;

constexpr int32_t kMin = kInt32Min;
constexpr int32_t kMax = kInt32Max;

// Values where rounding and saturation decide the result: the int32 ends, tiny values,
// powers of two and their neighbours (halves at every shift), and Q31 multipliers.
std::vector<int32_t> edge_values() {
  std::vector<int32_t> v = {kMin, kMin + 1, kMin + 2, -3,       -2,       -1,  0,
                            1,    2,        3,        kMax - 2, kMax - 1, kMax};
  for (int32_t e = 1; e <= 30; ++e) {
    const int32_t p = int32_t{1} << e;
    for (int32_t d : {-1, 0, 1}) {
      v.push_back(p + d);
      v.push_back(-p + d);
      // An odd multiple of half of 2^e: an exact tie for a divide by 2^e.
      v.push_back(3 * (p >> 1) + d);
      v.push_back(-3 * (p >> 1) + d);
    }
  }
  return v;
}

// Random int32 with a random magnitude, so small values and ties are not vanishingly rare.
int32_t random_value(Rng& rng) {
  const int32_t raw = static_cast<int32_t>(rng());
  return raw >> test::uniform_int(rng, 0, 31);
}

TEST(Requantize, HandPickedRoundingDirections) {
  // 0.5 rounds up, -0.5 rounds up too: the high multiply breaks ties toward +infinity.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(1 << 30, 1), 1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-(1 << 30), 1), 0);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-(1 << 30), 3), -1);  // -1.5 -> -1
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMin), kMax);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMax, kMax), kMax - 1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMax), kMin + 1);
  // The divide breaks ties away from zero.
  EXPECT_EQ(rounding_divide_by_pot(3, 1), 2);
  EXPECT_EQ(rounding_divide_by_pot(-3, 1), -2);
  EXPECT_EQ(rounding_divide_by_pot(5, 2), 1);
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);
  EXPECT_EQ(rounding_divide_by_pot(-7, 2), -2);
  EXPECT_EQ(rounding_divide_by_pot(kMin, 0), kMin);
  EXPECT_EQ(rounding_divide_by_pot(kMin, 31), -1);
  EXPECT_EQ(rounding_divide_by_pot(kMax, 31), 1);
  EXPECT_EQ(rounding_divide_by_pot(-(1 << 30), 31), -1);  // -0.5 -> -1
  EXPECT_EQ(rounding_divide_by_pot((1 << 30) - 1, 31), 0);
  // 100 * 0.75 * 2^-3 = 9.375
  EXPECT_EQ(multiply_by_quantized_multiplier(100, 3 << 29, -3), 9);
  // -100 * 0.75 * 2^-4 = -4.6875
  EXPECT_EQ(multiply_by_quantized_multiplier(-100, 3 << 29, -4), -5);
  // 7 * 0.5 * 2^2 = 14, through the left shift
  EXPECT_EQ(multiply_by_quantized_multiplier(7, 1 << 30, 2), 14);
}

TEST(Requantize, HighMulMatchesGemmlowpOnAllEdgePairs) {
  const auto edges = edge_values();
  for (int32_t a : edges) {
    for (int32_t b : edges) {
      const int32_t got = saturating_rounding_doubling_high_mul(a, b);
      ASSERT_EQ(got, gemmlowp::SaturatingRoundingDoublingHighMul(a, b)) << a << " * " << b;
      ASSERT_EQ(got, test::oracle_high_mul(a, b)) << a << " * " << b;
    }
  }
}

TEST(Requantize, HighMulMatchesGemmlowpOnRandomInputs) {
  Rng rng(1);
  for (int i = 0; i < 4'000'000; ++i) {
    const int32_t a = random_value(rng);
    // Half of the time a realistic Q31 multiplier in [2^30, 2^31).
    const int32_t b =
        (i & 1) ? random_value(rng) : static_cast<int32_t>((1u << 30) | (rng() & 0x3fffffffu));
    const int32_t got = saturating_rounding_doubling_high_mul(a, b);
    ASSERT_EQ(got, gemmlowp::SaturatingRoundingDoublingHighMul(a, b)) << a << " * " << b;
    if ((i & 15) == 0) ASSERT_EQ(got, test::oracle_high_mul(a, b)) << a << " * " << b;
  }
}

TEST(Requantize, DivideByPotMatchesGemmlowpForEveryExponent) {
  const auto edges = edge_values();
  Rng rng(2);
  for (int32_t e = 0; e <= 31; ++e) {
    for (int32_t x : edges) {
      const int32_t got = rounding_divide_by_pot(x, e);
      ASSERT_EQ(got, gemmlowp::RoundingDivideByPOT(x, e)) << x << " / 2^" << e;
      ASSERT_EQ(got, test::oracle_divide_by_pot(x, e)) << x << " / 2^" << e;
    }
    for (int i = 0; i < 100'000; ++i) {
      const int32_t x = random_value(rng);
      const int32_t got = rounding_divide_by_pot(x, e);
      ASSERT_EQ(got, gemmlowp::RoundingDivideByPOT(x, e)) << x << " / 2^" << e;
      ASSERT_EQ(got, test::oracle_divide_by_pot(x, e)) << x << " / 2^" << e;
    }
  }
}

// gemmlowp's saturating left shift takes its exponent at compile time.
template <int... E>
constexpr std::array<int32_t (*)(int32_t), sizeof...(E)> make_gemmlowp_left_shifts(
    std::integer_sequence<int, E...>) {
  return {&gemmlowp::SaturatingRoundingMultiplyByPOT<E, int32_t>...};
}
const auto kGemmlowpLeftShift = make_gemmlowp_left_shifts(std::make_integer_sequence<int, 31>{});

int32_t gemmlowp_multiply_by_quantized_multiplier(int32_t x, int32_t m, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  return gemmlowp::RoundingDivideByPOT(
      gemmlowp::SaturatingRoundingDoublingHighMul(kGemmlowpLeftShift[left](x), m), right);
}

TEST(Requantize, MultiplyByQuantizedMultiplierMatchesGemmlowpComposition) {
  const auto edges = edge_values();
  Rng rng(3);
  const std::vector<int32_t> multipliers = {1 << 30, (1 << 30) + 1, kMax - 1, kMax, 3 << 29};
  for (int32_t shift = -31; shift <= 30; ++shift) {
    for (int32_t m : multipliers) {
      for (int32_t x : edges) {
        const int32_t got = multiply_by_quantized_multiplier(x, m, shift);
        ASSERT_EQ(got, gemmlowp_multiply_by_quantized_multiplier(x, m, shift))
            << x << " m=" << m << " shift=" << shift;
        ASSERT_EQ(got, test::oracle_requantize(x, m, shift))
            << x << " m=" << m << " shift=" << shift;
      }
    }
    for (int i = 0; i < 50'000; ++i) {
      const int32_t x = random_value(rng);
      const int32_t m = static_cast<int32_t>((1u << 30) | (rng() & 0x3fffffffu));
      const int32_t got = multiply_by_quantized_multiplier(x, m, shift);
      ASSERT_EQ(got, gemmlowp_multiply_by_quantized_multiplier(x, m, shift))
          << x << " m=" << m << " shift=" << shift;
      ASSERT_EQ(got, test::oracle_requantize(x, m, shift)) << x << " m=" << m << " shift=" << shift;
    }
  }
}

TEST(Requantize, LeftShiftsSaturateInsteadOfWrapping) {
  EXPECT_EQ(saturating_left_shift(1 << 30, 1), kMax);
  EXPECT_EQ(saturating_left_shift(-(1 << 30), 1), kMin);  // exactly representable
  EXPECT_EQ(saturating_left_shift(-(1 << 30) - 1, 1), kMin);
  EXPECT_EQ(saturating_left_shift(1, 30), 1 << 30);
  EXPECT_EQ(saturating_left_shift(2, 30), kMax);
  EXPECT_EQ(saturating_left_shift(-2, 30), kMin);
  EXPECT_EQ(saturating_left_shift(-3, 30), kMin);
  EXPECT_EQ(saturating_left_shift(kMax, 31), kMax);
  EXPECT_EQ(saturating_left_shift(kMin, 31), kMin);
  EXPECT_EQ(saturating_left_shift(-1, 31), kMin);
  EXPECT_EQ(saturating_left_shift(0, 31), 0);

  // 2^30 << 2 would wrap to 0 in 32 bits; saturated it is INT32_MAX, and the almost-one
  // multiplier keeps it there (minus the one LSB that (2^31-1)/2^31 costs).
  EXPECT_EQ(multiply_by_quantized_multiplier(1 << 30, kMax, 2), kMax - 1);
  EXPECT_EQ(multiply_by_quantized_multiplier(-(1 << 30) - 5, kMax, 2), kMin + 1);
  EXPECT_EQ(multiply_by_quantized_multiplier(1 << 20, 1 << 30, 30), 1 << 30);
  EXPECT_EQ(multiply_by_quantized_multiplier(-(1 << 20), 1 << 30, 30), -(1 << 30));

  // Any x whose shifted value leaves int32 lands at the end of the range with x's sign.
  Rng rng(4);
  for (int i = 0; i < 200'000; ++i) {
    const int32_t shift = test::uniform_int(rng, 1, 30);
    const int32_t x = random_value(rng);
    const int64_t shifted = static_cast<int64_t>(x) * (int64_t{1} << shift);
    if (shifted >= kMin && shifted <= kMax) continue;
    const int32_t got = multiply_by_quantized_multiplier(x, kMax, shift);
    ASSERT_EQ(got, x > 0 ? kMax - 1 : kMin + 1) << x << " << " << shift;
  }
}

// --- quantize_multiplier -------------------------------------------------------------

double represented(fp::QuantizedMultiplier q) {
  return std::ldexp(static_cast<double>(q.multiplier), q.shift - 31);
}

void expect_multiplier(double real, int32_t multiplier, int32_t shift) {
  const auto q = fp::quantize_multiplier(real);
  EXPECT_EQ(q.multiplier, multiplier) << "real " << real;
  EXPECT_EQ(q.shift, shift) << "real " << real;
}

TEST(QuantizeMultiplier, EdgeValues) {
  expect_multiplier(0.0, 0, 0);
  expect_multiplier(1e-12, 0, 0);  // below 2^-32: flushed to zero
  expect_multiplier(std::ldexp(1.0, -33), 0, 0);
  expect_multiplier(std::ldexp(1.0, -32), 1 << 30, -31);  // the smallest kept
  expect_multiplier(0.5, 1 << 30, 0);
  expect_multiplier(0.75, 3 << 29, 0);
  expect_multiplier(1.0, 1 << 30, 1);
  // Just below 1 the fraction rounds up to 2^31, which is halved with the shift bumped.
  expect_multiplier(std::nextafter(1.0, 0.0), 1 << 30, 1);
  expect_multiplier(1.0 - std::ldexp(1.0, -33), 1 << 30, 1);
  expect_multiplier(1.0 - std::ldexp(1.0, -31), kMax, 0);
  // An exact half in the Q31 fraction rounds away from zero (to odd here, so a
  // round-half-to-even implementation would fail).
  expect_multiplier(std::ldexp((1 << 30) + 0.5, -31), (1 << 30) + 1, 0);
  expect_multiplier(std::ldexp((1 << 30) + 2.5, -31), (1 << 30) + 3, 0);
  // Large: the largest left shift is 30; beyond it the multiplier saturates.
  expect_multiplier(1.5 * std::ldexp(1.0, 29), 3 << 29, 30);
  expect_multiplier(std::ldexp(1.0, 30), kMax, 30);
  expect_multiplier(1e10, kMax, 30);
}

TEST(QuantizeMultiplier, RoundTripsWithinOnePartInTwoToThe31) {
  Rng rng(5);
  for (int i = 0; i < 200'000; ++i) {
    // Log-uniform over every exponent that is kept without saturation.
    const double real = std::exp2(test::uniform_real(rng, -31.99, 29.99));
    const auto q = fp::quantize_multiplier(real);
    ASSERT_GE(q.multiplier, 1 << 30) << real;
    ASSERT_GE(q.shift, -31) << real;
    ASSERT_LE(q.shift, 30) << real;
    // Q31 rounding of a fraction in [1/2, 1) is off by at most 2^-32, relatively 2^-31.
    const double rel = std::fabs(represented(q) - real) / real;
    ASSERT_LE(rel, std::ldexp(1.0, -31)) << real;
    ASSERT_LE(rel, 1e-9) << real;
  }
}

}  // namespace
}  // namespace qb::kernels
