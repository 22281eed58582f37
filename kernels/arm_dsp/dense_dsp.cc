// dense for the DSP extension. One batch row (the usual case) runs the one-row core
// (matvec_dsp.h): the row sign-extended once, three or four output channels per pass,
// 1.25 or 1.375 instructions per MAC. Several rows of at most kMaxPairK values run the
// 2 x 2 core (matmul_dsp.h), two rows per pass (one row runs as a pair with itself and
// keeps one result), which shares each weight load between the two rows. A direct SMLAD
// loop takes rows under four values, rows too long for the stack, layers too small to
// repay the cores' set-up, and single rows against fewer channels than the one-row core's
// quad (a classifier's last layer), two channels at a time (dense_narrow).
//
// Why: a fully connected layer is a 1x1 convolution whose pixels are the batch rows, so
// the cores apply unchanged, with per-tensor requantization as one shared table entry.
// The direct loop sign-extends both operands in the loop (an LDR + two SXTB16 each per
// four values): it needs no buffer, so it takes any length.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <climits>
#include <cstdint>

#include "kernels/arm_dsp/dsp_kernels.h"
#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/arm_dsp/matmul_dsp.h"
#include "kernels/arm_dsp/matvec_dsp.h"
#include "kernels/arm_dsp/requant_dsp.h"
#include "kernels/int8/requantize.h"

