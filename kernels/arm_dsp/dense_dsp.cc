// dense for the DSP extension: the pointwise core (matmul_dsp.h) over batch rows, two
// rows per pass (one row runs as a pair with itself and keeps one result); a direct
// SMLAD loop for rows too short or too long for the stack column pair, and for layers
// too small to repay the core's set-up.
//
// Why: a fully connected layer is a 1x1 convolution whose pixels are the batch rows, so
// the 2 x 2 SMLAD core applies unchanged, with per-tensor requantization expanded into
// the same per-channel table. The direct loop sign-extends both operands in the loop (an
// LDR + two SXTB16 each per four values): it needs no buffer, so it takes any length.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>

#include "kernels/arm_dsp/dsp_kernels.h"
#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/arm_dsp/matmul_dsp.h"
#include "kernels/arm_dsp/requant_dsp.h"
#include "kernels/int8/requantize.h"

namespace qb::kernels::dsp {
namespace {

constexpr int32_t kMaxK = 96;  // as pointwise_conv2d: the stack column pair's capacity

// The chunk's requantization entries; per-tensor layers repeat entry 0.
bool fill_dense_quant(ChannelQuant* q, const DenseArgs& a, int32_t o0, int32_t n) {
  bool all_fast = true;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t r = a.params.per_channel ? o0 + i : 0;
    q[i] = make_channel_quant(a.requant.multiplier[r], a.requant.shift[r], a.folded_bias[o0 + i],
                              int64_t{a.in_features} << 14, a.params.output_offset);
    all_fast = all_fast && q[i].right_shift != 0;
  }
  return all_fast;
}

void dense_matmul(const DenseArgs& a) {
  const int32_t k = a.in_features, out_f = a.out_features;
  const MatmulShape s = make_matmul_shape(k);
  const OutputQuant o = make_output_quant(a.params.output_offset, a.params.act_min, a.params.act_max);
  alignas(8) int32_t cols[kMaxK / 4 * 4];
  ChannelQuant quant[kQuantChunk];
  for (int32_t o0 = 0; o0 < out_f; o0 += kQuantChunk) {
    const int32_t n = out_f - o0 < kQuantChunk ? out_f - o0 : kQuantChunk;
    const bool fast = fill_dense_quant(quant, a, o0, n);
    for (int32_t b = 0; b < a.batches; b += 2) {
      const bool has_b = b + 1 < a.batches;
      const int8_t* row = a.input + b * k;
      expand_column(cols, 0, row, k);
      expand_column(cols, 1, has_b ? row + k : row, k);
      int8_t* out = a.output + b * out_f + o0;
      (fast ? matmul_2cols<true> : matmul_2cols<false>)(
          cols, s, a.filter + o0 * k, a.folded_bias + o0, quant, n, o, out,
          has_b ? out + out_f : nullptr);
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

// Rows outside the core's range, and layers so small that the core's tables cost more
// than they save: the reference's requantization per output, no tables.
void dense_direct(const DenseArgs& a) {
  const int32_t k = a.in_features, out_f = a.out_features;
  for (int32_t b = 0; b < a.batches; ++b) {
    const int8_t* row = a.input + b * k;
    int8_t* out = a.output + b * out_f;
    for (int32_t i = 0; i < out_f; ++i) {
      const int32_t acc = dot(row, a.filter + i * k, k, a.folded_bias[i]);
      const int32_t r = a.params.per_channel ? i : 0;
      out[i] = static_cast<int8_t>(add_offset_and_clamp(
          multiply_by_quantized_multiplier(acc, a.requant.multiplier[r], a.requant.shift[r]),
          a.params.output_offset, a.params.act_min, a.params.act_max));
    }
  }
}

}  // namespace

void dense(const DenseArgs& a) {
  // Below a few dozen MACs per row the core's column and table set-up is most of the work.
  if (a.in_features < 4 || a.in_features > kMaxK || a.in_features * a.out_features < 48) {
    dense_direct(a);
    return;
  }
  dense_matmul(a);
}

}  // namespace qb::kernels::dsp
#endif
