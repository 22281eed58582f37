// Every host kernel set other than the reference (today AVX2; on an AArch64 host build,
// the set its flags select) against reference_kernels(), byte for byte, on thousands of
// seeded random cases per op: odd channel counts, sizes that are not multiples of any
// vector width, 1-channel stems, 7x7 stride 2, random zero points, -128/127 extremes and
// per-channel multipliers over the whole shift range [-31, 30]. A set the CPU cannot run
// is skipped.
//
// QB_VARIANT_SEED (default 1) and QB_VARIANT_CASES (cases per op, default 10000) replay
// or widen a run; a failure prints the seed and case index that reproduce it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "kernels/float/quantize.h"
#include "kernels/variant/kernel_set.h"
#include "kernels/variant/offline.h"

namespace qb::kernels {
namespace {

// ---- the sets under test ----------------------------------------------------------

struct Candidate {
  const char* name;
  const KernelSet* (*get)();  // null where this build or CPU cannot run the set
};

#if defined(__x86_64__)
const KernelSet* avx2_if_supported() { return cpu_has_avx2() ? &avx2_kernels() : nullptr; }
#endif

// A host build whose flags select an ISA set (an AArch64 host, say) tests that one.
[[maybe_unused]] const KernelSet* selected_if_not_reference() {
  return &selected_kernels() == &reference_kernels() ? nullptr : &selected_kernels();
}

void PrintTo(const Candidate& c, std::ostream* os) { *os << c.name; }

// One row per set; a new host set (AVX-512, say) is one more row.
const Candidate kCandidates[] = {
#if defined(__x86_64__)
    {"avx2", avx2_if_supported},
#else
    {"selected", selected_if_not_reference},
#endif
};

// ---- random cases -------------------------------------------------------------------

using Rng = std::mt19937_64;

int32_t uniform(Rng& rng, int32_t lo, int32_t hi) {
  return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
}
bool chance(Rng& rng, int32_t percent) { return uniform(rng, 0, 99) < percent; }

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

// Per op: at most about 1.5 s in a Release build and 4 s under ASan + UBSan.
constexpr int32_t kDefaultCases = 10000;

uint64_t base_seed() { return env_or("QB_VARIANT_SEED", 1); }
int32_t cases(int32_t fallback) {
  return static_cast<int32_t>(env_or("QB_VARIANT_CASES", static_cast<uint64_t>(fallback)));
}

// Int8 data: uniform, or a tensor full of the extremes -128 / 127, or near-constant.
std::vector<int8_t> random_data(Rng& rng, size_t n) {
  std::vector<int8_t> v(n);
  const int32_t style = uniform(rng, 0, 9);
  for (auto& x : v) {
    int32_t value;
    if (style == 0) {
      value = chance(rng, 50) ? -128 : 127;
    } else if (style == 1) {
      value = chance(rng, 90) ? 127 : uniform(rng, -128, 127);
    } else if (style == 2) {
      value = chance(rng, 90) ? -128 : uniform(rng, -128, 127);
    } else {
      value = uniform(rng, -128, 127);
    }
    x = static_cast<int8_t>(value);
  }
  return v;
}

// Symmetric int8 weights in [-127, 127], sometimes all at the extremes.
std::vector<int8_t> random_weights(Rng& rng, size_t n) {
  std::vector<int8_t> v(n);
  const bool extremes = chance(rng, 10);
  for (auto& x : v) {
    x = static_cast<int8_t>(extremes ? (chance(rng, 50) ? -127 : 127) : uniform(rng, -127, 127));
  }
  return v;
}

int32_t random_zero_point(Rng& rng) {
  switch (uniform(rng, 0, 5)) {
    case 0: return -128;
    case 1: return 127;
    case 2: return 0;
    default: return uniform(rng, -128, 127);
  }
}

// A multiplier (never negative) and shift. Half the time the whole shift range, where
// most results saturate or vanish; otherwise shifts that keep typical accumulators in
// range, so the rounding itself is exercised.
void random_requant(Rng& rng, int32_t* multiplier, int32_t* shift) {
  switch (uniform(rng, 0, 9)) {
    case 0: *multiplier = 0; break;
    case 1: *multiplier = 2147483647; break;
    case 2: *multiplier = uniform(rng, 0, 2147483647); break;
    default: *multiplier = uniform(rng, 1 << 30, 2147483647); break;
  }
  *shift = chance(rng, 50) ? uniform(rng, -31, 30) : uniform(rng, -16, 2);
}

struct Activation {
  int32_t min = -128, max = 127;
};

Activation random_activation(Rng& rng) {
  Activation a;
  if (chance(rng, 50)) {
    a.min = uniform(rng, -128, 127);
    a.max = uniform(rng, a.min, 127);
  }
  return a;
}

std::string shape_text(const Shape& s) {
  return std::to_string(s.n) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w) + "x" +
         std::to_string(s.c);
}

// Byte equality, naming the first difference.
::testing::AssertionResult same_bytes(const std::vector<int8_t>& want,
                                      const std::vector<int8_t>& got) {
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] != got[i]) {
      return ::testing::AssertionFailure()
             << "byte " << i << " of " << want.size() << ": reference " << int32_t{want[i]}
             << ", variant " << int32_t{got[i]};
    }
  }
  return ::testing::AssertionSuccess();
}

