// The generators' numbers are part of every golden, so they are pinned here against values
// computed once with an independent implementation (Python, big integers, IEEE doubles
// rounded to float32).
#include <cmath>
#include <stdexcept>

#include <gtest/gtest.h>

#include "harness/suite/generators.h"
#include "harness/suite/input_error.h"

namespace qb::harness {
namespace {

Generator uniform(uint64_t seed, double low, double high) {
  Generator g;
  g.kind = Generator::Kind::kUniform;
  g.seed = seed;
  g.low = low;
  g.high = high;
  return g;
}

TEST(SplitMix64, MatchesTheReferenceStream) {
  SplitMix64 zero(0);
  EXPECT_EQ(zero.next(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(zero.next(), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(zero.next(), 0x06C45D188009454Full);
  SplitMix64 forty_two(42);
  EXPECT_EQ(forty_two.next(), 0xBDD732262FEB6E95ull);
  EXPECT_EQ(forty_two.next(), 0x28EFE333B266F103ull);
  EXPECT_EQ(forty_two.next(), 0x47526757130F9F52ull);
}

TEST(SplitMix64, SkipIsTheSameAsDrawing) {
  SplitMix64 drawn(123), skipped(123);
  for (int i = 0; i < 1000; ++i) drawn.next();
  skipped.skip(1000);
  EXPECT_EQ(drawn.next(), skipped.next());
}

TEST(SplitMix64, DoublesAreTheTop53Bits) {
  SplitMix64 a(0), b(0);
  EXPECT_EQ(a.next_double(), static_cast<double>(0xE220A8397B1DCDAFull >> 11) * 0x1.0p-53);
  for (int i = 0; i < 10000; ++i) {
    const double u = b.next_double();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(Generate, UniformHasFixedValues) {
  EXPECT_EQ(generate(uniform(42, -1.0, 1.0), 6),
            (std::vector<float>{0.4831297695636749f, -0.680179238319397f, -0.4427977502346039f,
                                -0.3116185665130615f, -0.9239396452903748f,
                                0.7364561557769775f}));
  EXPECT_EQ(generate(uniform(7, 0.5, 2.5), 4),
            (std::vector<float>{1.2796595096588135f, 0.5335766077041626f, 2.3015213012695312f,
                                1.6658605337142944f}));
}

TEST(Generate, UniformOffsetSkipsDraws) {
  const Generator g = uniform(42, -1.0, 1.0);
  const std::vector<float> all = generate(g, 6);
  EXPECT_EQ(generate(g, 3, 2), (std::vector<float>(all.begin() + 2, all.begin() + 5)));
  EXPECT_EQ(generate(g, 0, 5), std::vector<float>{});
}

TEST(Generate, SinusoidOverTheFlatIndex) {
  Generator g;
  g.kind = Generator::Kind::kSinusoid;
  g.amp = 2.0;
  g.freq = 0.5;
  g.phase = 0.25;
  EXPECT_EQ(generate(g, 5), (std::vector<float>{0.4948079288005829f, 1.363277554512024f,
                                                1.8979692459106445f, 1.967971920967102f,
                                                1.5561463832855225f}));
  EXPECT_EQ(generate(g, 2, 3), (std::vector<float>{1.967971920967102f, 1.5561463832855225f}));
}

TEST(Generate, ConstantAndValues) {
  Generator c;
  c.kind = Generator::Kind::kConstant;
  c.value = -0.75;
  EXPECT_EQ(generate(c, 3, 100), (std::vector<float>{-0.75f, -0.75f, -0.75f}));

  Generator v;
  v.kind = Generator::Kind::kValues;
  v.values = {1.0, 2.0, 3.0, 4.0};
  v.json_path = "/data/test/inputs";
  EXPECT_EQ(generate(v, 4), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(generate(v, 2, 1), (std::vector<float>{2, 3}));
  EXPECT_THROW(generate(v, 2, 3), std::out_of_range);
  EXPECT_THROW(generate(v, 1, 5), std::out_of_range);
  EXPECT_EQ(generate(v, 2, 2, "s.json"), (std::vector<float>{3, 4}));
  try {
    generate(v, 2, 3, "s.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "s.json: /data/test/inputs: expected at least 5 values, got 4");
  }
}

TEST(CheckGeneratorCount, OnlyValuesHaveASize) {
  Generator v;
  v.kind = Generator::Kind::kValues;
  v.values = {1.0, 2.0, 3.0};
  v.json_path = "/layers/1/bias";
  EXPECT_NO_THROW(check_generator_count(v, 3, "bias", "s.json"));
  try {
    check_generator_count(v, 4, "one bias per output channel", "s.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "s.json: /layers/1/bias: expected 4 values (one bias per output channel), got 3");
  }
  EXPECT_NO_THROW(check_generator_count(uniform(1, 0, 1), 12345, "x", "s.json"));
}

TEST(GeneratorsOverlap, SameOrShiftedStreams) {
  const uint64_t gamma = SplitMix64::kGamma;
  EXPECT_TRUE(generators_overlap(uniform(5, 0, 1), 10, uniform(5, 0, 1), 10));
  EXPECT_FALSE(generators_overlap(uniform(5, 0, 1), 10, uniform(6, 0, 1), 10));
  EXPECT_FALSE(generators_overlap(uniform(5, 0, 1), 10, uniform(5, 0, 2), 10));
  // b = a shifted by 9 draws: overlaps a's first 10, not a's first 9.
  EXPECT_TRUE(generators_overlap(uniform(5, 0, 1), 10, uniform(5 + 9 * gamma, 0, 1), 1));
  EXPECT_FALSE(generators_overlap(uniform(5, 0, 1), 9, uniform(5 + 9 * gamma, 0, 1), 1));
  // a = b shifted: b's range must reach it.
  EXPECT_TRUE(generators_overlap(uniform(5 + 9 * gamma, 0, 1), 1, uniform(5, 0, 1), 10));
  EXPECT_FALSE(generators_overlap(uniform(5 + 9 * gamma, 0, 1), 1, uniform(5, 0, 1), 9));

  Generator s;
  s.kind = Generator::Kind::kSinusoid;
  s.freq = 0.5;
  Generator t = s;
  t.phase = 0.5 * 4;  // s shifted by 4 indices
  EXPECT_TRUE(generators_overlap(s, 5, t, 1));
  EXPECT_FALSE(generators_overlap(s, 4, t, 1));
  t.phase = 0.3;
  EXPECT_FALSE(generators_overlap(s, 100, t, 100));

  Generator a, b;
  a.kind = b.kind = Generator::Kind::kValues;
  a.values = {1, 2, 3, 4, 5, 6};
  b.values = {3, 4};
  EXPECT_TRUE(generators_overlap(a, 6, b, 2));
  EXPECT_TRUE(generators_overlap(b, 2, a, 6));
  b.values = {3, 5};
  EXPECT_FALSE(generators_overlap(a, 6, b, 2));
  // With 2-element samples only runs of whole samples count.
  b.values = {3, 4};
  EXPECT_TRUE(generators_overlap(a, 6, b, 2, 2));
  b.values = {2, 3};
  EXPECT_FALSE(generators_overlap(a, 6, b, 2, 2));
}

}  // namespace
}  // namespace qb::harness
