// The Helium matrix product behind pointwise_conv2d and dense: out[p][o] = requantized
// (bias[o] + sum over k of in[p][k] * w[o][k]), int8 in and out.
//
// Output channels come four at a time (one int32x4_t of results, per-channel parameters
// loaded once as vectors), and within a group every input row ("pixel") is dotted with
// the group's four filter rows by 16-lane VMLADAVA: MVE's only int8 dot product sums into
// a core register, and four sums plus five load pointers is what fits in them. With
// K <= 16 (or K <= 32 over many pixels) the roles turn: one channel at a time, its filter
// row in registers, four pixels per vector (see shallow_channel), which saves the
// per-group set-up that dominates short dot products; a single row that short keeps
// itself in a register instead (short_row). Over many pixels, pairs of them share every
// filter row load (pixel_pairs), and at 32 or 64 deep the pairs run from fixed offsets
// with the pair (or most of it) held in registers (fixed_depth_pairs). A depth that is
// not a multiple of 16 ends in one VCTP-predicated chunk, so no load reads past the input
// or the filter.
#pragma once

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include <algorithm>
#include <cstdint>

#include "kernels/arm_mve/conv2d_pair_mve.h"
#include "kernels/arm_mve/fixed_depth_pairs_mve.h"
#include "kernels/arm_mve/mve_requant.h"
#include "kernels/arm_mve/shallow_rows_mve.h"