// ---- convolutions -------------------------------------------------------------------

enum class ConvKind { kConv2d, kDepthwise, kPointwise };

// The largest output extent whose last window still starts inside the input, as the
// loader requires; sometimes a smaller one.
int32_t random_output_extent(Rng& rng, int32_t in, int32_t stride, int32_t pad) {
  const int32_t most = (in - 1 + pad) / stride + 1;
  return chance(rng, 80) ? most : uniform(rng, 1, most);
}

struct ConvCase {
  ConvArgs args;
  std::vector<int8_t> input, filter, output_ref, output_var;
  std::vector<int32_t> bias, folded, multiplier, shift;
  std::vector<int8_t> scratch_storage;
  std::string text;
};

// Keeps a case small enough that thousands of them (reference included) run in seconds.
constexpr int64_t kMaxCaseMacs = 120000;

ConvCase make_conv_case(Rng& rng, ConvKind kind) {
  ConvCase c;
  ConvParams& p = c.args.params;
  Shape in, f, out;
  for (;;) {
    in.n = chance(rng, 85) ? 1 : uniform(rng, 2, 3);
    int32_t kh = 1, kw = 1;
    if (kind != ConvKind::kPointwise) {
      const int32_t style = uniform(rng, 0, 9);
      if (style < 4) {
        kh = kw = 3;
      } else if (style == 4) {
        kh = kw = 7;
      } else if (style == 5) {
        kh = kw = 5;
      } else {
        kh = uniform(rng, 1, 7);
        kw = uniform(rng, 1, 7);
      }
    }
    p = ConvParams{};
    if (kind != ConvKind::kPointwise) {
      const bool seven_stride_two = kh == 7 && kw == 7 && chance(rng, 60);
      p.stride_h = seven_stride_two ? 2 : uniform(rng, 1, 3);
      p.stride_w = seven_stride_two ? 2 : (chance(rng, 80) ? p.stride_h : uniform(rng, 1, 3));
      p.pad_top = chance(rng, 30) ? 0 : uniform(rng, 0, kh - 1);
      p.pad_left = chance(rng, 30) ? p.pad_top % kw : uniform(rng, 0, kw - 1);
    }
    in.h = uniform(rng, 1, 24);
    in.w = uniform(rng, 1, 24);
    if (kind == ConvKind::kPointwise) {
      // Up to past the DSP set's stack column pair (512), which then runs as dense.
      in.c = chance(rng, 20) ? uniform(rng, 1, 15)
                             : (chance(rng, 25) ? uniform(rng, 97, 600) : uniform(rng, 16, 96));
    } else if (kind == ConvKind::kDepthwise) {
      in.c = chance(rng, 30) ? uniform(rng, 1, 15) : uniform(rng, 16, 80);
    } else {
      const int32_t style = uniform(rng, 0, 9);
      in.c = style < 3 ? 1 : (style < 5 ? uniform(rng, 2, 4) : uniform(rng, 5, 40));
    }
    // Every window overlaps the input, as the loader requires: pad < kernel, and the
    // last window starts inside.
    out.n = in.n;
    out.h = random_output_extent(rng, in.h, p.stride_h, p.pad_top);
    out.w = random_output_extent(rng, in.w, p.stride_w, p.pad_left);
    if (kind == ConvKind::kPointwise) {
      out.h = in.h;
      out.w = in.w;
    }
    if (kind == ConvKind::kDepthwise) {
      out.c = in.c;
      f = Shape{1, kh, kw, in.c};
    } else {
      out.c = chance(rng, 30) ? uniform(rng, 1, 9) : uniform(rng, 10, 48);
      f = Shape{out.c, kh, kw, in.c};
    }
    const int64_t taps = kind == ConvKind::kDepthwise ? int64_t{kh} * kw : int64_t{kh} * kw * in.c;
    if (int64_t{out.n} * out.h * out.w * out.c * taps <= kMaxCaseMacs) break;
  }

  const int32_t input_zero_point = random_zero_point(rng);
  p.input_offset = -input_zero_point;
  p.output_offset = random_zero_point(rng);
  const Activation act = random_activation(rng);
  p.act_min = act.min;
  p.act_max = act.max;

  c.input = random_data(rng, static_cast<size_t>(in.elements()));
  c.filter = random_weights(rng, static_cast<size_t>(f.elements()));
  const int32_t channels = out.c;
  const bool with_bias = chance(rng, 90);
  c.bias.resize(static_cast<size_t>(channels));
  for (auto& b : c.bias) b = uniform(rng, -(1 << 22), 1 << 22);
  c.multiplier.resize(static_cast<size_t>(channels));
  c.shift.resize(static_cast<size_t>(channels));
  const bool one_requant = chance(rng, 20);
  for (int32_t i = 0; i < channels; ++i) {
    if (one_requant && i > 0) {
      c.multiplier[i] = c.multiplier[0];
      c.shift[i] = c.shift[0];
    } else {
      random_requant(rng, &c.multiplier[i], &c.shift[i]);
    }
  }
  c.folded.resize(static_cast<size_t>(channels));
  const int32_t* bias = with_bias ? c.bias.data() : nullptr;
  bool folded_ok;
  if (kind == ConvKind::kDepthwise) {
    folded_ok = fold_bias(c.filter.data(), bias, channels, f.h * f.w, 1, channels, p.input_offset,
                          c.folded.data());
  } else {
    const int32_t taps = f.h * f.w * f.c;
    folded_ok =
        fold_bias(c.filter.data(), bias, channels, taps, taps, 1, p.input_offset, c.folded.data());
  }
  EXPECT_TRUE(folded_ok);

  c.output_ref.assign(static_cast<size_t>(out.elements()), 0x5A);
  c.output_var.assign(static_cast<size_t>(out.elements()), 0x3C);
  if (kind == ConvKind::kConv2d) {
    // 16 spare bytes so the arena's 16-byte alignment can be had inside the vector;
    // filled with junk so no variant can rely on what scratch held before.
    const uint32_t bytes = conv_scratch_bytes(f);
    c.scratch_storage.assign(bytes + 16, static_cast<int8_t>(0xA5));
    const uintptr_t at = reinterpret_cast<uintptr_t>(c.scratch_storage.data());
    c.args.scratch = c.scratch_storage.data() + ((16 - at % 16) % 16);
    c.args.scratch_bytes = bytes;
  }
  c.args.requant = {c.multiplier.data(), c.shift.data()};
  c.args.input_shape = in;
  c.args.input = c.input.data();
  c.args.filter_shape = f;
  c.args.filter = c.filter.data();
  c.args.bias = bias;
  c.args.folded_bias = c.folded.data();
  c.args.output_shape = out;
  c.text = "in " + shape_text(in) + " filter " + shape_text(f) + " out " + shape_text(out) +
           " stride " + std::to_string(p.stride_h) + "x" + std::to_string(p.stride_w) + " pad " +
           std::to_string(p.pad_top) + "," + std::to_string(p.pad_left) + " zp in " +
           std::to_string(input_zero_point) + " out " + std::to_string(p.output_offset) + " act [" +
           std::to_string(p.act_min) + ", " + std::to_string(p.act_max) + "]" +
           (with_bias ? "" : " no bias");
  return c;
}