namespace qb::kernels::dsp {
namespace {

// The expanded rows live on the stack, two bytes per value (a column pair: four): a
// 1024-value row takes 2 KiB. Longer rows run the direct loop.
constexpr int32_t kMaxRowK = 1024;
constexpr int32_t kMaxPairK = 512;

// The chunk's requantization entries; per-tensor layers repeat entry 0.
QuantKind fill_dense_quant(ChannelQuant* q, const DenseArgs& a, int32_t o0, int32_t n) {
  const int32_t r = a.params.per_channel ? o0 : 0;
  return fill_channel_quant(q, n, a.requant.multiplier + r, a.requant.shift + r,
                            a.folded_bias + o0, int64_t{a.in_features} << 14,
                            a.params.output_offset, true, a.params.per_channel ? 1 : 0);
}

void dense_matmul(const DenseArgs& a) {
  const int32_t k = a.in_features, out_f = a.out_features;
  const MatmulShape s = make_matmul_shape(k);
  const OutputQuant o = make_output_quant(a.params.output_offset, a.params.act_min, a.params.act_max);
  int32_t* cols = static_cast<int32_t*>(__builtin_alloca(sizeof(int32_t) * 2 * row_words(k)));
  ChannelQuant quant[kQuantChunk];
  for (int32_t o0 = 0; o0 < out_f; o0 += kQuantChunk) {
    const int32_t n = out_f - o0 < kQuantChunk ? out_f - o0 : kQuantChunk;
    const QuantKind kind = fill_dense_quant(quant, a, o0, n);
    for (int32_t b = 0; b < a.batches; b += 2) {
      const bool has_b = b + 1 < a.batches;
      const int8_t* row = a.input + b * k;
      expand_column(cols, 0, row, k);
      expand_column(cols, 1, has_b ? row + k : row, k);
      int8_t* out = a.output + b * out_f + o0;
      matmul_2cols(kind, cols, s, a.filter + o0 * k, a.folded_bias + o0, quant, n, o, out,
                   has_b ? out + out_f : nullptr);
    }
  }
}

// Per-tensor requantization as four equal entries (the one-row core loads a quad's
// entries whatever they hold). For one batch row the wide entry comes first: it serves
// every channel whatever its bias, at two instructions more per output, while the folded
// one must first find the largest folded bias, about five per output. kMixed when
// neither serves.
QuantKind fill_shared_quant(ChannelQuant* q, const DenseArgs& a) {
  const auto fill = [&](int32_t bias_bound, bool wide) {
    q[0] = make_channel_quant(a.requant.multiplier[0], a.requant.shift[0], bias_bound,
                              int64_t{a.in_features} << 14, a.params.output_offset, wide);
    q[1] = q[2] = q[3] = q[0];
    return q[0].right_shift != 0;
  };
  if (a.batches == 1 && fill(0, true)) return QuantKind::kWide;
  int32_t largest = 0;
  for (int32_t i = 0; i < a.out_features; ++i) {
    const int32_t b = a.folded_bias[i];
    const int32_t mag = b < 0 ? (b == INT32_MIN ? INT32_MAX : -b) : b;
    largest = mag > largest ? mag : largest;
  }
  if (fill(largest, false)) return QuantKind::kFolded;
  return fill(0, true) ? QuantKind::kWide : QuantKind::kMixed;
}

void dense_rows(const DenseArgs& a) {
  const int32_t k = a.in_features, out_f = a.out_features;
  const MatmulShape s = make_matmul_shape(k);
  const OutputQuant o = make_output_quant(a.params.output_offset, a.params.act_min, a.params.act_max);
  int32_t* col = static_cast<int32_t*>(__builtin_alloca(sizeof(int32_t) * row_words(k)));
  ChannelQuant quant[kQuantChunk];
  const QuantKind shared =
      a.params.per_channel ? QuantKind::kMixed : fill_shared_quant(quant, a);
  for (int32_t b = 0; b < a.batches; ++b) {
    expand_row(col, a.input + b * k, k);
    int8_t* out = a.output + b * out_f;
    if (!a.params.per_channel && shared != QuantKind::kMixed) {
      matvec(shared, col, s, a.filter, a.folded_bias, quant, 0, out_f, o, out);
      continue;
    }
    // Per channel, or a shared entry that does not serve every channel: tables per chunk.
    for (int32_t o0 = 0; o0 < out_f; o0 += kQuantChunk) {
      const int32_t n = out_f - o0 < kQuantChunk ? out_f - o0 : kQuantChunk;
      const QuantKind kind = fill_dense_quant(quant, a, o0, n);
      matvec(kind, col, s, a.filter + o0 * k, a.folded_bias + o0, quant, 1, n, o, out + o0);
    }
  }
}

// One output: folded bias plus the row's dot product, four values per SMLAD pair.
inline int32_t dot(const int8_t* x, const int8_t* w, int32_t k, int32_t acc) {
  int32_t i = 0;
  for (; i + 4 <= k; i += 4) {
    const uint32_t xv = load_u32(x + i), wv = load_u32(w + i);
    acc = __smlad(sxtb16_even(xv), sxtb16_even(wv), acc);
    acc = __smlad(sxtb16_odd(xv), sxtb16_odd(wv), acc);
  }
  for (; i < k; ++i) acc += int32_t{x[i]} * int32_t{w[i]};
  return acc;
}

// Two outputs' dot products: each block of the row is loaded and sign-extended once for
// both weight rows (13 instructions for 8 MACs, and the loop's three). Out of line, so
// that the loop has the registers to itself.
__attribute__((noinline)) void dot2(const int8_t* x, const int8_t* w0, const int8_t* w1,
                                    int32_t k, int32_t* acc0, int32_t* acc1) {
  int32_t a0 = *acc0, a1 = *acc1;
  for (const int8_t* const blocks_end = x + (k & ~3); x != blocks_end; x += 4, w0 += 4, w1 += 4) {
    const uint32_t xv = load_u32(x), v0 = load_u32(w0), v1 = load_u32(w1);
    const int32_t xe = sxtb16_even(xv), xo = sxtb16_odd(xv);
    a0 = __smlad(xo, sxtb16_odd(v0), __smlad(xe, sxtb16_even(v0), a0));
    a1 = __smlad(xo, sxtb16_odd(v1), __smlad(xe, sxtb16_even(v1), a1));
  }
  for (int32_t i = 0; i < (k & 3); ++i) {
    a0 += int32_t{x[i]} * int32_t{w0[i]};
    a1 += int32_t{x[i]} * int32_t{w1[i]};
  }
  *acc0 = a0;
  *acc1 = a1;
}

// Output i of a row from its accumulator, with the reference's requantization.
inline int8_t requantize_output(const DenseArgs& a, int32_t i, int32_t acc) {
  const int32_t r = a.params.per_channel ? i : 0;
  return static_cast<int8_t>(add_offset_and_clamp(
      multiply_by_quantized_multiplier(acc, a.requant.multiplier[r], a.requant.shift[r]),
      a.params.output_offset, a.params.act_min, a.params.act_max));
}

// Rows outside the cores' range, and layers so small that the cores' tables cost more
// than they save: the reference's requantization per output, no tables.
void dense_direct(const DenseArgs& a) {
  const int32_t k = a.in_features, out_f = a.out_features;
  for (int32_t b = 0; b < a.batches; ++b) {
    const int8_t* row = a.input + b * k;
    int8_t* out = a.output + b * out_f;
    for (int32_t i = 0; i < out_f; ++i) {
      out[i] = requantize_output(a, i, dot(row, a.filter + i * k, k, a.folded_bias[i]));
    }
  }
}

// One row against one to three channels (a classifier's last layer): channel pairs through dot2, no tables. Out of line, so that dense_direct's loop
// keeps its registers.
__attribute__((noinline)) void dense_narrow(const DenseArgs& a) {
  const int32_t k = a.in_features, out_f = a.out_features;
  const int8_t* row = a.input;
  int8_t* out = a.output;
  int32_t i = 0;
  for (; i + 2 <= out_f; i += 2) {
    int32_t acc0 = a.folded_bias[i], acc1 = a.folded_bias[i + 1];
    dot2(row, a.filter + i * k, a.filter + (i + 1) * k, k, &acc0, &acc1);
    out[i] = requantize_output(a, i, acc0);
    out[i + 1] = requantize_output(a, i + 1, acc1);
  }
  if (i < out_f) out[i] = requantize_output(a, i, dot(row, a.filter + i * k, k, a.folded_bias[i]));
}

}  // namespace

void dense(const DenseArgs& a) {
  // Below a few dozen MACs per row the cores' column and table set-up is most of the work.
  if (a.in_features < 4 || a.in_features > kMaxRowK || a.in_features * a.out_features < 48) {
    dense_direct(a);
    return;
  }
  if (a.batches == 1 && a.out_features < 4) {
    dense_narrow(a);
    return;
  }
  if (a.batches >= 2 && a.in_features <= kMaxPairK) {
    dense_matmul(a);
    return;
  }
  dense_rows(a);
}

}  // namespace qb::kernels::dsp
#endif
