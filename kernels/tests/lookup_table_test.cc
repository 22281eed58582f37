// lookup_table and build_lookup_table: indexing by input + 128, and a sigmoid table that
// reproduces the quantized float sigmoid for every int8 input.
#include "kernels/int8/lookup_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/float/float_ops.h"
#include "kernels/float/quantize.h"
#include "kernels/tests/test_util.h"

namespace qb::kernels {
namespace {

TEST(LookupTable, IndexesByInputPlus128) {
  int8_t table[256];
  for (int i = 0; i < 256; ++i) table[i] = static_cast<int8_t>(127 - i);  // out = -1 - in
  const std::vector<int8_t> input = {-128, -1, 0, 1, 126, 127};
  std::vector<int8_t> out(input.size());
  lookup_table(table, static_cast<int32_t>(input.size()), input.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{127, 0, -1, -2, -127, -128}));
}

TEST(LookupTable, BuildsSigmoidTable) {
  int8_t table[256];
  // TFLite's int8 logistic output: scale 1/256, zero point -128.
  fp::build_lookup_table([](double x) { return 1.0 / (1.0 + std::exp(-x)); }, {1.0f / 16, 0},
                         {1.0f / 256, -128}, table);
  EXPECT_EQ(table[0], -128);   // sigmoid(-8) * 256 = 0.09 -> 0
  EXPECT_EQ(table[128], 0);    // sigmoid(0) * 256 = 128
  EXPECT_EQ(table[144], 59);   // sigmoid(1) * 256 = 187.1 -> 187
  EXPECT_EQ(table[112], -59);  // sigmoid(-1) * 256 = 68.9 -> 69
  EXPECT_EQ(table[255], 127);  // sigmoid(7.94) * 256 = 255.9 -> 256, saturated
}

TEST(LookupTable, SigmoidTableMatchesFloatSigmoidForEveryInput) {
  test::Rng rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const double lo = test::uniform_real(rng, -10.0, -0.5);
    const auto q_in = test::activation_params(lo, test::uniform_real(rng, 0.5, 10.0));
    const fp::QuantParams q_out{1.0f / 256, -128};
    int8_t table[256];
    fp::build_lookup_table([](double x) { return 1.0 / (1.0 + std::exp(-x)); }, q_in, q_out, table);
    std::vector<int8_t> input(256);
    for (int i = 0; i < 256; ++i) input[i] = static_cast<int8_t>(i - 128);
    const auto input_f = test::dequantize_all(input, q_in);
    std::vector<float> ref(256);
    fp::sigmoid(256, input_f.data(), ref.data());
    std::vector<int8_t> got(256);
    lookup_table(table, 256, input.data(), got.data());
    // The table is the float function sampled at every input: no tolerance.
    ASSERT_EQ(got, test::quantize_all(ref, q_out)) << "trial " << trial;
  }
}

}  // namespace
}  // namespace qb::kernels