void (*conv_entry(const KernelSet& set, ConvKind kind))(const ConvArgs&) {
  switch (kind) {
    case ConvKind::kConv2d: return set.conv2d;
    case ConvKind::kDepthwise: return set.depthwise_conv2d;
    default: return set.pointwise_conv2d;
  }
}

// ---- the tests ------------------------------------------------------------------------

class VariantTest : public ::testing::TestWithParam<Candidate> {
 protected:
  void SetUp() override {
    set_ = GetParam().get();
    if (set_ == nullptr)
      GTEST_SKIP() << GetParam().name << " kernels are not available on this CPU/build";
  }

  // Seeds differ per op so that the ops do not see correlated cases.
  Rng rng_for(uint64_t op) const { return Rng(base_seed() * 1000003u + op); }

  void check_conv(ConvKind kind, uint64_t op) {
    Rng rng = rng_for(op);
    const int32_t n = cases(kDefaultCases);
    for (int32_t i = 0; i < n; ++i) {
      ConvCase c = make_conv_case(rng, kind);
      ConvArgs ref_args = c.args, var_args = c.args;
      ref_args.output = c.output_ref.data();
      var_args.output = c.output_var.data();
      conv_entry(reference_kernels(), kind)(ref_args);
      conv_entry(*set_, kind)(var_args);
      ASSERT_TRUE(same_bytes(c.output_ref, c.output_var))
          << set_->name << ", seed " << base_seed() << " case " << i << ": " << c.text;
    }
  }

