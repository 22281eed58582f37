// The multiply core shared by conv2d (over im2col columns) and pointwise_conv2d (over
// pixels): two input columns against every output channel's weight row, 2 columns x 2
// channels per pass.
//
// Why this shape: SMLAD does two 16-bit MACs, so both operands must be int16 pairs. The
// columns are sign-extended once into a small buffer (each column is reused by every
// output channel), in the order SXTB16 produces: per block of four k, the even pair
// (k0, k2) then the odd pair (k1, k3), column A's two words then column B's. One LDM
// then loads a block of both columns; the weights stay int8 in the model and are
// extended in the loop (one LDR + two SXTB16 per channel per block, shared by both
// columns). A block is 8 SMLAD (16 MACs) for 15 instructions plus the loop's two per
// two blocks; that is about all the 14 usable registers allow (4 accumulators, 4 column
// words, 2 weight words, 4 pointers and counters), and more than GCC manages to keep in
// them, so the block loop is written out: as inline assembly here, and the whole
// channel-pair loop with the fast requantization in matmul_dsp.cc.
//
// K need not be a multiple of 4: the last block reads the weight row's last four bytes
// (overlapping the previous block, never past the row), and the column holds zeros for
// the overlapped k. So K >= 4 is required; callers handle K < 4 themselves.
#pragma once

#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>

#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/arm_dsp/requant_dsp.h"

