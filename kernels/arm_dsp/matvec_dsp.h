// The multiply core for one input row (dense with a single batch row, the common case):
// the row against four output channels' weight rows per pass (or three: see the
// triples below, 1.25 instructions per MAC where the weight rows are word-aligned).
//
// Why this shape: with one row there is no second column to share a weight load with, as
// the 2 x 2 core (matmul_dsp.h) does, so the sharing goes the other way: the row is
// sign-extended once into a stack buffer (two words per block of four values, the even
// pair then the odd pair, as SXTB16 produces them), one LDRD per block loads it, and four
// weight rows use it. A block is then 8 SMLAD (16 MACs) for 21 instructions; the block
// loop is unrolled twice, so the loop costs one more per block: 1.375 instructions per
// MAC, against 2 for a loop that extends both operands. As in the 2 x 2 core the loop
// and its requantization are assembly (matvec_dsp.cc): four accumulators, two column
// words, four weight pointers and temporaries take every register.
//
// K need not be a multiple of 4: as in the 2 x 2 core, the last block re-reads the weight
// rows' last four bytes and the column holds zeros for the k already counted.
#pragma once

#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>

#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/arm_dsp/matmul_dsp.h"
#include "kernels/arm_dsp/requant_dsp.h"

namespace qb::kernels::dsp {

// Words of the expanded row for k values: two per block, the tail block included.
inline int32_t row_words(int32_t k) { return 2 * ((k + 3) >> 2); }

// Expands k >= 4 contiguous int8 values into the lone-column layout.
inline void expand_row(int32_t* col, const int8_t* src, int32_t k) {
  int32_t* d = expand_words<8>(col, src, k >> 2);
  if ((k & 3) != 0) {
    const uint32_t w = tail_block_word(src, k);
    d[0] = sxtb16_even(w);
    d[1] = sxtb16_odd(w);
  }
}

// The state of the assembly channel-quad loop (matvec_dsp.cc), advanced by it as it goes.
struct MatvecJob {
  const int32_t* col;           // the expanded row
  const int8_t* weights;        // row of the next channel quad
  int32_t k;                    // values per row (>= 4) = weight row stride
  int32_t full_blocks;          // k / 4, >= 1
  const int32_t* folded_bias;   // of the next channel quad
  const ChannelQuant* quant;    // entries of the next quad; every entry fast
  int32_t tail_back;            // 0, or how far the last block's weight loads step back
  int8_t* out;                  // next four outputs
  int32_t quads;                // channel quads left, >= 1
  uint32_t act_min4, act_max4;  // used by the clamped variant
  int32_t quant_step;           // bytes quant advances per quad: 48, or 0 for one shared entry set
                                // (per triple: 36, or 0)
  int32_t output_offset;        // used by the wide variant
  // The triples (below) only: the row pointer after the full blocks, and whether their
  // pair count (blocks past an odd first one, two at a time) is odd.
  const int32_t* pairs_end;
  int32_t pairs_odd;
};

// Folded entries (without and with the activation clamp) and wide entries (clamped).
extern "C" void qb_dsp_matvec_quads(MatvecJob* job);
extern "C" void qb_dsp_matvec_quads_clamped(MatvecJob* job);
extern "C" void qb_dsp_matvec_quads_wide(MatvecJob* job);

// The same three channels a pass (job.quads counts triples), two blocks a step: one LDM of
// the row's four words, then per channel one LDM of both blocks' weights, four SXTB16 and
// four SMLAD, 28 instructions per 24 MACs against the quads' 21 per 16: a fourth channel's
// weights would not fit the registers beside an LDM's pair. LDM needs the weight rows
// word-aligned (the filter, and k a multiple of 4); other layers take the quads. Not on a
// dual-issue core (QB_CORE_DUAL_ISSUE), where LDM issues alone and the quads' LDRs pair
// with the MACs.
extern "C" void qb_dsp_matvec_triples(MatvecJob* job);
extern "C" void qb_dsp_matvec_triples_clamped(MatvecJob* job);
extern "C" void qb_dsp_matvec_triples_wide(MatvecJob* job);
#if defined(QB_CORE_DUAL_ISSUE)
inline constexpr bool kMatvecTriples = false;
#else
inline constexpr bool kMatvecTriples = true;
#endif

// How many of n channels (a table of one kind, every entry fast) go three at a time: the
// most that leave a multiple of four for the quads, else as many as fit.
inline int32_t matvec_triples(int32_t n) {
  for (int32_t t = n / 3; t >= 0; --t) {
    if ((n - 3 * t) % 4 == 0) return t;
  }
  return n / 3;
}

// One channel in C (kept out of line: rare): an entry that needs the reference's
// requantization, or one of the last channels of a table.
__attribute__((noinline)) inline int8_t matvec_channel(QuantKind kind, const int32_t* col,
                                                       const MatmulShape& s, const int8_t* w,
                                                       int32_t bias, const ChannelQuant& q,
                                                       const OutputQuant& o) {
  int32_t acc = bias;
  const int32_t* const col_full_end = col + s.full_blocks * 2;
  const int32_t* c = col;
  for (; c != col_full_end; c += 2, w += 4) {
    const uint32_t x = load_u32(w);
    acc = __smlad(c[1], sxtb16_odd(x), __smlad(c[0], sxtb16_even(x), acc));
  }
  if (s.tail_back != 0) {
    const uint32_t x = load_u32(w - s.tail_back);
    acc = __smlad(c[1], sxtb16_odd(x), __smlad(c[0], sxtb16_even(x), acc));
  }
  return static_cast<int8_t>(
      clamp_packed(static_cast<uint32_t>(requantize(kind, acc, q, o.output_offset)), o));
}

// out[oc] for oc in [0, channels): the expanded row `col` against the weight rows at filter
// (row stride s.k), plus folded_bias, requantized by quant[oc * quant_entries_step] (1:
// one entry per channel; 0: one entry for all; a table of `kind`) and clamped.
inline void matvec(QuantKind kind, const int32_t* col, const MatmulShape& s,
                   const int8_t* filter, const int32_t* folded_bias, const ChannelQuant* quant,
                   int32_t quant_entries_step, int32_t channels, const OutputQuant& o,
                   int8_t* out) {
  const auto fast_entry = [&](int32_t c) {
    return quant[c * quant_entries_step].right_shift != 0;
  };
  const auto job_for = [&](int32_t oc, int32_t passes, int32_t width) {
    return MatvecJob{col,
                     filter + oc * s.k,
                     s.k,
                     s.full_blocks,
                     folded_bias + oc,
                     quant + oc * quant_entries_step,
                     s.tail_back,
                     out + oc,
                     passes,
                     o.act_min4,
                     o.act_max4,
                     quant_entries_step * width * static_cast<int32_t>(sizeof(ChannelQuant)),
                     o.output_offset,
                     nullptr,
                     0};
  };
  int32_t oc = 0;
  // Triples where their blocks save more than their extra passes cost (k >= 32), in a
  // table of one kind; LDM needs word-aligned rows.
  if (kMatvecTriples && kind != QuantKind::kMixed && s.k >= 32 &&
      ((reinterpret_cast<uintptr_t>(filter) | static_cast<uint32_t>(s.k)) & 3) == 0) {
    if (const int32_t triples = matvec_triples(channels); triples > 0) {
      MatvecJob job = job_for(0, triples, 3);
      const int32_t pairs = s.full_blocks >> 1;
      job.pairs_end = col + 2 * s.full_blocks;
      job.pairs_odd = pairs & 1;
      if (kind == QuantKind::kWide) {
        qb_dsp_matvec_triples_wide(&job);
      } else {
        (o.clamp ? qb_dsp_matvec_triples_clamped : qb_dsp_matvec_triples)(&job);
      }
      oc = 3 * triples;
    }
  }
  while (oc < channels) {
    // Whole quads go to the assembly loop; in a mixed table, the longest run of quads whose
    // entries are all fast does, so a channel that needs the reference's requantization
    // costs only itself.
    int32_t end = oc + ((channels - oc) & ~3);
    if (kind == QuantKind::kMixed) {
      end = oc;
      while (end + 4 <= channels && fast_entry(end) && fast_entry(end + 1) &&
             fast_entry(end + 2) && fast_entry(end + 3)) {
        end += 4;
      }
    }
    if (end > oc) {
      MatvecJob job = job_for(oc, (end - oc) / 4, 4);
      if (kind == QuantKind::kWide) {
        qb_dsp_matvec_quads_wide(&job);
      } else {
        (o.clamp ? qb_dsp_matvec_quads_clamped : qb_dsp_matvec_quads)(&job);
      }
      oc = end;
      if (oc == channels) break;
    }
    out[oc] = matvec_channel(kind, col, s, filter + oc * s.k, folded_bias[oc],
                             quant[oc * quant_entries_step], o);
    ++oc;
  }
}

}  // namespace qb::kernels::dsp

#endif