  const KernelSet* set_ = nullptr;
};

TEST_P(VariantTest, Conv2d) { check_conv(ConvKind::kConv2d, 1); }
TEST_P(VariantTest, DepthwiseConv2d) { check_conv(ConvKind::kDepthwise, 2); }
TEST_P(VariantTest, PointwiseConv2d) { check_conv(ConvKind::kPointwise, 3); }

TEST_P(VariantTest, Dense) {
  Rng rng = rng_for(4);
  const int32_t n = cases(kDefaultCases);
  for (int32_t i = 0; i < n; ++i) {
    DenseArgs a;
    a.batches = chance(rng, 70) ? 1 : uniform(rng, 2, 6);
    // Long rows too: past the DSP set's stack row (1024), which then runs its direct loop.
    a.in_features = chance(rng, 30) ? uniform(rng, 1, 15)
                                    : (chance(rng, 15) ? uniform(rng, 300, 1300) : uniform(rng, 16, 300));
    a.out_features = uniform(rng, 1, 40);
    a.params.per_channel = chance(rng, 50);
    a.params.input_offset = -random_zero_point(rng);
    a.params.output_offset = random_zero_point(rng);
    const Activation act = random_activation(rng);
    a.params.act_min = act.min;
    a.params.act_max = act.max;
    const std::vector<int8_t> input =
        random_data(rng, static_cast<size_t>(a.batches) * static_cast<size_t>(a.in_features));
    const std::vector<int8_t> filter = random_weights(
        rng, static_cast<size_t>(a.out_features) * static_cast<size_t>(a.in_features));
    std::vector<int32_t> bias(static_cast<size_t>(a.out_features)), folded(bias.size());
    for (auto& b : bias) b = uniform(rng, -(1 << 22), 1 << 22);
    const size_t requants = a.params.per_channel ? bias.size() : 1;
    std::vector<int32_t> multiplier(requants), shift(requants);
    for (size_t q = 0; q < requants; ++q) random_requant(rng, &multiplier[q], &shift[q]);
    const bool with_bias = chance(rng, 90);
    ASSERT_TRUE(fold_bias(filter.data(), with_bias ? bias.data() : nullptr, a.out_features,
                          a.in_features, a.in_features, 1, a.params.input_offset, folded.data()));
    a.requant = {multiplier.data(), shift.data()};
    a.input = input.data();
    a.filter = filter.data();
    a.bias = with_bias ? bias.data() : nullptr;
    a.folded_bias = folded.data();
    std::vector<int8_t> want(static_cast<size_t>(a.batches * a.out_features), 0x5A);
    std::vector<int8_t> got(want.size(), 0x3C);
    DenseArgs ref_args = a, var_args = a;
    ref_args.output = want.data();
    var_args.output = got.data();
    reference_kernels().dense(ref_args);
    set_->dense(var_args);
    ASSERT_TRUE(same_bytes(want, got))
        << set_->name << ", seed " << base_seed() << " case " << i << ": batches " << a.batches
        << " in " << a.in_features << " out " << a.out_features
        << (a.params.per_channel ? " per channel" : " per tensor");
  }
}

