// Freestanding self-test of the int8 kernels on the target core: random shapes,
// parameters and data (seeded, so a failure can be replayed), every kernel compared with
// a plain reference written here from the specification in 64-bit arithmetic, without
// the kernels' helpers. Both the reference set and the set this image's CPU flags select
// (DSP, MVE, NEON, dotprod) run every case, so each ISA variant is checked byte for byte
// on its own core. It runs under QEMU through ctest, so a compiler or code-generation
// difference for one core shows up as a failing test rather than as a different golden.
//
// Shapes cover what the fast paths special-case: one input channel (stems), 7x7 stride 2,
// odd channel counts and widths that are not multiples of any vector width, batches > 1.
//
//   qb_kernel_selftest [SEED [ROUNDS]]
//   qb_kernel_selftest fault      executes an undefined instruction, to test fault reporting
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernels/int8/lookup_table.h"
#include "kernels/int8/pad.h"
#include "kernels/variant/kernel_set.h"
#include "kernels/variant/offline.h"

namespace {

using qb::kernels::Shape;

// ---- random numbers: splitmix64 ------------------------------------------------------

uint64_t rng_state = 1;

uint64_t next_u64() {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [lo, hi].
int32_t uniform(int32_t lo, int32_t hi) {
  const uint64_t span = static_cast<uint64_t>(static_cast<int64_t>(hi) - lo) + 1;
  return static_cast<int32_t>(lo + static_cast<int64_t>(next_u64() % span));
}

bool one_in(int32_t n) { return uniform(1, n) == 1; }

void fill_int8(int8_t* data, int32_t count, int32_t lo = -128, int32_t hi = 127) {
  for (int32_t i = 0; i < count; ++i) {
    // Extremes more often than uniform data would give them.
    data[i] = static_cast<int8_t>(one_in(8) ? (one_in(2) ? lo : hi) : uniform(lo, hi));
  }
}

// A TFLite-style multiplier in [2^30, 2^31), with the edges and zero now and then.
int32_t random_multiplier() {
  if (one_in(16)) return 0;
  if (one_in(16)) return 2147483647;
  if (one_in(16)) return 1 << 30;
  return uniform(1 << 30, 2147483647);
}

// ---- the reference: requantization from its definition -------------------------------

// Rounding doubling high multiply: round(a * b / 2^31), ties toward +infinity, with the
// single overflowing input pair saturated.
int64_t ref_high_mul(int64_t a, int64_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  return (2 * a * b + (int64_t{1} << 31)) >> 32;  // floor(a*b/2^31 + 1/2)
}

// x / 2^e rounded to nearest, ties away from zero.
int64_t ref_round_shift(int64_t x, int32_t e) {
  if (e == 0) return x;
  const int64_t half = int64_t{1} << (e - 1);
  return x >= 0 ? (x + half) >> e : -((-x + half) >> e);
}

int64_t ref_requantize(int64_t acc, int32_t multiplier, int32_t shift) {
  int64_t x = acc;
  if (shift > 0) {
    x = acc * (int64_t{1} << shift);
    if (x > INT32_MAX) x = INT32_MAX;
    if (x < INT32_MIN) x = INT32_MIN;
  }
  return ref_round_shift(ref_high_mul(x, multiplier), shift > 0 ? 0 : -shift);
}

int8_t ref_output(int64_t scaled, int32_t zero_point, int32_t lo, int32_t hi) {
  int64_t v = scaled + zero_point;
  if (v < lo) v = lo;
  if (v > hi) v = hi;
  return static_cast<int8_t>(v);
}

// ---- buffers and comparison ----------------------------------------------------------

constexpr int32_t kMax = 24576;
// The largest conv2d filter random_geometry can ask for: 40 x 7 x 7 x 40.
constexpr int32_t kMaxWeights = 40 * 7 * 7 * 40;
constexpr int32_t kMaxChannels = 128;
// 16-byte aligned, as the model format places tensors (some vector paths need it).
alignas(16) int8_t input_a[kMax + 16];
alignas(16) int8_t weights[kMaxWeights + 16];
int8_t input_b[kMax], got[kMax], want[kMax];
alignas(16) int8_t scratch[kMax];
int8_t table[256];
int32_t bias[kMaxChannels], folded[kMaxChannels], multipliers[kMaxChannels], shifts[kMaxChannels];

const qb::kernels::KernelSet* current_set = nullptr;
const char* current_op = "";
int32_t current_case = 0;
int32_t failures = 0;

// Runs one kernel call per set under test (the reference and the selected variant) and
// compares each output with the spec reference in `want`.
template <typename Call>
void check_sets(int32_t count, Call call) {
  const qb::kernels::KernelSet* sets[2] = {&qb::kernels::reference_kernels(),
                                           &qb::kernels::selected_kernels()};
  const int32_t set_count = sets[1] == sets[0] ? 1 : 2;
  for (int32_t s = 0; s < set_count; ++s) {
    current_set = sets[s];
    // A kernel that leaves an element unwritten must not pass on the previous set's bytes.
    std::memset(got, 0x5A ^ s, static_cast<size_t>(count));
    call(*current_set);
    for (int32_t i = 0; i < count; ++i) {
      if (got[i] != want[i]) {
        std::printf("FAIL %s [%s] case %ld: element %ld of %ld is %d, expected %d\n", current_op,
                    current_set->name, static_cast<long>(current_case), static_cast<long>(i),
                    static_cast<long>(count), got[i], want[i]);
        ++failures;
        break;
      }
    }
  }
}

// Runs a call that has no set table entry (pad, lookup table) once.
template <typename Call>
void check_plain(int32_t count, Call call) {
  std::memset(got, 0x5A, static_cast<size_t>(count));
  call();
  for (int32_t i = 0; i < count; ++i) {
    if (got[i] != want[i]) {
      std::printf("FAIL %s case %ld: element %ld of %ld is %d, expected %d\n", current_op,
                  static_cast<long>(current_case), static_cast<long>(i), static_cast<long>(count),
                  got[i], want[i]);
      ++failures;
      return;
    }
  }
}

// Random activation range: none, ReLU-like (a floor at the zero point or above it: the
// Helium pair stores then skip the rounding's tie step), or a narrow clamp.
void random_activation(int32_t zero_point, int32_t* lo, int32_t* hi) {
  *lo = -128;
  *hi = 127;
  if (one_in(3)) *lo = one_in(2) ? zero_point : uniform(zero_point, 127);
  if (one_in(4)) *hi = uniform(*lo, 127);
}

void random_requant(int32_t channels, int32_t shift_lo, int32_t shift_hi) {
  // Now and then a layer as trained networks have them late in the net: every channel a
  // right shift, many of them 23..31 with a bias near 2^30 (nearly dead channels: a tiny
  // weight scale, so a huge bias in its units), some multipliers zero. The bias stays far
  // enough from 2^31 that folding and accumulating cannot overflow an int32.
  const bool small_multipliers = one_in(4);
  // Or every shift a right shift (as in most trained layers), which the vector kernels'
  // fastest paths need; uniform draws give a left shift somewhere in most wide layers.
  if (one_in(3)) shift_hi = shift_hi < 0 ? shift_hi : 0;
  for (int32_t c = 0; c < channels; ++c) {
    multipliers[c] = random_multiplier();
    bias[c] = one_in(8) ? 0 : uniform(-(1 << 16), 1 << 16);
    if (small_multipliers) {
      const bool dead = one_in(2);
      shifts[c] = dead ? uniform(-31, -23) : uniform(-22, -1);
      if (dead && one_in(2)) bias[c] = (one_in(2) ? -1 : 1) * uniform(1 << 29, (1 << 30) + (1 << 29));
    } else {
      shifts[c] = one_in(16) ? (one_in(2) ? -31 : 30) : uniform(shift_lo, shift_hi);
    }
  }
}

struct Geometry {
  Shape in, out;
  int32_t kh, kw, sh, sw, pt, pl;
};

// A window geometry in which every output window overlaps the input: mostly the 3x3
// windows the suites use, sometimes a 7x7 stride-2 stem or an odd rectangle, with input
// channels that are often 1 (a stem), sometimes above every vector width.
Geometry random_geometry(int32_t max_c, bool square_channels) {
  Geometry g;
  if (!square_channels && one_in(5)) {
    // A trained network's 3x3 layer: padding 1 all round, 16 or 32 channels, outputs in
    // whole groups of four; the vector kernels' pair paths for interior and border
    // windows take nearly all of it.
    g.kh = g.kw = 3;
    g.sh = g.sw = one_in(4) ? 2 : 1;
    g.pt = g.pl = 1;
    g.in = Shape{1, uniform(3, 9), uniform(3, 9), 16 * uniform(1, 2)};
    g.out = Shape{1, (g.in.h + 2 - 3) / g.sh + 1, (g.in.w + 2 - 3) / g.sw + 1, 4 * uniform(1, 10)};
    return g;
  }
  if (square_channels && one_in(6)) {
    // A depthwise layer's larger image (3x3, padding all round or none): tall and wide
    // enough for the vector kernels' channel-at-a-time interiors, some past the 48 rows
    // one of their walks takes, some channels past whole groups of eight.
    g.kh = g.kw = 3;
    g.sh = one_in(3) ? 2 : 1;
    g.sw = one_in(4) ? 2 : 1;
    g.pt = g.pl = one_in(4) ? 0 : 1;
    const int32_t channels = 8 * uniform(1, 3) + (one_in(4) ? uniform(1, 7) : 0);
    const int32_t w = uniform(8, 34);
    const int32_t h = uniform(5, std::min<int32_t>(60, kMax / (w * channels)));
    g.in = Shape{1, h, w, channels};
    g.out = Shape{1, (h + 2 * g.pt - 3) / g.sh + 1, (w + 2 * g.pl - 3) / g.sw + 1, channels};
    return g;
  }
  const int32_t kind = uniform(1, 8);
  if (kind <= 4) {
    g.kh = g.kw = 3;
  } else if (kind == 5) {
    g.kh = g.kw = 7;
  } else {
    g.kh = uniform(1, 5);
    g.kw = uniform(1, 5);
  }
  g.sh = kind == 5 ? 2 : uniform(1, 2);
  g.sw = kind == 5 ? 2 : (one_in(4) ? uniform(1, 3) : g.sh);
  g.pt = uniform(0, g.kh - 1);
  g.pl = uniform(0, g.kw - 1);
  const int32_t pb = uniform(0, g.kh - 1), pr = uniform(0, g.kw - 1);
  // Whole 16-byte chunks a channel vector (16, 32, ...) take the vector kernels' fastest
  // paths, which other counts reach only in part.
  const int32_t channels = one_in(4)   ? 1
                           : one_in(4) ? 16 * uniform(1, max_c / 16)
                           : (one_in(3) ? uniform(1, max_c) : uniform(1, 9));
  const int32_t max_side = channels > 16 ? 9 : 17;
  g.in = Shape{one_in(6) ? 2 : 1, uniform(g.kh, max_side), uniform(g.kw, max_side), channels};
  g.out = Shape{g.in.n, (g.in.h + g.pt + pb - g.kh) / g.sh + 1, (g.in.w + g.pl + pr - g.kw) / g.sw + 1,
                square_channels ? g.in.c
                // whole groups of four, some past the 64 one batch of the pair core holds
                : one_in(3)     ? 4 * (one_in(3) ? uniform(17, 20) : uniform(1, 16))
                : one_in(2)     ? uniform(1, 40)
                                : uniform(1, 12)};
  return g;
}

// Input value at (b, y, x, c), or the pad value outside.
int32_t at(const int8_t* data, const Shape& s, int32_t b, int32_t y, int32_t x, int32_t c,
           int32_t pad) {
  if (y < 0 || y >= s.h || x < 0 || x >= s.w) return pad;
  return data[((b * s.h + y) * s.w + x) * s.c + c];
}

// ---- one randomized case per kernel ---------------------------------------------------

void test_conv(bool depthwise) {
  current_op = depthwise ? "depthwise_conv2d" : "conv2d";
  // Draw again until the case fits the buffers (rarely needed: a 7x7 window over many
  // channels); the draw sequence stays a function of the seed.
  Geometry g = random_geometry(depthwise ? 70 : 40, depthwise);
  while (g.in.elements() > kMax || g.out.elements() > kMax ||
         (depthwise ? 1 : g.out.c) * g.kh * g.kw * g.in.c > kMaxWeights) {
    g = random_geometry(depthwise ? 70 : 40, depthwise);
  }
  const int32_t in_zp = uniform(-128, 127), out_zp = uniform(-128, 127);
  int32_t lo, hi;
  random_activation(out_zp, &lo, &hi);
  fill_int8(input_a, g.in.elements());
  // conv2d: [out_c, kh, kw, in_c]; depthwise: [1, kh, kw, c].
  fill_int8(weights, (depthwise ? 1 : g.out.c) * g.kh * g.kw * g.in.c, -127, 127);
  random_requant(g.out.c, -31, 4);
  // Now and then small sums (inputs near the zero point, small weights and biases) with
  // shifts near zero, where a left shift and the rounding's ties show in the output bytes:
  // with large sums a left shift saturates either way.
  if (one_in(6)) {
    for (int32_t i = 0; i < (depthwise ? 1 : g.out.c) * g.kh * g.kw * g.in.c; ++i) {
      weights[i] = static_cast<int8_t>(uniform(-3, 3));
    }
    for (int32_t i = 0; i < g.in.elements(); ++i) {
      input_a[i] = static_cast<int8_t>(std::clamp<int32_t>(in_zp + uniform(-3, 3), -128, 127));
    }
    for (int32_t c = 0; c < g.out.c; ++c) {
      bias[c] = uniform(-40, 40);
      shifts[c] = uniform(-5, 4);
    }
  }
  // The kernels accept a missing bias, which must read as zeros.
  const bool with_bias = !one_in(8);
  if (!with_bias) {
    for (int32_t c = 0; c < g.out.c; ++c) bias[c] = 0;
  }

  for (int32_t b = 0; b < g.out.n; ++b)
    for (int32_t oy = 0; oy < g.out.h; ++oy)
      for (int32_t ox = 0; ox < g.out.w; ++ox)
        for (int32_t oc = 0; oc < g.out.c; ++oc) {
          int64_t acc = bias[oc];
          for (int32_t ky = 0; ky < g.kh; ++ky)
            for (int32_t kx = 0; kx < g.kw; ++kx) {
              const int32_t y = oy * g.sh - g.pt + ky, x = ox * g.sw - g.pl + kx;
              if (depthwise) {
                const int32_t v = at(input_a, g.in, b, y, x, oc, in_zp);
                acc += int64_t{weights[(ky * g.kw + kx) * g.in.c + oc]} * (v - in_zp);
              } else {
                for (int32_t ic = 0; ic < g.in.c; ++ic) {
                  const int32_t v = at(input_a, g.in, b, y, x, ic, in_zp);
                  acc += int64_t{weights[((oc * g.kh + ky) * g.kw + kx) * g.in.c + ic]} * (v - in_zp);
                }
              }
            }
          want[((b * g.out.h + oy) * g.out.w + ox) * g.out.c + oc] =
              ref_output(ref_requantize(acc, multipliers[oc], shifts[oc]), out_zp, lo, hi);
        }

  qb::kernels::ConvArgs a;
  a.params.stride_h = g.sh;
  a.params.stride_w = g.sw;
  a.params.pad_top = g.pt;
  a.params.pad_left = g.pl;
  a.params.input_offset = -in_zp;
  a.params.output_offset = out_zp;
  a.params.act_min = lo;
  a.params.act_max = hi;
  a.requant = {multipliers, shifts};
  a.input_shape = g.in;
  a.input = input_a;
  a.filter_shape = depthwise ? Shape{1, g.kh, g.kw, g.in.c} : Shape{g.out.c, g.kh, g.kw, g.in.c};
  a.filter = weights;
  a.bias = with_bias ? bias : nullptr;
  const int32_t taps = g.kh * g.kw * (depthwise ? 1 : g.in.c);
  qb::kernels::fold_bias(weights, a.bias, g.out.c, taps, depthwise ? 1 : taps,
                         depthwise ? g.in.c : 1, a.params.input_offset, folded);
  a.folded_bias = folded;
  a.output_shape = g.out;
  a.output = got;
  if (!depthwise) {
    a.scratch = scratch;
    a.scratch_bytes = qb::kernels::conv_scratch_bytes(a.filter_shape);
  }
  check_sets(g.out.elements(), [&](const qb::kernels::KernelSet& set) {
    (depthwise ? set.depthwise_conv2d : set.conv2d)(a);
  });
}

void test_pointwise() {
  current_op = "pointwise_conv2d";
  // Now and then wide inputs (past the DSP set's 512-channel stack column pair) on a few
  // pixels, within the buffers.
  const bool wide = one_in(8);
  // Or 32 or 64 deep, as a MobileNet's and a DS-CNN's pointwise layers often are: the
  // Helium set's fixed-depth pixel pairs take it when every shift is a right shift, the
  // stage's floor hides the rounding's tie step and the input and filter rows are 4-byte
  // aligned. Mostly so, with 1 to over 16 channel groups, an odd pixel or not; else the
  // rows are one byte off their alignment, or the stage shows the tie step, and the
  // general path must take it.
  const bool deep = !wide && one_in(5);
  enum { kTaken, kTiesShow, kMisaligned };
  const int32_t deep_case = deep && one_in(4) ? uniform(kTiesShow, kMisaligned) : kTaken;
  const int32_t misalign = deep && deep_case == kMisaligned ? 1 : 0;
  const Shape in{one_in(6) ? 2 : 1, uniform(1, wide ? 4 : 9), uniform(1, wide ? 4 : 9),
                 deep ? (one_in(2) ? 32 : 64)
                      : (wide ? uniform(71, 600) : (one_in(3) ? uniform(1, 70) : uniform(1, 20)))};
  const Shape out{in.n, in.h, in.w,
                  deep && one_in(2) ? 4 * uniform(1, 24)
                                    : (one_in(3) || deep ? uniform(1, 70) : uniform(1, 20))};
  const int32_t in_zp = uniform(-128, 127), out_zp = uniform(-128, 127);
  int32_t lo, hi;
  random_activation(out_zp, &lo, &hi);
  if (deep && deep_case != kTiesShow && lo < out_zp) {
    lo = out_zp;
    hi = hi < lo ? lo : hi;
  } else if (deep && deep_case == kTiesShow) {
    lo = -128;  // below the zero point unless that is -128 too
  }
  int8_t* const x = input_a + misalign;
  int8_t* const w = weights + misalign;
  fill_int8(x, in.elements());
  fill_int8(w, out.c * in.c, -127, 127);
  random_requant(out.c, -31, 4);
  if (deep) {
    for (int32_t c = 0; c < out.c; ++c) shifts[c] = shifts[c] > 0 ? -shifts[c] : shifts[c];
  }
  const int32_t pixels = in.n * in.h * in.w;
  for (int32_t px = 0; px < pixels; ++px)
    for (int32_t oc = 0; oc < out.c; ++oc) {
      int64_t acc = bias[oc];
      for (int32_t ic = 0; ic < in.c; ++ic) {
        acc += int64_t{w[oc * in.c + ic]} * (x[px * in.c + ic] - in_zp);
      }
      want[px * out.c + oc] = ref_output(ref_requantize(acc, multipliers[oc], shifts[oc]), out_zp, lo, hi);
    }
  qb::kernels::ConvArgs a;
  a.params.input_offset = -in_zp;
  a.params.output_offset = out_zp;
  a.params.act_min = lo;
  a.params.act_max = hi;
  a.requant = {multipliers, shifts};
  a.input_shape = in;
  a.input = x;
  a.filter_shape = Shape{out.c, 1, 1, in.c};
  a.filter = w;
  a.bias = bias;
  qb::kernels::fold_bias(w, bias, out.c, in.c, in.c, 1, a.params.input_offset, folded);
  a.folded_bias = folded;
  a.output_shape = out;
  a.output = got;
  check_sets(out.elements(), [&](const qb::kernels::KernelSet& set) { set.pointwise_conv2d(a); });
}

void test_dense() {
  current_op = "dense";
  // Now and then long rows (past the DSP set's 1024-value stack row), within the buffers.
  const bool long_rows = one_in(8);
  const int32_t batches = uniform(1, 3),
                in_f = long_rows ? uniform(300, 1300) : uniform(1, one_in(3) ? 300 : 40),
                out_f = uniform(1, long_rows ? 60 : (one_in(3) ? 70 : 20));
  const bool per_channel = one_in(2);
  const int32_t in_zp = uniform(-128, 127), out_zp = uniform(-128, 127);
  int32_t lo, hi;
  random_activation(out_zp, &lo, &hi);
  fill_int8(input_a, batches * in_f);
  fill_int8(weights, out_f * in_f, -127, 127);
  random_requant(out_f, -31, 4);
  for (int32_t b = 0; b < batches; ++b)
    for (int32_t o = 0; o < out_f; ++o) {
      int64_t acc = bias[o];
      for (int32_t i = 0; i < in_f; ++i) {
        acc += int64_t{weights[o * in_f + i]} * (input_a[b * in_f + i] - in_zp);
      }
      const int32_t q = per_channel ? o : 0;
      want[b * out_f + o] = ref_output(ref_requantize(acc, multipliers[q], shifts[q]), out_zp, lo, hi);
    }
  qb::kernels::DenseArgs a;
  a.params.input_offset = -in_zp;
  a.params.output_offset = out_zp;
  a.params.act_min = lo;
  a.params.act_max = hi;
  a.params.per_channel = per_channel;
  a.requant = {multipliers, shifts};
  a.batches = batches;
  a.in_features = in_f;
  a.out_features = out_f;
  a.input = input_a;
  a.filter = weights;
  a.bias = bias;
  qb::kernels::fold_bias(weights, bias, out_f, in_f, in_f, 1, a.params.input_offset, folded);
  a.folded_bias = folded;
  a.output = got;
  check_sets(batches * out_f, [&](const qb::kernels::KernelSet& set) { set.dense(a); });
}

void test_add() {
  current_op = "add";
  const int32_t count = uniform(1, one_in(4) ? 2000 : 100);
  qb::kernels::AddParams p;
  p.input1_offset = -uniform(-128, 127);
  p.input2_offset = -uniform(-128, 127);
  p.output_offset = uniform(-128, 127);
  p.left_shift = uniform(0, 22);
  // Input rescales at most 1/2 (shift <= 0), as the runtime guarantees.
  p.input1_multiplier = uniform(1 << 30, 2147483647);
  p.input1_shift = uniform(-12, 0);
  p.input2_multiplier = uniform(1 << 30, 2147483647);
  p.input2_shift = uniform(-12, 0);
  p.output_multiplier = random_multiplier();
  p.output_shift = uniform(-31, 4);
  random_activation(p.output_offset, &p.act_min, &p.act_max);
  fill_int8(input_a, count);
  fill_int8(input_b, count);
  for (int32_t i = 0; i < count; ++i) {
    const int64_t l1 = int64_t{p.input1_offset + input_a[i]} << p.left_shift;
    const int64_t l2 = int64_t{p.input2_offset + input_b[i]} << p.left_shift;
    const int64_t sum = ref_requantize(l1, p.input1_multiplier, p.input1_shift) +
                        ref_requantize(l2, p.input2_multiplier, p.input2_shift);
    want[i] = ref_output(ref_requantize(sum, p.output_multiplier, p.output_shift), p.output_offset,
                         p.act_min, p.act_max);
  }
  check_sets(count, [&](const qb::kernels::KernelSet& set) {
    set.add(p, count, input_a, input_b, got);
  });
}

// Mean rounded half away from zero, from exact fractions.
int32_t ref_mean(int64_t sum, int64_t count) {
  const int64_t magnitude = ((sum < 0 ? -sum : sum) * 2 + count) / (2 * count);
  return static_cast<int32_t>(sum < 0 ? -magnitude : magnitude);
}

void test_pool(bool average) {
  current_op = average ? "avg_pool2d" : "max_pool2d";
  Geometry g = random_geometry(70, true);
  while (g.in.elements() > kMax || g.out.elements() > kMax) g = random_geometry(70, true);
  int32_t lo = -128, hi = 127;
  if (one_in(3)) lo = uniform(-128, 0);
  if (one_in(3)) hi = uniform(lo, 127);
  fill_int8(input_a, g.in.elements());
  for (int32_t b = 0; b < g.out.n; ++b)
    for (int32_t oy = 0; oy < g.out.h; ++oy)
      for (int32_t ox = 0; ox < g.out.w; ++ox)
        for (int32_t c = 0; c < g.out.c; ++c) {
          int64_t sum = 0, count = 0, best = -1000;
          for (int32_t ky = 0; ky < g.kh; ++ky)
            for (int32_t kx = 0; kx < g.kw; ++kx) {
              const int32_t y = oy * g.sh - g.pt + ky, x = ox * g.sw - g.pl + kx;
              if (y < 0 || y >= g.in.h || x < 0 || x >= g.in.w) continue;
              const int32_t v = at(input_a, g.in, b, y, x, c, 0);
              sum += v;
              ++count;
              if (v > best) best = v;
            }
          int64_t v = average ? ref_mean(sum, count) : best;
          if (v < lo) v = lo;
          if (v > hi) v = hi;
          want[((b * g.out.h + oy) * g.out.w + ox) * g.out.c + c] = static_cast<int8_t>(v);
        }
  qb::kernels::PoolParams p;
  p.stride_h = g.sh;
  p.stride_w = g.sw;
  p.filter_h = g.kh;
  p.filter_w = g.kw;
  p.pad_top = g.pt;
  p.pad_left = g.pl;
  p.act_min = lo;
  p.act_max = hi;
  check_sets(g.out.elements(), [&](const qb::kernels::KernelSet& set) {
    (average ? set.avg_pool2d : set.max_pool2d)(p, g.in, input_a, g.out, got);
  });
}

void test_global_pool() {
  current_op = "global_avg_pool2d";
  const Shape in{uniform(1, 2), uniform(1, 12), uniform(1, 12), one_in(3) ? uniform(1, 70) : uniform(1, 12)};
  int32_t lo = -128, hi = 127;
  if (one_in(3)) lo = uniform(-128, 0);
  if (one_in(3)) hi = uniform(lo, 127);
  fill_int8(input_a, in.elements());
  for (int32_t b = 0; b < in.n; ++b)
    for (int32_t c = 0; c < in.c; ++c) {
      int64_t sum = 0;
      for (int32_t y = 0; y < in.h; ++y)
        for (int32_t x = 0; x < in.w; ++x) sum += at(input_a, in, b, y, x, c, 0);
      int64_t v = ref_mean(sum, int64_t{in.h} * in.w);
      want[b * in.c + c] = static_cast<int8_t>(v < lo ? lo : (v > hi ? hi : v));
    }
  check_sets(in.n * in.c, [&](const qb::kernels::KernelSet& set) {
    set.global_avg_pool2d(lo, hi, in, input_a, got);
  });
}

void test_pad() {
  current_op = "pad";
  const Shape in{uniform(1, 2), uniform(1, 8), uniform(1, 8), uniform(1, 8)};
  qb::kernels::PadParams p;
  p.pad_top = uniform(0, 3);
  p.pad_bottom = uniform(0, 3);
  p.pad_left = uniform(0, 3);
  p.pad_right = uniform(0, 3);
  p.pad_value = static_cast<int8_t>(uniform(-128, 127));
  const Shape out{in.n, in.h + p.pad_top + p.pad_bottom, in.w + p.pad_left + p.pad_right, in.c};
  fill_int8(input_a, in.elements());
  for (int32_t b = 0; b < out.n; ++b)
    for (int32_t y = 0; y < out.h; ++y)
      for (int32_t x = 0; x < out.w; ++x)
        for (int32_t c = 0; c < out.c; ++c) {
          want[((b * out.h + y) * out.w + x) * out.c + c] = static_cast<int8_t>(
              at(input_a, in, b, y - p.pad_top, x - p.pad_left, c, p.pad_value));
        }
  check_plain(out.elements(), [&] { qb::kernels::pad(p, in, input_a, out, got); });
}

void test_lookup_table() {
  current_op = "lookup_table";
  const int32_t count = uniform(1, 600);
  fill_int8(table, 256);
  fill_int8(input_a, count);
  for (int32_t i = 0; i < count; ++i) want[i] = table[input_a[i] + 128];
  check_plain(count, [&] { qb::kernels::lookup_table(table, count, input_a, got); });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "fault") == 0) {
    std::printf("kernel self-test: executing an undefined instruction\n");
    std::fflush(stdout);  // a hosted runner's stdout is a pipe: flush before the trap
    __builtin_trap();
  }
  const unsigned long seed = argc > 1 ? std::strtoul(argv[1], nullptr, 0) : 20240601ul;
  const long rounds = argc > 2 ? std::strtol(argv[2], nullptr, 0) : 2000;
  rng_state = seed;
  std::printf("kernel self-test: seed %lu, %ld rounds, sets reference and %s\n", seed, rounds,
              qb::kernels::selected_kernels().name);
  for (current_case = 0; current_case < rounds && failures < 10; ++current_case) {
    test_conv(false);
    test_conv(true);
    test_pointwise();
    test_dense();
    test_add();
    test_pool(false);
    test_pool(true);
    test_global_pool();
    test_pad();
    test_lookup_table();
  }
  if (failures != 0) {
    std::printf("kernel self-test: %ld failure(s); replay with seed %lu\n",
                static_cast<long>(failures), seed);
    return 1;
  }
  std::printf("kernel self-test: %ld cases of each of 10 kernels passed on the reference and %s\n",
              rounds, qb::kernels::selected_kernels().name);
  return 0;
}
