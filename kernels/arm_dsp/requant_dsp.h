// Requantization for the DSP kernels: the reference's arithmetic (kernels/int8/requantize.h)
// rearranged so that one output costs five instructions, with the per-channel work done
// once per call instead of once per output.
//
// The reference computes x = (acc * M + 2^30) >> 31 (M >= 0, so it never saturates), then
// y = round(x / 2^r) with ties away from zero, i.e. (x + 2^(r-1) - [x < 0]) >> r, then
// y + output_offset. When 2 * acc fits an int32, SMMLAR(2 * acc, M, c) = c + x exactly
// (it adds 2^31 to the 64-bit product and keeps the high word), so for r >= 1 one
// SMMLAR with c = 2^(r-1) + output_offset * 2^r - [acc < 0], and one ASR give the offset
// result. [acc < 0] may stand for [x < 0]: they differ only when x == 0, where both
// roundings give 0. That needs |acc| < 2^30, which folded_bias + taps * 2^14 bounds
// per channel, and r in [1, 22], so that c and x + c fit an int32.
//
// Trained networks also hold nearly dead channels: weights almost all zero, so a tiny
// weight scale, a multiplier with r up to 31 and a bias near 2^30 (acc then breaks the
// |acc| < 2^30 bound). Their tables use the wide encoding, exact for any acc: with
// P = acc * M and s = [acc < 0], the two roundings are one,
//   y = floor((P + 2^30 + (2^(r-1) - s) * 2^31) / 2^(31 + r)),
// so SMLAL into the 64-bit constant K = 2^30 + 2^(r+30) - s * 2^31 (high word
// 2^(r-2) - s, low word 0x40000000 | s << 31) and an arithmetic shift of the high word by
// r - 1 give y; the offset is added after. Seven instructions an output, for r in
// [2, 31]. A multiplier of 0 (a dead channel) is exact in both encodings with r = 1
// (folded) or 2 (wide): the output is the offset. A channel that fits neither (a test's
// extreme shift) takes the reference's arithmetic, chosen by a zero right_shift in its
// table entry.
#pragma once

#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>
#include <initializer_list>

#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/int8/requantize.h"
#include "kernels/int8/tensor.h"