// Loader-style bound of |multiply_by_quantized_multiplier(x)| for |x| <= x_bound, to keep
// random add parameters within what a model may hold (the rescaled inputs' sum is int32).
int64_t requantized_bound(int64_t x_bound, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int64_t lifted = std::min<int64_t>(x_bound << left, int64_t{1} << 31);
  const int64_t high = (lifted * multiplier + (int64_t{1} << 30)) >> 31;
  return (high >> right) + (right > 0 ? 1 : 0);
}

AddParams random_add_params(Rng& rng) {
  AddParams p;
  const int32_t zp1 = random_zero_point(rng), zp2 = random_zero_point(rng);
  const int32_t zp_out = random_zero_point(rng);
  const Activation act = random_activation(rng);
  if (chance(rng, 50)) {
    // As the model compiler makes them, from random scales.
    auto scale = [&] {
      return static_cast<float>(
          std::ldexp(1.0 + uniform(rng, 0, 999) / 1000.0, uniform(rng, -12, 2)));
    };
    p = fp::add_params({scale(), zp1}, {scale(), zp2}, {scale(), zp_out}, -1e30f, 1e30f);
  } else {
    // Anything the loader accepts: input shifts of either sign, any left shift.
    for (;;) {
      p.input1_offset = -zp1;
      p.input2_offset = -zp2;
      p.output_offset = zp_out;
      p.left_shift = uniform(rng, 0, 20);
      random_requant(rng, &p.input1_multiplier, &p.input1_shift);
      random_requant(rng, &p.input2_multiplier, &p.input2_shift);
      random_requant(rng, &p.output_multiplier, &p.output_shift);
      const int64_t v1 = std::max(128 + zp1, 127 - zp1), v2 = std::max(128 + zp2, 127 - zp2);
      const int64_t s1 = requantized_bound(v1 << p.left_shift, p.input1_multiplier, p.input1_shift);
      const int64_t s2 = requantized_bound(v2 << p.left_shift, p.input2_multiplier, p.input2_shift);
      if (s1 + s2 <= 2147483647) break;
    }
  }
  p.act_min = act.min;
  p.act_max = act.max;
  return p;
}

TEST_P(VariantTest, Add) {
  Rng rng = rng_for(5);
  const int32_t n = cases(kDefaultCases);
  for (int32_t i = 0; i < n; ++i) {
    const AddParams p = random_add_params(rng);
    const int32_t count = chance(rng, 80) ? uniform(rng, 1, 100) : uniform(rng, 101, 3000);
    const std::vector<int8_t> a = random_data(rng, static_cast<size_t>(count));
    const std::vector<int8_t> b = random_data(rng, static_cast<size_t>(count));
    std::vector<int8_t> want(a.size(), 0x5A), got(a.size(), 0x3C);
    reference_kernels().add(p, count, a.data(), b.data(), want.data());
    set_->add(p, count, a.data(), b.data(), got.data());
    ASSERT_TRUE(same_bytes(want, got))
        << set_->name << ", seed " << base_seed() << " case " << i << ": count " << count
        << " left shift " << p.left_shift << " shifts " << p.input1_shift << "/" << p.input2_shift
        << "/" << p.output_shift;
  }
}

struct PoolCase {
  PoolParams params;
  Shape in, out;
  std::vector<int8_t> input;
  std::string text;
};