namespace qb::kernels::dsp {

// The word for the last, overlapping block of a k-value row at src: its last four bytes
// with the ones already covered by full blocks zeroed. Needs k >= 4 and k % 4 != 0.
inline uint32_t tail_block_word(const int8_t* src, int32_t k) {
  return load_u32(src + k - 4) & (~0u << (8 * (4 - (k & 3))));
}

// Sign-extends n >= 1 words from s into successive blocks of one column: d advances a
// block (kBlockBytes: 16 in a column pair, 8 in a lone column) per word. Six instructions
// a word (GCC's own loop takes nine); returns the next block.
template <int kBlockBytes>
__attribute__((always_inline)) inline int32_t* expand_words(int32_t* d, const int8_t* s,
                                                           int32_t n) {
  uint32_t w;
  int32_t e;
  __asm__ volatile(
      "1:\n\t"
      "ldr %[w], [%[s]], #4\n\t"
      "sxtb16 %[e], %[w]\n\t"
      "sxtb16 %[w], %[w], ror #8\n\t"
      "strd %[e], %[w], [%[d]], #%c[step]\n\t"
      "subs %[n], %[n], #1\n\t"
      "bne 1b"
      : [d] "+r"(d), [s] "+r"(s), [n] "+r"(n), [w] "=&r"(w), [e] "=&r"(e)
      : [step] "i"(kBlockBytes)
      : "cc", "memory");
  return d;
}

// Expands k >= 4 contiguous int8 values into column `slot` of the pair buffer.
inline void expand_column(int32_t* cols, int32_t slot, const int8_t* src, int32_t k) {
  int32_t* d = expand_words<16>(cols + slot * 2, src, k >> 2);
  if ((k & 3) != 0) {
    const uint32_t w = tail_block_word(src, k);
    d[0] = sxtb16_even(w);
    d[1] = sxtb16_odd(w);
  }
}

// Accumulators of one 2 x 2 pass: column (a, b) x channel (0, 1).
struct Acc2x2 {
  int32_t a0, a1, b0, b1;
};

// One block of both columns against two weight rows (w, w + row). Only the reference-
// requantization path runs this C form (the fast path's loop is matmul_dsp.cc).
__attribute__((always_inline)) inline void mac_block_2x2(Acc2x2& acc, const int32_t* c,
                                                         const int8_t* w, int32_t row) {
  const uint32_t x0 = load_u32(w), x1 = load_u32(w + row);
  const int32_t x0e = sxtb16_even(x0), x0o = sxtb16_odd(x0);
  const int32_t x1e = sxtb16_even(x1), x1o = sxtb16_odd(x1);
  acc.a0 = __smlad(c[1], x0o, __smlad(c[0], x0e, acc.a0));
  acc.b0 = __smlad(c[3], x0o, __smlad(c[2], x0e, acc.b0));
  acc.a1 = __smlad(c[1], x1o, __smlad(c[0], x1e, acc.a1));
  acc.b1 = __smlad(c[3], x1o, __smlad(c[2], x1e, acc.b1));
}

// One block of both columns against one weight row.
__attribute__((always_inline)) inline void mac_block_2x1(int32_t& a, int32_t& b,
                                                         const int32_t* c, const int8_t* w) {
  const uint32_t x = load_u32(w);
  const int32_t xe = sxtb16_even(x), xo = sxtb16_odd(x);
  a = __smlad(c[0], xe, a);
  a = __smlad(c[1], xo, a);
  b = __smlad(c[2], xe, b);
  b = __smlad(c[3], xo, b);
}

// Channels per quantization table for the callers of the 2-column multiply (conv2d,
// pointwise_conv2d): they build every pixel's columns again for each table, which at
// kQuantChunk (16) channels cost more than a tenth of a 64-channel pointwise layer. 768
// bytes of stack.
inline constexpr int32_t kMatmulQuantChunk = 64;

// The geometry of one multiply: k values per column and weight row.
struct MatmulShape {
  int32_t k;            // values per column = weight row length (>= 4)
  int32_t full_blocks;  // k / 4
  int32_t tail_back;    // 0, or how far the last block's weight load steps back (4 - k % 4)
};

inline MatmulShape make_matmul_shape(int32_t k) {
  return MatmulShape{k, k >> 2, (k & 3) != 0 ? 4 - (k & 3) : 0};
}

// The state of the assembly channel-pair loop (matmul_dsp.cc), advanced by it as it goes.
struct MatmulJob {
  const int32_t* cols;
  const int8_t* weights;        // row of the next channel pair
  int32_t row_minus4;           // k - 4
  int32_t full_blocks;          // k / 4, >= 1
  const int32_t* folded_bias;   // of the next channel pair
  const ChannelQuant* quant;    // of the next channel pair; every entry fast
  int32_t tail_back;            // as MatmulShape
  int8_t* out_a;                // next outputs of column A / B (B may equal A: stored first)
  int8_t* out_b;
  int32_t pairs;                // channel pairs left, >= 1
  uint32_t act_min4, act_max4;  // used by the clamped variants
  int32_t output_offset;        // used by the wide variant
};

// Folded entries (without and with the activation clamp; with ties rounded up where the
// activation floor hides them, see ties_visible) and wide entries (clamped).
extern "C" void qb_dsp_matmul_pairs(MatmulJob* job);
extern "C" void qb_dsp_matmul_pairs_clamped(MatmulJob* job);
extern "C" void qb_dsp_matmul_pairs_ties_up(MatmulJob* job);
extern "C" void qb_dsp_matmul_pairs_ties_up_clamped(MatmulJob* job);
extern "C" void qb_dsp_matmul_pairs_wide(MatmulJob* job);

// The assembly loop for a table of `kind` (a mixed table's fast runs: the folded loop) and
// the layer's output stage.
using DspJobLoop = void (*)(MatmulJob*);
inline DspJobLoop matmul_loop(QuantKind kind, const OutputQuant& o) {
  if (kind == QuantKind::kWide) return qb_dsp_matmul_pairs_wide;
  return loop_for_stage<DspJobLoop>(o, qb_dsp_matmul_pairs, qb_dsp_matmul_pairs_clamped,
                                    qb_dsp_matmul_pairs_ties_up,
                                    qb_dsp_matmul_pairs_ties_up_clamped);
}

// The C forms, for what the assembly loops do not take (kept out of line: they are rare,
// and the callers' column loops keep their registers): a channel pair with an entry that
// needs the reference's requantization, and an odd last channel.
__attribute__((noinline)) inline void matmul_pair_mixed(const int32_t* cols, const MatmulShape& s,
                                                        const int8_t* w, const int32_t* bias,
                                                        const ChannelQuant* q,
                                                        const OutputQuant& o, int8_t* out_a,
                                                        int8_t* out_b) {
  Acc2x2 acc{bias[0], bias[1], bias[0], bias[1]};
  const int32_t* const cols_full_end = cols + s.full_blocks * 4;
  const int32_t* c = cols;
  for (; c != cols_full_end; c += 4, w += 4) mac_block_2x2(acc, c, w, s.k);
  if (s.tail_back != 0) mac_block_2x2(acc, c, w - s.tail_back, s.k);
  constexpr QuantKind kMixed = QuantKind::kMixed;
  const uint32_t ya = pack_byte1(static_cast<uint32_t>(requantize<kMixed>(acc.a0, q[0], o.output_offset)),
                                 static_cast<uint32_t>(requantize<kMixed>(acc.a1, q[1], o.output_offset)));
  const uint32_t yb = pack_byte1(static_cast<uint32_t>(requantize<kMixed>(acc.b0, q[0], o.output_offset)),
                                 static_cast<uint32_t>(requantize<kMixed>(acc.b1, q[1], o.output_offset)));
  store_u16(out_a, clamp_packed(ya, o));
  if (out_b != nullptr) store_u16(out_b, clamp_packed(yb, o));
}

__attribute__((noinline)) inline void matmul_last_channel(QuantKind kind, const int32_t* cols,
                                                          const MatmulShape& s, const int8_t* w,
                                                          int32_t bias, const ChannelQuant& q,
                                                          const OutputQuant& o, int8_t* out_a,
                                                          int8_t* out_b) {
  int32_t a = bias, b = bias;
  const int32_t* const cols_full_end = cols + s.full_blocks * 4;
  const int32_t* c = cols;
  for (; c != cols_full_end; c += 4, w += 4) mac_block_2x1(a, b, c, w);
  if (s.tail_back != 0) mac_block_2x1(a, b, c, w - s.tail_back);
  *out_a = static_cast<int8_t>(
      clamp_packed(static_cast<uint32_t>(requantize(kind, a, q, o.output_offset)), o));
  if (out_b != nullptr) {
    *out_b = static_cast<int8_t>(
        clamp_packed(static_cast<uint32_t>(requantize(kind, b, q, o.output_offset)), o));
  }
}

// out_a[oc] / out_b[oc] for oc in [0, channels): columns A / B of `cols` against the weight
// rows at filter (row stride s.k), plus folded_bias, requantized by quant (a table of
// `kind`, indexed like the channels) and clamped. out_b may be null (an odd last column:
// B is computed and dropped).
inline void matmul_2cols(QuantKind kind, const int32_t* cols, const MatmulShape& s,
                         const int8_t* filter, const int32_t* folded_bias,
                         const ChannelQuant* quant, int32_t channels, const OutputQuant& o,
                         int8_t* out_a, int8_t* out_b) {
  int32_t oc = 0;
  while (oc + 2 <= channels) {
    // Channel pairs go to the assembly loop; in a mixed table, the longest run of pairs
    // whose entries are all fast does, so a few channels that need the reference's
    // requantization cost only their own pairs.
    int32_t end = channels & ~1;
    if (kind == QuantKind::kMixed) {
      end = oc;
      while (end + 2 <= channels && quant[end].right_shift != 0 && quant[end + 1].right_shift != 0) {
        end += 2;
      }
    }
    if (end > oc) {
      MatmulJob job{cols,          filter + oc * s.k, s.k - 4,       s.full_blocks,
                    folded_bias + oc, quant + oc,    s.tail_back,   out_a + oc,
                    out_b != nullptr ? out_b + oc : out_a + oc,     (end - oc) / 2,
                    o.act_min4,    o.act_max4,    o.output_offset};
      matmul_loop(kind, o)(&job);
      oc = end;
      continue;
    }
    matmul_pair_mixed(cols, s, filter + oc * s.k, folded_bias + oc, quant + oc, o, out_a + oc,
                      out_b != nullptr ? out_b + oc : nullptr);
    oc += 2;
  }
  if (oc < channels) {
    matmul_last_channel(kind, cols, s, filter + oc * s.k, folded_bias[oc], quant[oc], o,
                        out_a + oc, out_b != nullptr ? out_b + oc : nullptr);
  }
}

}  // namespace qb::kernels::dsp

#endif