namespace qb::kernels::mve {

struct Matmul {
  const int8_t* input;    // [pixels][depth]
  int32_t pixels;
  int32_t depth;
  const int8_t* weights;  // [channels][depth]
  int32_t channels;
  const int32_t* bias;    // [channels]
  const int32_t* multiplier;  // [channels], or one entry if !per_channel
  const int32_t* shift;
  OutputStage out;
  int8_t* output;         // [pixels][channels]
};

namespace matmul_detail {

// Four dot products of one input row with rows r0..r3: whole chunks, then the predicated
// remainder (tail == 0: none).
inline int32x4_t dot_four_rows(const int8_t* x, const int8_t* r0, const int8_t* r1,
                               const int8_t* r2, const int8_t* r3, int32_t full_chunks,
                               mve_pred16_t tail) {
  int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int32_t i = 0; i < full_chunks; ++i) {
    const int8x16_t c = vldrbq_s8(x);
    s0 = vmladavaq_s8(s0, c, vldrbq_s8(r0));
    s1 = vmladavaq_s8(s1, c, vldrbq_s8(r1));
    s2 = vmladavaq_s8(s2, c, vldrbq_s8(r2));
    s3 = vmladavaq_s8(s3, c, vldrbq_s8(r3));
    x += 16, r0 += 16, r1 += 16, r2 += 16, r3 += 16;
  }
  if (tail != 0) {
    const int8x16_t c = vldrbq_z_s8(x, tail);
    s0 = vmladavaq_s8(s0, c, vldrbq_z_s8(r0, tail));
    s1 = vmladavaq_s8(s1, c, vldrbq_z_s8(r1, tail));
    s2 = vmladavaq_s8(s2, c, vldrbq_z_s8(r2, tail));
    s3 = vmladavaq_s8(s3, c, vldrbq_z_s8(r3, tail));
  }
  return lanes_of(s0, s1, s2, s3);
}

template <bool kLeft, bool kPartial>
inline void store(int8_t* out, int32x4_t acc, int32x4_t bias, const LaneRequant& q,
                  const OutputStage& o, mve_pred16_t lanes) {
  const int32x4_t v = finish(requantize<kLeft>(vaddq_s32(acc, bias), q), o);
  if (kPartial) {
    vstrbq_p_s32(out, v, lanes);
  } else {
    vstrbq_s32(out, v);
  }
}

// One group of four output channels (rows r0..r3; repeats past the last channel) over
// every pixel.
template <bool kLeft, bool kPartial>
inline void group(const Matmul& m, int32_t oc, const int8_t* r0, const int8_t* r1,
                  const int8_t* r2, const int8_t* r3, int32x4_t bias, const LaneRequant& q,
                  mve_pred16_t lanes) {
  const int32_t depth = m.depth, channels = m.channels;
  const int8_t* x = m.input;
  int8_t* out = m.output + oc;
  if (depth <= 16) {
    // The filter rows stay in registers; their lanes past the depth are zero.
    const mve_pred16_t taps = vctp8q(static_cast<uint32_t>(depth));
    const int8x16_t w0 = vldrbq_z_s8(r0, taps), w1 = vldrbq_z_s8(r1, taps);
    const int8x16_t w2 = vldrbq_z_s8(r2, taps), w3 = vldrbq_z_s8(r3, taps);
    for (int32_t p = 0; p < m.pixels; ++p, x += depth, out += channels) {
      const int8x16_t c = vldrbq_z_s8(x, taps);
      const int32x4_t acc = lanes_of(vmladavq_s8(c, w0), vmladavq_s8(c, w1),
                                     vmladavq_s8(c, w2), vmladavq_s8(c, w3));
      store<kLeft, kPartial>(out, acc, bias, q, m.out, lanes);
    }
    return;
  }
  const int32_t full = depth / 16;
  const mve_pred16_t tail =
      depth % 16 != 0 ? vctp8q(static_cast<uint32_t>(depth % 16)) : mve_pred16_t{0};
  for (int32_t p = 0; p < m.pixels; ++p, x += depth, out += channels) {
    store<kLeft, kPartial>(out, dot_four_rows(x, r0, r1, r2, r3, full, tail), bias, q, m.out,
                           lanes);
  }
}

// One output channel over every pixel, four pixels per vector, for a depth of at most
// kChunks * 16 (kChunks <= 2): the channel's filter row stays in kChunks registers (zero
// past the depth) and its bias, multiplier and shift are scalars, so the loop holds
// nothing else in vector registers and stores each vector of four pixels with one
// scatter (offsets 0, C, 2C, 3C). kRound: the shift is a right shift (the tie fixup is
// needed). A pixel's last chunk may read into the next pixels, which the zero filter
// lanes cancel; the pixels near the end of the input load their last chunk under a
// predicate instead, so nothing past the input is read. Not inlined: inside the channel loop
// GCC keeps the outer loop's values in core registers and spills this loop's constants.
template <bool kLeft, bool kRound, int kChunks>
__attribute__((noinline)) void shallow_channel(const Matmul& m, const int8x16_t* filter_row,
                                               int32_t bias, int32_t multiplier, int32_t shift,
                                               uint32x4_t offsets, int8_t* out) {
  int8x16_t w[kChunks];
  for (int32_t c = 0; c < kChunks; ++c) w[c] = filter_row[c];
  const int32_t depth = m.depth, step = 4 * m.channels;
  const OutputStage o = m.out;  // a local: the scatter stores may alias anything
  const mve_pred16_t last =
      vctp8q(static_cast<uint32_t>(depth - 16 * (kChunks - 1)));
  auto finish_four = [&](int32x4_t acc) {
    int32x4_t v = vaddq_n_s32(acc, bias);
    if (kLeft) v = vqshlq_r_s32(v, shift);
    v = vqrdmulhq_n_s32(v, multiplier);
    if (kRound) v = vrshlq_n_s32(vqaddq_s32(v, vshrq_n_s32(v, 31)), shift);
    return finish(v, o);
  };
  auto dot = [&](const int8_t* x, bool predicated) {
    int32_t s = 0;
#pragma GCC unroll 4
    for (int32_t c = 0; c < kChunks; ++c) {
      const int8x16_t v =
          predicated && c == kChunks - 1 ? vldrbq_z_s8(x + 16 * c, last) : vldrbq_s8(x + 16 * c);
      s = c == 0 ? vmladavq_s8(v, w[0]) : vmladavaq_s8(s, v, w[c]);
    }
    return s;
  };
  const int8_t* x = m.input;
  int32_t left = m.pixels;
  if constexpr (kChunks == 1 && !kLeft) {
    // 16 deep: the whole-vector passes as assembly (shallow_rows_mve.h).
    if (depth == 16 && left >= 4) {
      const int32_t passes =
          shallow_rows(x, out, step, left, w[0], bias, multiplier, shift, o, offsets,
                       kRound ? qb_mve_shallow_rows_round : qb_mve_shallow_rows_plain);
      x += 4 * 16 * passes;
      out += step * passes;
      left -= 4 * passes;
    }
  }
  // Whole-vector loads while the fourth pixel's last chunk ends inside the input.
  for (; left > 4 && (left - 3) * depth >= 16 * kChunks; left -= 4, x += 4 * depth, out += step) {
    const int8_t* x1 = x + depth;
    const int8_t* x2 = x1 + depth;
    const int8_t* x3 = x2 + depth;
    const int32x4_t acc = lanes_of(dot(x, false), dot(x1, false), dot(x2, false), dot(x3, false));
    vstrbq_scatter_offset_s32(out, offsets, finish_four(acc));
  }
  // The rest, last chunks predicated; in the final group missing pixels repeat the first.
  for (; left > 0; left -= 4, x += 4 * depth, out += step) {
    const int8_t* x1 = left > 1 ? x + depth : x;
    const int8_t* x2 = left > 2 ? x + 2 * depth : x;
    const int8_t* x3 = left > 3 ? x + 3 * depth : x;
    const int32x4_t acc = lanes_of(dot(x, true), dot(x1, true), dot(x2, true), dot(x3, true));
    vstrbq_scatter_offset_p_s32(out, offsets, finish_four(acc),
                                vctp32q(static_cast<uint32_t>(left < 4 ? left : 4)));
  }
}

// The same for depth 8, two pixels per 16-byte load: one VMLADAV with the filter row in
// the low half (high half zero) gives the first pixel, one with it in the high half the
// second, so four pixels cost two loads and no address arithmetic.
template <bool kLeft, bool kRound>
__attribute__((noinline)) void shallow_channel_depth8(const Matmul& matmul, int8x16_t w_low,
                                                      int8x16_t w_high, int32_t bias,
                                                      int32_t multiplier, int32_t shift,
                                                      uint32x4_t offsets, int8_t* out) {
  // Locals, not reads through the reference: the scatter stores may alias anything in
  // memory, so fields would be reloaded after every one.
  const int32_t step = 4 * matmul.channels;
  const OutputStage o = matmul.out;
  auto finish_four = [&](int32x4_t acc) {
    int32x4_t v = vaddq_n_s32(acc, bias);
    if (kLeft) v = vqshlq_r_s32(v, shift);
    v = vqrdmulhq_n_s32(v, multiplier);
    if (kRound) v = vrshlq_n_s32(vqaddq_s32(v, vshrq_n_s32(v, 31)), shift);
    return finish(v, o);
  };
  const int8_t* x = matmul.input;
  int32_t left = matmul.pixels;
  for (; left > 4; left -= 4, x += 32, out += step) {
    const int8x16_t x01 = vldrbq_s8(x), x23 = vldrbq_s8(x + 16);
    const int32x4_t acc = lanes_of(vmladavq_s8(x01, w_low), vmladavq_s8(x01, w_high),
                                   vmladavq_s8(x23, w_low), vmladavq_s8(x23, w_high));
    vstrbq_scatter_offset_s32(out, offsets, finish_four(acc));
  }
  // The last one to four pixels, loaded under predicates (missing ones read as zero).
  const int8x16_t x01 = vldrbq_z_s8(x, vctp8q(static_cast<uint32_t>(8 * left)));
  const int8x16_t x23 =
      vldrbq_z_s8(x + 16, vctp8q(static_cast<uint32_t>(left > 2 ? 8 * (left - 2) : 0)));
  const int32x4_t acc = lanes_of(vmladavq_s8(x01, w_low), vmladavq_s8(x01, w_high),
                                 vmladavq_s8(x23, w_low), vmladavq_s8(x23, w_high));
  vstrbq_scatter_offset_p_s32(out, offsets, finish_four(acc),
                              vctp32q(static_cast<uint32_t>(left)));
}

template <bool kLeft, bool kPerChannel, int kChunks>
inline void shallow_chunks(const Matmul& m) {
  const uint32x4_t offsets =
      vmulq_n_u32(vidupq_n_u32(0, 1), static_cast<uint32_t>(m.channels));
  const mve_pred16_t last = vctp8q(static_cast<uint32_t>(m.depth - 16 * (kChunks - 1)));
  const int8_t* row = m.weights;
  for (int32_t oc = 0; oc < m.channels; ++oc, row += m.depth) {
    int8x16_t w[kChunks];
    for (int32_t c = 0; c + 1 < kChunks; ++c) w[c] = vldrbq_s8(row + 16 * c);
    w[kChunks - 1] = vldrbq_z_s8(row + 16 * (kChunks - 1), last);
    const int32_t q = kPerChannel ? oc : 0;
    const int32_t shift = m.shift[q];
    if (kLeft && shift > 0) {
      shallow_channel<true, false, kChunks>(m, w, m.bias[oc], m.multiplier[q], shift, offsets,
                                            m.output + oc);
    } else if (shift < 0) {
      shallow_channel<false, true, kChunks>(m, w, m.bias[oc], m.multiplier[q], shift, offsets,
                                            m.output + oc);
    } else {
      shallow_channel<false, false, kChunks>(m, w, m.bias[oc], m.multiplier[q], 0, offsets,
                                             m.output + oc);
    }
  }
}

// Pixel pairs through the two-column core (conv2d_pair_mve.h): a pair's two rows are
// chunk-interleaved once on the stack, then every full group of four channels shares each
// filter row load between the two pixels (2 + 4 loads and 8 VMLADAV per 128 MACs, against
// 5 loads and 4 VMLADAV per 64 one pixel at a time). A depth that is not a multiple of 16
// ends in the row's last 16 values with the lanes already counted zeroed, which the core
// multiplies with the filter rows' last 16 bytes. Returns how many pixels it did (even).
// Not inlined: it holds the 1.3 KiB pair. matmul calls it for 16 channels or more
// (a 16-channel projection: 14% fewer instructions, 3% fewer estimated cycles than one
// pixel at a time); below that no suite has a layer to measure it on.
template <bool kLeft, bool kPerChannel>
__attribute__((noinline)) int32_t pixel_pairs(const Matmul& matmul) {
  const Matmul m = matmul;  // a local: the stores may alias anything
  const int32_t depth = m.depth, channels = m.channels;
  const int32_t full = depth / 16, rem = depth % 16;
  if (full < 1 || full + (rem != 0 ? 1 : 0) > kMaxPairChunks) return 0;
  alignas(16) int8_t pair[kPairBytes];
  // The tail chunk's lanes past those already counted: the top `rem` of 16.
  const mve_pred16_t uncounted = vpnot(vctp8q(static_cast<uint32_t>(16 - rem)));
  PairGroupsJob job = pair_groups_job(pair, depth, full, rem != 0 ? 16 - rem : 0);
  const PairStores stores = pair_stores(m.bias, m.multiplier, m.shift, m.out, channels);
  // The common case's stage, hoisted out of the pair loop (near_pair_groups). Its
  // instantiation has no other store path: neighbours beyond the scatter's reach (over
  // 64 K channels) take the one-pixel groups instead.
  if constexpr (!kLeft && kPerChannel) {
    if (stores.apart != channels) return 0;
  }
  const NarrowStage narrow = stores.narrow;
  const uint16x8_t offsets = stores.offsets;
  alignas(16) int32_t sums[kMaxPairGroups * 8];
  const int32_t pairs = m.pixels / 2;
  const int8_t* a = m.input;
  int8_t* out = m.output;
  for (int32_t pr = 0; pr < pairs; ++pr, a += 2 * depth, out += 2 * channels) {
    const int8_t* b = a + depth;
    for (int32_t c = 0; c < full; ++c) {
      vstrbq_s8(pair + 32 * c, vldrbq_s8(a + 16 * c));
      vstrbq_s8(pair + 32 * c + 16, vldrbq_s8(b + 16 * c));
    }
    if (rem != 0) {
      vstrbq_s8(pair + 32 * full, vldrbq_z_s8(a + depth - 16, uncounted));
      vstrbq_s8(pair + 32 * full + 16, vldrbq_z_s8(b + depth - 16, uncounted));
    }
    if (channels < 4) continue;
    if constexpr (!kLeft && kPerChannel) {
      if (stores.ties) {
        near_pair_groups<true>(&job, m.weights, channels / 4, m.bias, m.multiplier, m.shift,
                               narrow, offsets, sums, out);
      } else {
        near_pair_groups<false>(&job, m.weights, channels / 4, m.bias, m.multiplier, m.shift,
                                narrow, offsets, sums, out);
      }
    } else {
      pair_channel_groups<kLeft, kPerChannel>(&job, m.weights, channels / 4, stores, out,
                                              out + channels);
    }
  }
  return 2 * pairs;
}

// Pixel pairs of a 32- or 64-deep product through the assembly of fixed_depth_pairs_mve.h,
// up to kMaxPairGroups channel groups a call. It needs what that assembly assumes:
// per-channel right shifts (the caller's template), an output stage that hides the tie
// step, and input and filter rows 4-byte aligned (VLDRW; the model format aligns every
// tensor to 16). Returns how many pixels it did (even), or 0 where it does not apply. Not
// inlined: it holds the 512-byte sums buffer.
__attribute__((noinline)) inline int32_t fixed_depth_pairs(const Matmul& m) {
  const uintptr_t addresses =
      reinterpret_cast<uintptr_t>(m.input) | reinterpret_cast<uintptr_t>(m.weights);
  const int32_t depth = m.depth, groups = m.channels / 4;
  if ((depth != 32 && depth != 64) || m.pixels < 2 || groups < 1 || (addresses & 3) != 0 ||
      m.channels > pair_detail::kMaxScatterApart || ties_visible(m.out)) {
    return 0;
  }
  const int32_t pairs = m.pixels / 2;
  alignas(16) int32_t sums[kMaxPairGroups * 8];
  const NarrowStage narrow = narrow_stage(m.out);
  FixedDepthPairsJob job;
  job.sums = sums;
  job.offset = m.out.offset;
  job.x = m.input;
  job.x_end = m.input + 2 * depth * pairs;
  job.pair_bytes = 2 * depth;
  job.groups_of_depth =
      depth == 32 ? &qb_mve_fixed_depth_groups_32 : &qb_mve_fixed_depth_groups_64;
  job.lo = narrow.lo;
  job.hi = narrow.hi;
  job.offsets = pair_detail::pair_offsets(static_cast<uint16_t>(m.channels));
  for (int32_t oc = 0; oc < 4 * groups;) {
    const int32_t batch = std::min(groups - oc / 4, kMaxPairGroups);
    job.bias = m.bias + oc;
    job.multiplier = m.multiplier + oc;
    job.shift = m.shift + oc;
    job.groups = batch;
    // The assembly's row pointer trails the rows by 16 (see fixed_depth_pairs_mve.cc).
    job.rows = reinterpret_cast<const int8_t*>(
        reinterpret_cast<uintptr_t>(m.weights + depth * oc) - 16);
    job.sums_end = sums + 8 * batch;
    job.out = m.output + oc;
    job.out_skip = 2 * m.channels - 4 * batch;
    qb_mve_fixed_depth_pairs(&job);
    oc += 4 * batch;
  }
  return 2 * pairs;
}

// One input row of at most 16 values (an autoencoder's bottleneck, a dense layer after
// a small one): the row stays in a register and each channel costs one predicated load
// and one VMLADAV, four channels per requantization. Not inlined: inside matmul GCC keeps
// the general path's values in core registers and spills this loop's.
template <bool kLeft, bool kPerChannel>
__attribute__((noinline)) void short_row(const Matmul& matmul) {
  const Matmul m = matmul;  // a local: the stores may alias anything
  const int32_t depth = m.depth;
  const mve_pred16_t taps = vctp8q(static_cast<uint32_t>(depth));
  const int8x16_t x = vldrbq_z_s8(m.input, taps);
  LaneRequant q = broadcast_requant(m.multiplier[0], m.shift[0]);
  const int8_t* row = m.weights;
  int32_t oc = 0;
  for (; oc + 4 <= m.channels; oc += 4, row += 4 * depth) {
    if (kPerChannel) q = channel_requant<kLeft>(m.multiplier + oc, m.shift + oc);
    const int32x4_t acc = lanes_of(
        vmladavq_s8(x, vldrbq_z_s8(row, taps)), vmladavq_s8(x, vldrbq_z_s8(row + depth, taps)),
        vmladavq_s8(x, vldrbq_z_s8(row + 2 * depth, taps)),
        vmladavq_s8(x, vldrbq_z_s8(row + 3 * depth, taps)));
    store<kLeft, false>(m.output + oc, acc, vldrwq_s32(m.bias + oc), q, m.out, vctp32q(4));
  }
  if (oc < m.channels) {
    // The last one to three channels; the missing lanes repeat the last row, unstored.
    const int32_t left = m.channels - oc;
    const mve_pred16_t lanes = vctp32q(static_cast<uint32_t>(left));
    if (kPerChannel) q = channel_requant<kLeft>(m.multiplier + oc, m.shift + oc, lanes);
    const int8_t* r1 = left > 1 ? row + depth : row;
    const int8_t* r2 = left > 2 ? row + 2 * depth : r1;
    const int32x4_t acc =
        lanes_of(vmladavq_s8(x, vldrbq_z_s8(row, taps)), vmladavq_s8(x, vldrbq_z_s8(r1, taps)),
                 vmladavq_s8(x, vldrbq_z_s8(r2, taps)), 0);
    store<kLeft, true>(m.output + oc, acc, vldrwq_z_s32(m.bias + oc, lanes), q, m.out, lanes);
  }
}

template <bool kLeft, bool kPerChannel>
inline void shallow(const Matmul& m) {
  if (m.depth == 8) {
    const uint32x4_t offsets =
        vmulq_n_u32(vidupq_n_u32(0, 1), static_cast<uint32_t>(m.channels));
    // Lane i of the high-half gather reads row[i - 8]; lanes 0-7 are off (zero).
    const uint8x16_t high_offsets = vsubq_n_u8(vidupq_n_u8(0, 1), 8);
    const mve_pred16_t low = vctp8q(8);
    const mve_pred16_t high = vpnot(low);
    const int8_t* row = m.weights;
    for (int32_t oc = 0; oc < m.channels; ++oc, row += 8) {
      const int8x16_t w_low = vldrbq_z_s8(row, low);
      const int8x16_t w_high = vldrbq_gather_offset_z_s8(row, high_offsets, high);
      const int32_t q = kPerChannel ? oc : 0;
      const int32_t shift = m.shift[q];
      if (kLeft && shift > 0) {
        shallow_channel_depth8<true, false>(m, w_low, w_high, m.bias[oc], m.multiplier[q], shift,
                                            offsets, m.output + oc);
      } else if (shift < 0) {
        shallow_channel_depth8<false, true>(m, w_low, w_high, m.bias[oc], m.multiplier[q], shift,
                                            offsets, m.output + oc);
      } else {
        shallow_channel_depth8<false, false>(m, w_low, w_high, m.bias[oc], m.multiplier[q], 0,
                                             offsets, m.output + oc);
      }
    }
    return;
  }
  const int32_t chunks = (m.depth + 15) / 16;
  if (chunks == 1) return shallow_chunks<kLeft, kPerChannel, 1>(m);
  return shallow_chunks<kLeft, kPerChannel, 2>(m);
}

}  // namespace matmul_detail