PoolCase make_pool_case(Rng& rng) {
  PoolCase c;
  PoolParams& p = c.params;
  p.filter_h = chance(rng, 50) ? 2 : uniform(rng, 1, 5);
  p.filter_w = chance(rng, 80) ? p.filter_h : uniform(rng, 1, 5);
  p.stride_h = chance(rng, 50) ? p.filter_h : uniform(rng, 1, 3);
  p.stride_w = chance(rng, 80) ? p.stride_h : uniform(rng, 1, 3);
  p.pad_top = chance(rng, 50) ? 0 : uniform(rng, 0, p.filter_h - 1);
  p.pad_left = chance(rng, 50) ? 0 : uniform(rng, 0, p.filter_w - 1);
  const Activation act = random_activation(rng);
  p.act_min = act.min;
  p.act_max = act.max;
  c.in.n = chance(rng, 85) ? 1 : 2;
  c.in.h = uniform(rng, 1, 20);
  c.in.w = uniform(rng, 1, 20);
  c.in.c = chance(rng, 30) ? uniform(rng, 1, 15) : uniform(rng, 16, 80);
  c.out = Shape{c.in.n, random_output_extent(rng, c.in.h, p.stride_h, p.pad_top),
                random_output_extent(rng, c.in.w, p.stride_w, p.pad_left), c.in.c};
  c.input = random_data(rng, static_cast<size_t>(c.in.elements()));
  c.text = "in " + shape_text(c.in) + " out " + shape_text(c.out) + " filter " +
           std::to_string(p.filter_h) + "x" + std::to_string(p.filter_w) + " stride " +
           std::to_string(p.stride_h) + "x" + std::to_string(p.stride_w) + " pad " +
           std::to_string(p.pad_top) + "," + std::to_string(p.pad_left);
  return c;
}

TEST_P(VariantTest, MaxPool2d) {
  Rng rng = rng_for(6);
  const int32_t n = cases(kDefaultCases);
  for (int32_t i = 0; i < n; ++i) {
    const PoolCase c = make_pool_case(rng);
    std::vector<int8_t> want(static_cast<size_t>(c.out.elements()), 0x5A), got(want.size(), 0x3C);
    reference_kernels().max_pool2d(c.params, c.in, c.input.data(), c.out, want.data());
    set_->max_pool2d(c.params, c.in, c.input.data(), c.out, got.data());
    ASSERT_TRUE(same_bytes(want, got))
        << set_->name << ", seed " << base_seed() << " case " << i << ": " << c.text;
  }
}

TEST_P(VariantTest, AvgPool2d) {
  Rng rng = rng_for(7);
  const int32_t n = cases(kDefaultCases);
  for (int32_t i = 0; i < n; ++i) {
    const PoolCase c = make_pool_case(rng);
    std::vector<int8_t> want(static_cast<size_t>(c.out.elements()), 0x5A), got(want.size(), 0x3C);
    reference_kernels().avg_pool2d(c.params, c.in, c.input.data(), c.out, want.data());
    set_->avg_pool2d(c.params, c.in, c.input.data(), c.out, got.data());
    ASSERT_TRUE(same_bytes(want, got))
        << set_->name << ", seed " << base_seed() << " case " << i << ": " << c.text;
  }
}

TEST_P(VariantTest, GlobalAvgPool2d) {
  Rng rng = rng_for(8);
  const int32_t n = cases(kDefaultCases);
  for (int32_t i = 0; i < n; ++i) {
    Shape in;
    in.n = chance(rng, 85) ? 1 : 2;
    // Up to 40x40: more than the 256 pixels an int16 partial sum may hold.
    const int32_t extent = chance(rng, 15) ? 40 : 12;
    in.h = uniform(rng, 1, extent);
    in.w = uniform(rng, 1, extent);
    in.c = chance(rng, 30) ? uniform(rng, 1, 15) : uniform(rng, 16, 80);
    const Activation act = random_activation(rng);
    const std::vector<int8_t> input = random_data(rng, static_cast<size_t>(in.elements()));
    std::vector<int8_t> want(static_cast<size_t>(in.n * in.c), 0x5A), got(want.size(), 0x3C);
    reference_kernels().global_avg_pool2d(act.min, act.max, in, input.data(), want.data());
    set_->global_avg_pool2d(act.min, act.max, in, input.data(), got.data());
    ASSERT_TRUE(same_bytes(want, got))
        << set_->name << ", seed " << base_seed() << " case " << i << ": in " << shape_text(in);
  }
}

INSTANTIATE_TEST_SUITE_P(HostSets, VariantTest, ::testing::ValuesIn(kCandidates),
                         [](const ::testing::TestParamInfo<Candidate>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace qb::kernels