namespace qb::kernels::dsp {

// One output channel's requantization. Three words, so one LDM loads an entry.
struct ChannelQuant {
  int32_t multiplier;
  int32_t round;        // fast: 2^(r-1) + output_offset * 2^r; reference path: the shift
  int32_t right_shift;  // r in [1, 22]; 0 selects the reference path
};

// Channels per table: kernels fill a table on the stack for this many channels at a time.
inline constexpr int32_t kQuantChunk = 16;

// What a table's entries are, so that a kernel runs one branch-free path for all of them.
enum class QuantKind {
  kFolded,  // every entry fast: round = 2^(r-1) + output_offset * 2^r, right_shift = r
  kWide,    // every entry wide: round = 2^(r-2), right_shift = r - 1
  kMixed,   // entries folded, or the reference's (right_shift 0): checked per entry
};

// What every output of a layer shares.
struct OutputQuant {
  int32_t output_offset;
  uint32_t act_min4, act_max4;  // act_min / act_max in each byte, for the SIMD clamp
  bool clamp;                   // the activation range is narrower than int8
};

inline uint32_t splat_byte(int32_t v) { return (static_cast<uint32_t>(v) & 0xFFu) * 0x01010101u; }

// rounding_ties_visible for the layer: the activation floor is act_min4's low byte.
inline bool ties_visible(const OutputQuant& o) {
  return rounding_ties_visible(static_cast<int8_t>(o.act_min4 & 0xFFu), o.output_offset);
}

// Of an assembly loop's four forms, the one for the layer's output stage: with the exact
// tie step where the floor leaves ties visible (else ties rounded up), and with the
// bytewise clamp where the activation range is narrower than int8's.
template <typename Loop>
inline Loop loop_for_stage(const OutputQuant& o, Loop exact, Loop exact_clamped, Loop ties_up,
                           Loop ties_up_clamped) {
  if (ties_visible(o)) return o.clamp ? exact_clamped : exact;
  return o.clamp ? ties_up_clamped : ties_up;
}

inline OutputQuant make_output_quant(int32_t output_offset, int32_t act_min, int32_t act_max) {
  return OutputQuant{output_offset, splat_byte(act_min), splat_byte(act_max),
                     act_min > -128 || act_max < 127};
}

// Entry for one channel, in the folded encoding (wide: the wide one). max_abs_products
// bounds |sum of products| of the channel's accumulation (taps * 2^14 for int8 x int8).
inline ChannelQuant make_channel_quant(int32_t multiplier, int32_t shift, int32_t folded_bias,
                                       int64_t max_abs_products, int32_t output_offset,
                                       bool wide = false) {
  if (multiplier < 0 || output_offset < -128 || output_offset > 127) {
    return ChannelQuant{multiplier, shift, 0};
  }
  if (wide) {
    const int32_t r = multiplier == 0 ? 2 : -shift;
    if (r < 2 || r > 31) return ChannelQuant{multiplier, shift, 0};
    return ChannelQuant{multiplier, int32_t{1} << (r - 2), r - 1};
  }
  const int64_t bias_mag = folded_bias < 0 ? -int64_t{folded_bias} : int64_t{folded_bias};
  // With a zero multiplier the product is zero whatever acc is: r = 1 gives the offset.
  const bool fits = multiplier == 0 || bias_mag + max_abs_products < (int64_t{1} << 30);
  const int32_t r = multiplier == 0 ? 1 : -shift;
  if (!fits || r < 1 || r > 22) return ChannelQuant{multiplier, shift, 0};
  const int32_t round = (int32_t{1} << (r - 1)) +
                        static_cast<int32_t>(static_cast<uint32_t>(output_offset) << r);
  return ChannelQuant{multiplier, round, r};
}

// The entry for a channel that fits no fast entry (make_channel_quant gave right_shift 0)
// but whose output is the same byte v for every accumulator folded_bias + s, |s| <=
// max_abs_products (the channel's own folded bias, not a bound on it as a shared entry
// has): a folded one, multiplier 0, r = 2 and round = 4v + 2, which gives
// (4v + 2 - [acc < 0]) >> 2 = v whatever the accumulator holds, even wrapped. Otherwise
// the reference's entry again. Trained networks hold such channels: nearly dead, a weight
// scale near zero and the bias at the int32 quantization limit (r up to 28 and
// folded_bias -2^30 in the MLPerf VWW model's 128-channel pointwise layers), and one of
// them sent a whole table to the slower wide or reference path. Exact: the reference's
// requantization is monotone in acc, so equal bytes at both ends of the range mean that
// byte throughout. Out of line: it is the rare path of the table loops.
__attribute__((noinline)) inline ChannelQuant constant_channel_quant(
    int32_t multiplier, int32_t shift, int32_t folded_bias, int64_t max_abs_products,
    int32_t output_offset) {
  const ChannelQuant reference{multiplier, shift, 0};
  if (multiplier < 0 || shift < -31 || shift > 30 || output_offset < -128 ||
      output_offset > 127) {
    return reference;
  }
  const int64_t lo = int64_t{folded_bias} - max_abs_products;
  const int64_t hi = int64_t{folded_bias} + max_abs_products;
  if (lo < kInt32Min || hi > kInt32Max) return reference;
  const auto byte = [&](int64_t acc) {
    return add_offset_and_clamp(
        multiply_by_quantized_multiplier(static_cast<int32_t>(acc), multiplier, shift),
        output_offset, -128, 127);
  };
  const int32_t v = byte(lo);
  if (byte(hi) != v) return reference;
  return ChannelQuant{0, 4 * v + 2, 2};
}

// make_channel_quant's folded entry, or else constant_channel_quant's.
inline ChannelQuant make_folded_channel_quant(int32_t multiplier, int32_t shift,
                                              int32_t folded_bias, int64_t max_abs_products,
                                              int32_t output_offset) {
  const ChannelQuant q =
      make_channel_quant(multiplier, shift, folded_bias, max_abs_products, output_offset);
  if (q.right_shift != 0) return q;
  return constant_channel_quant(multiplier, shift, folded_bias, max_abs_products,
                                output_offset);
}

// Fills table[0, n) for channels starting at multiplier / shift / folded_bias: folded if
// every channel allows it (a constant channel's entry counts), else (with allow_wide) wide
// if every channel allows that, else mixed. Kernels then run the instantiation of that
// kind.
// requant_step: 1 when multiplier and shift are per channel, 0 when one serves all. Out of
// line: it runs once per table, and every kernel would otherwise carry three copies.
__attribute__((noinline, noclone)) inline QuantKind fill_channel_quant(
    ChannelQuant* table, int32_t n, const int32_t* multiplier, const int32_t* shift,
    const int32_t* folded_bias, int64_t max_abs_products, int32_t output_offset,
    bool allow_wide = false, int32_t requant_step = 1) {
  for (const bool wide : {false, true}) {
    if (wide && !allow_wide) break;
    bool all_fast = true;
    for (int32_t i = 0; i < n; ++i) {
      const int32_t m = multiplier[i * requant_step], sh = shift[i * requant_step];
      // make_folded_channel_quant when !wide, spelled out: as a choice between the two
      // calls GCC 12 compiles this loop 0.2-2% slower per layer.
      table[i] = make_channel_quant(m, sh, folded_bias[i], max_abs_products, output_offset, wide);
      if (table[i].right_shift == 0 && !wide) {
        table[i] = constant_channel_quant(m, sh, folded_bias[i], max_abs_products, output_offset);
      }
      // One entry short is enough: the next kind rewrites the whole table.
      if (table[i].right_shift == 0) {
        all_fast = false;
        break;
      }
    }
    if (all_fast) return wide ? QuantKind::kWide : QuantKind::kFolded;
  }
  // Mixed: the folded entries where they serve, the reference's elsewhere.
  for (int32_t i = 0; i < n; ++i) {
    table[i] = make_folded_channel_quant(multiplier[i * requant_step], shift[i * requant_step],
                                         folded_bias[i], max_abs_products, output_offset);
  }
  return QuantKind::kMixed;
}

// The reference's requantization, saturated to int8 (the activation clamp follows).
// Out of line: it is the rare path, and inlining it would cost the fast path registers.
__attribute__((noinline)) inline int32_t requantize_reference(int32_t acc, int32_t multiplier,
                                                              int32_t shift,
                                                              int32_t output_offset) {
  return add_offset_and_clamp(multiply_by_quantized_multiplier(acc, multiplier, shift),
                              output_offset, -128, 127);
}

// The fast path alone: acc -> output value (offset added) saturated to [-128, 127].
// LSL, ADD (with ASR #31), SMMLAR, ASR, SSAT.
__attribute__((always_inline)) inline int32_t requantize_fast(int32_t acc, int32_t multiplier,
                                                              int32_t round,
                                                              int32_t right_shift) {
  const int32_t c = round + (acc >> 31);
  const int32_t doubled = static_cast<int32_t>(static_cast<uint32_t>(acc) << 1);
  return __ssat(smmlar(doubled, multiplier, c) >> right_shift, 8);
}

// acc -> output value (offset added) saturated to [-128, 127], for an entry of a table of
// kind kKind.
template <QuantKind kKind>
__attribute__((always_inline)) inline int32_t requantize(int32_t acc, const ChannelQuant& q,
                                                         int32_t output_offset) {
  if (kKind == QuantKind::kWide) {
    const uint32_t sign = static_cast<uint32_t>(acc) & 0x80000000u;
    const int64_t k = static_cast<int64_t>((static_cast<uint64_t>(
                                                static_cast<uint32_t>(q.round + (acc >> 31)))
                                            << 32) |
                                           (sign | 0x40000000u));
    const int32_t high = static_cast<int32_t>((k + int64_t{acc} * q.multiplier) >> 32);
    return __ssat((high >> q.right_shift) + output_offset, 8);
  }
  if (kKind == QuantKind::kFolded || q.right_shift != 0) {
    return requantize_fast(acc, q.multiplier, q.round, q.right_shift);
  }
  return requantize_reference(acc, q.multiplier, q.round, output_offset);
}

// The same, for a kind known only at run time (the cores' rare C paths).
inline int32_t requantize(QuantKind kind, int32_t acc, const ChannelQuant& q,
                          int32_t output_offset) {
  switch (kind) {
    case QuantKind::kFolded:
      return requantize<QuantKind::kFolded>(acc, q, output_offset);
    case QuantKind::kWide:
      return requantize<QuantKind::kWide>(acc, q, output_offset);
    default:
      return requantize<QuantKind::kMixed>(acc, q, output_offset);
  }
}

// The kernels that have no wide path (depthwise, the stem) speak of fast or not.
template <bool kFast>
__attribute__((always_inline)) inline int32_t requantize(int32_t acc, const ChannelQuant& q,
                                                         int32_t output_offset) {
  return requantize<kFast ? QuantKind::kFolded : QuantKind::kMixed>(acc, q, output_offset);
}

// The activation clamp on up to four packed int8 results (SSUB8 sets a GE bit per byte,
// SEL picks by them): four instructions for up to four outputs, whatever the range (a
// full range clamps to itself), which costs less code than a variant per range.
inline uint32_t clamp_packed(uint32_t v, const OutputQuant& o) {
  return min_bytes(max_bytes(v, o.act_min4), o.act_max4);
}

}  // namespace qb::kernels::dsp

#endif