// kLeft: some shift is positive; kPerChannel: multiplier/shift have one entry per channel.
template <bool kLeft, bool kPerChannel>
__attribute__((noinline)) void matmul(const Matmul& matmul) {
  // A local copy: stores through the int8 output may alias anything in memory, so fields
  // read through the reference would be reloaded after every store.
  const Matmul m = matmul;
  const int32_t depth = m.depth;
  if (m.pixels == 1 && depth <= 16) {
    matmul_detail::short_row<kLeft, kPerChannel>(m);
    return;
  }
  // Per channel the row-in-registers loop has a fixed cost of a call and the last group's
  // predicated loads; it pays off for short rows, and for two-chunk rows over many pixels
  // into few channels. With 16 channels or more, two-chunk rows go through the pixel
  // pairs (a 32 -> 64 expansion: 22% fewer instructions, 10% fewer estimated cycles).
  if ((depth <= 16 && m.pixels >= 4) || (depth <= 32 && m.pixels >= 32 && m.channels < 16)) {
    matmul_detail::shallow<kLeft || !kPerChannel, kPerChannel>(m);
    return;
  }
  // Pixel pairs first, for the full channel groups; the odd last pixel then takes the
  // one-pixel groups, and the last 1-3 channels every pixel.
  Matmul rest = m;
  int32_t paired = 0;
  if constexpr (!kLeft && kPerChannel) {
    if (depth == 32 || depth == 64) paired = matmul_detail::fixed_depth_pairs(m);
  }
  if (paired == 0 && m.pixels >= 2 && m.channels >= 16) {
    paired = matmul_detail::pixel_pairs<kLeft, kPerChannel>(m);
  }
  if (paired != 0) {
    rest.input += paired * depth;
    rest.pixels -= paired;
    rest.output += paired * m.channels;
  }
  LaneRequant q = broadcast_requant(m.multiplier[0], m.shift[0]);
  const int8_t* row = m.weights;
  int32_t oc = 0;
  for (; oc + 4 <= m.channels; oc += 4, row += 4 * depth) {
    if (rest.pixels == 0) continue;
    if (kPerChannel) q = channel_requant<kLeft>(m.multiplier + oc, m.shift + oc);
    matmul_detail::group<kLeft, false>(rest, oc, row, row + depth, row + 2 * depth,
                                       row + 3 * depth, vldrwq_s32(m.bias + oc), q, vctp32q(4));
  }
  if (oc < m.channels) {
    const int32_t left = m.channels - oc;
    const mve_pred16_t lanes = vctp32q(static_cast<uint32_t>(left));
    if (kPerChannel) q = channel_requant<kLeft>(m.multiplier + oc, m.shift + oc, lanes);
    const int8_t* r1 = left > 1 ? row + depth : row;
    const int8_t* r2 = left > 2 ? row + 2 * depth : r1;
    matmul_detail::group<kLeft, true>(m, oc, row, r1, r2, r2, vldrwq_z_s32(m.bias + oc, lanes), q,
                                      lanes);
  }
}

}  // namespace qb::kernels::mve

#endif
