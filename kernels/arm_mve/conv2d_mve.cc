// Helium conv2d: im2col columns for up to four output pixels at a time in args.scratch,
// then 16-lane int8 dot products (VMLADAVA) of the columns against four filter rows: two
// columns at a time where they fit the stack's interleaved pair (conv2d_pair_mve.h, which
// shares each row load between them), one at a time otherwise.
//
// Why this shape: MVE has no lane-wise int8 dot product, only VMLADAV(A), which sums 16
// int8 products into a core register (an even-numbered one). One column against four
// filter rows keeps four accumulators and five load pointers in core registers, reads the
// column once per four channels, and yields four consecutive output channels, so the
// per-channel bias and requantization parameters load as vectors and the outputs store as
// one 4-byte write. Channels are the outer loop over a batch of four columns (the scratch
// holds exactly four), so those parameters are loaded once per batch, not per pixel.
//
// Columns are padded with the input zero-point byte, which is what the folded bias assumes
// a padded tap reads. When the tap count is not a multiple of 16, a column's last chunk
// holds its final 16 taps' window with the lanes already counted zeroed, and each filter
// row's last chunk is read 16 bytes back from the row's end: every load is a whole
// vector inside the column or the filter, with no predicate (see dot_four_rows). A window
// whose taps all lie inside the input and within 255 bytes of its first tap is gathered
// straight from the input with VLDRB gathers over a per-layer offset table instead of
// being copied row by row. With K <= 16 taps such windows (1-channel stems) skip the
// scratch altogether: the four filter rows, bias and requantization of a channel group
// stay in registers while every interior pixel costs one gather, four VMLADAVs and the
// requantization. 3x3 kernels whose rows are at most 16 bytes (three-channel stems) skip
// it too: each kernel row of an interior window is one predicated VLDRB straight from
// the input (see row_window_interior).
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include "kernels/arm_mve/conv2d_pair_mve.h"
#include "kernels/arm_mve/mve_bytes.h"
#include "kernels/arm_mve/mve_kernels.h"
#include "kernels/arm_mve/mve_requant.h"
#include "kernels/arm_mve/row_windows_mve.h"

namespace qb::kernels::mve {
namespace {

// Gathered columns hold at most this many taps (the offset table lives on the stack).
constexpr int32_t kMaxGatherTaps = 64;

// Everything the channel loop needs, computed once per call.
struct Plan {
  const int8_t* filter;      // [out_c][taps]
  int32_t taps;              // kh * kw * in_c
  int32_t full_chunks;       // floor(taps / 16)
  int32_t tail_back;         // 16 - taps % 16: how far the last chunk's loads step back
  bool tail;                 // taps % 16 != 0
  mve_pred16_t first;        // lanes of the first chunk (all 16 unless taps < 16)
  int32_t out_c;
  const int32_t* folded_bias;
  const int32_t* multiplier;
  const int32_t* shift;
  OutputStage out;
  PairStores stores;  // the pair core's output side, for neighbouring pixels (out_c apart)
};

// Four dot products of one column with filter rows r0..r3. The column holds
// `full_chunks` chunks of taps, then (if kTail) its last 16 taps' window shifted right:
// lanes before the remainder zero, the remainder in the top lanes. The rows' last chunk
// is read 16 bytes back from each row's end, so it lines up with that window and stays
// inside the filter, with no predicate: the lanes it shares with the previous chunk
// multiply zero. kShort: fewer than 16 taps, where stepping back would leave the filter:
// the one chunk is then the column as is (zero past the taps) and the rows are loaded
// under a predicate.
template <bool kShort, bool kTail>
inline int32x4_t dot_four_rows(const int8_t* col, const int8_t* r0, const int8_t* r1,
                               const int8_t* r2, const int8_t* r3, int32_t full_chunks,
                               int32_t tail_back, mve_pred16_t first) {
  if (kShort) {
    const int8x16_t c = vldrbq_s8(col);
    return lanes_of(vmladavq_s8(c, vldrbq_z_s8(r0, first)), vmladavq_s8(c, vldrbq_z_s8(r1, first)),
                    vmladavq_s8(c, vldrbq_z_s8(r2, first)), vmladavq_s8(c, vldrbq_z_s8(r3, first)));
  }
  int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int32_t i = 0; i < full_chunks; ++i) {
    const int8x16_t c = vldrbq_s8(col);
    s0 = vmladavaq_s8(s0, c, vldrbq_s8(r0));
    s1 = vmladavaq_s8(s1, c, vldrbq_s8(r1));
    s2 = vmladavaq_s8(s2, c, vldrbq_s8(r2));
    s3 = vmladavaq_s8(s3, c, vldrbq_s8(r3));
    col += 16, r0 += 16, r1 += 16, r2 += 16, r3 += 16;
  }
  if (kTail) {
    const int8x16_t c = vldrbq_s8(col);
    s0 = vmladavaq_s8(s0, c, vldrbq_s8(r0 - tail_back));
    s1 = vmladavaq_s8(s1, c, vldrbq_s8(r1 - tail_back));
    s2 = vmladavaq_s8(s2, c, vldrbq_s8(r2 - tail_back));
    s3 = vmladavaq_s8(s3, c, vldrbq_s8(r3 - tail_back));
  }
  return lanes_of(s0, s1, s2, s3);
}

// Every output channel of `count` (<= 4) pixels whose columns lie `stride` bytes apart
// at cols. Not inlined: the dot-product loop needs ten core registers, and the pixel
// loop's state would otherwise crowd it into spills.
template <bool kLeft, bool kShort, bool kTail>
__attribute__((noinline)) void batch_channels(const Plan& plan, const int8_t* cols,
                                              int32_t stride, int32_t count,
                                              int8_t* const* outs) {
  // Scalars copied out of the plan: stores through the int8 output may alias anything in
  // memory, so fields read through the reference would be reloaded after every store.
  const int32_t taps = plan.taps, out_c = plan.out_c;
  const int32_t full = plan.full_chunks, back = plan.tail_back;
  const mve_pred16_t first = plan.first;
  const int32_t* folded_bias = plan.folded_bias;
  const int32_t* multiplier = plan.multiplier;
  const int32_t* shift = plan.shift;
  const OutputStage o = plan.out;
  const int8_t* row = plan.filter;
  // Column pairs first, through the two-column core: each pair chunk-interleaved once
  // (two loads and two stores per chunk of a column), then every channel group.
  const int32_t chunks = full + (kTail ? 1 : 0);
  const int32_t pairs = !kShort && chunks <= kMaxPairChunks ? count / 2 : 0;
  alignas(16) int8_t pair[kPairBytes];
  PairGroupsJob job = pair_groups_job(pair, taps, full, kTail ? back : 0);
  for (int32_t pr = 0; pr < pairs; ++pr) {
    const int8_t* a = cols + 2 * pr * stride;
    const int8_t* b = a + stride;
    for (int32_t c = 0; c < chunks; ++c) {
      vstrbq_s8(pair + 32 * c, vldrbq_s8(a + 16 * c));
      vstrbq_s8(pair + 32 * c + 16, vldrbq_s8(b + 16 * c));
    }
    if (out_c >= 4) {
      pair_channel_groups<kLeft, true>(&job, plan.filter, out_c / 4, plan.stores, outs[2 * pr],
                                       outs[2 * pr + 1]);
    }
  }
  // The other columns (an odd one, or all where the pair core does not apply) one at a
  // time; then the last 1-3 channels of every column.
  int32_t oc = 0;
  if (2 * pairs == count) {  // every column done: on to the last channels
    oc = out_c & ~3;
    row += oc * taps;
  }
  for (; oc + 4 <= out_c; oc += 4, row += 4 * taps) {
    const int32x4_t bias = vldrwq_s32(folded_bias + oc);
    const LaneRequant q = channel_requant<kLeft>(multiplier + oc, shift + oc);
    const int8_t* col = cols + 2 * pairs * stride;
    for (int32_t j = 2 * pairs; j < count; ++j, col += stride) {
      const int32x4_t acc = dot_four_rows<kShort, kTail>(col, row, row + taps, row + 2 * taps,
                                                         row + 3 * taps, full, back, first);
      vstrbq_s32(outs[j] + oc, finish(requantize<kLeft>(vaddq_s32(acc, bias), q), o));
    }
  }
  if (oc < out_c) {
    // 1-3 channels left: repeat the last row in the missing lanes, store the real ones.
    const int32_t left = out_c - oc;
    const mve_pred16_t lanes = vctp32q(static_cast<uint32_t>(left));
    const int32x4_t bias = vldrwq_z_s32(folded_bias + oc, lanes);
    const LaneRequant q = channel_requant<kLeft>(multiplier + oc, shift + oc, lanes);
    const int8_t* r1 = left > 1 ? row + taps : row;
    const int8_t* r2 = left > 2 ? row + 2 * taps : r1;
    const int8_t* col = cols;
    for (int32_t j = 0; j < count; ++j, col += stride) {
      const int32x4_t acc =
          dot_four_rows<kShort, kTail>(col, row, r1, r2, r2, full, back, first);
      vstrbq_p_s32(outs[j] + oc, finish(requantize<kLeft>(vaddq_s32(acc, bias), q), o), lanes);
    }
  }
}

// The interior of a convolution with at most 16 taps whose windows gather in one VLDRB:
// channels outer, pixels inner, so a group's four filter rows, bias and requantization
// stay in registers and a pixel costs one gather, four VMLADAVs and the requantization.
struct Interior {
  const int8_t* first;  // the window of the rectangle's top-left pixel
  int32_t row_step;     // input bytes between vertically adjacent windows
  int32_t col_step;     // input bytes between horizontally adjacent windows
  int32_t rows, cols;
  int8_t* out;          // the rectangle's top-left output pixel
  int32_t out_row_step; // output bytes between rows
};

// Every pixel of the rectangle r for channels [oc, oc + 4) (`lanes` of them real): the
// four sums dot(window) returns, plus bias, requantized and stored. The interior paths
// below differ only in dot.
template <bool kLeft, bool kPartial, typename Dot>
inline void interior_group(const Plan& p, const Interior& r, int32_t oc, mve_pred16_t lanes,
                           Dot dot) {
  const int32x4_t bias = vldrwq_z_s32(p.folded_bias + oc, lanes);
  const LaneRequant q = channel_requant<kLeft>(p.multiplier + oc, p.shift + oc, lanes);
  const int8_t* src_row = r.first;
  int8_t* out_row = r.out + oc;
  for (int32_t y = 0; y < r.rows; ++y, src_row += r.row_step, out_row += r.out_row_step) {
    const int8_t* src = src_row;
    int8_t* out = out_row;
    for (int32_t x = 0; x < r.cols; ++x, src += r.col_step, out += p.out_c) {
      const int32x4_t acc = finish(requantize<kLeft>(vaddq_s32(dot(src), bias), q), p.out);
      if (kPartial) {
        vstrbq_p_s32(out, acc, lanes);
      } else {
        vstrbq_s32(out, acc);
      }
    }
  }
}

template <bool kLeft, bool kPartial>
inline void short_group(const Plan& p, const Interior& r, uint8x16_t offsets, const int8_t* w0,
                        const int8_t* w1, const int8_t* w2, const int8_t* w3, int32_t oc,
                        mve_pred16_t lanes) {
  const int8x16_t f0 = vldrbq_z_s8(w0, p.first), f1 = vldrbq_z_s8(w1, p.first);
  const int8x16_t f2 = vldrbq_z_s8(w2, p.first), f3 = vldrbq_z_s8(w3, p.first);
  interior_group<kLeft, kPartial>(p, r, oc, lanes, [&](const int8_t* src) {
    // Lanes past the last tap gather junk; the filter's zero lanes cancel it.
    const int8x16_t c = vldrbq_gather_offset_s8(src, offsets);
    return lanes_of(vmladavq_s8(c, f0), vmladavq_s8(c, f1), vmladavq_s8(c, f2),
                    vmladavq_s8(c, f3));
  });
}

template <bool kLeft>
__attribute__((noinline)) void short_interior(const Plan& plan, uint8x16_t offsets,
                                              const Interior& rect) {
  const Plan p = plan;
  const Interior r = rect;
  const int32_t taps = p.taps;
  const int8_t* row = p.filter;
  int32_t oc = 0;
  for (; oc + 4 <= p.out_c; oc += 4, row += 4 * taps) {
    short_group<kLeft, false>(p, r, offsets, row, row + taps, row + 2 * taps, row + 3 * taps, oc,
                              vctp32q(4));
  }
  if (oc < p.out_c) {
    const int32_t left = p.out_c - oc;
    const int8_t* r1 = left > 1 ? row + taps : row;
    const int8_t* r2 = left > 2 ? row + 2 * taps : r1;
    short_group<kLeft, true>(p, r, offsets, row, r1, r2, r2, oc,
                             vctp32q(static_cast<uint32_t>(left)));
  }
}

// The interior of a 3x3 convolution whose kernel rows are at most 16 bytes (in_c <= 5)
// and whose windows do not gather in one VLDRB: three-channel stems. Each kernel row's
// run of the window is one predicated VLDRB straight from the input (lanes past the run
// read nothing and hold zero), against that row of each filter in a zero-padded stack
// table; channels outer, pixels inner, as short_interior. A pixel of a group costs three
// loads, twelve VMLADAVs and their row loads, and the requantization, with no copy into
// the scratch. (Other kernel heights take the scratch: one instantiation keeps the code
// small.) Groups of four channels with right shifts only, every stem the suites hold, run
// a row at a time in assembly (row_windows_mve.h): 23-28% fewer instructions on the
// MLPerf VWW and IC stems than this C, whose sums and addresses GCC spills.
constexpr int32_t kRowWindows = 3;

template <bool kLeft, bool kPartial>
inline void row_window_group(const Plan& p, const Interior& r, const int8_t* table,
                             int32_t in_row, mve_pred16_t run, int32_t oc, mve_pred16_t lanes) {
  interior_group<kLeft, kPartial>(p, r, oc, lanes, [&](const int8_t* src) {
    // The kernel rows written out: no loop or pointer steps.
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int32_t ky = 0; ky < kRowWindows; ++ky) {
      const int8x16_t c = vldrbq_z_s8(src + ky * in_row, run);
      const int8_t* w = table + 64 * ky;
      s0 = vmladavaq_s8(s0, c, vldrbq_s8(w));
      s1 = vmladavaq_s8(s1, c, vldrbq_s8(w + 16));
      s2 = vmladavaq_s8(s2, c, vldrbq_s8(w + 32));
      s3 = vmladavaq_s8(s3, c, vldrbq_s8(w + 48));
    }
    return lanes_of(s0, s1, s2, s3);
  });
}

template <bool kLeft>
__attribute__((noinline)) void row_window_interior(const Plan& plan, int32_t row_bytes,
                                                   int32_t in_row, const Interior& rect) {
  const Plan p = plan;
  const Interior r = rect;
  const mve_pred16_t run = vctp8q(static_cast<uint32_t>(row_bytes));
  // Per kernel row, the group's four filter rows as 16-byte vectors, zero past row_bytes
  // (a missing channel of a last partial group repeats the group's last one).
  alignas(16) int8_t table[kRowWindows * 4 * 16];
  for (int32_t oc = 0; oc < p.out_c; oc += 4) {
    const int32_t left = p.out_c - oc < 4 ? p.out_c - oc : 4;
    for (int32_t ky = 0; ky < kRowWindows; ++ky) {
      for (int32_t j = 0; j < 4; ++j) {
        const int8_t* src = p.filter + (oc + (j < left ? j : left - 1)) * p.taps + ky * row_bytes;
        vstrbq_s8(table + (ky * 4 + j) * 16, vldrbq_z_s8(src, run));
      }
    }
    const mve_pred16_t lanes = vctp32q(static_cast<uint32_t>(left));
    if (!kLeft && left == 4) {
      // Right shifts only and four whole channels: a row at a time in assembly.
      RowWindowsJob job;
      job.cols = r.cols;
      job.col_step = r.col_step;
      job.out_step = p.out_c;
      job.in_row = in_row;
      job.table = table;
      job.offset = p.out.offset;
      job.run = run;
      job.bias = vldrwq_s32(p.folded_bias + oc);
      job.multiplier = vldrwq_s32(p.multiplier + oc);
      job.right = vldrwq_s32(p.shift + oc);
      job.lo = p.out.lo;
      job.hi = p.out.hi;
      void (*const run_row)(const RowWindowsJob*) =
          ties_visible(p.out) ? qb_mve_row_windows : qb_mve_row_windows_ties_up;
      const int8_t* src = r.first;
      int8_t* out = r.out + oc;
      for (int32_t y = 0; y < r.rows; ++y, src += r.row_step, out += r.out_row_step) {
        job.src = src;
        job.out = out;
        run_row(&job);
      }
    } else if (left == 4) {
      row_window_group<kLeft, false>(p, r, table, in_row, run, oc, lanes);
    } else {
      row_window_group<kLeft, true>(p, r, table, in_row, run, oc, lanes);
    }
  }
}

// An interior window (every tap inside the input) as `taps` bytes at col: kh runs of
// row_bytes, src_stride apart, nothing read or written outside them. Runs of 16 bytes or
// more are copied in whole vectors, the last one overlapping its predecessor.
inline void copy_interior(int8_t* col, const int8_t* src, int32_t row_bytes, int32_t src_stride,
                          int32_t rows, mve_pred16_t short_run) {
  if (row_bytes < 16) {
    for (int32_t y = 0; y < rows; ++y, col += row_bytes, src += src_stride) {
      vstrbq_p_s8(col, vldrbq_z_s8(src, short_run), short_run);
    }
    return;
  }
  if (row_bytes == 48) {
    // 3x3 over 16 channels (ResNet blocks, the kernels suite) as three whole vectors a
    // row: the general loop below, with its set-up and overlapping last vector per row,
    // costs about 32 instructions more a window (MLPerf IC op1: 6% of the layer). The
    // same test outside the window loop, with a loop per case, costs other layers more
    // (+1% on some stems): GCC 12 then allocates conv2d_impl's registers worse.
    for (int32_t y = 0; y < rows; ++y, col += 48, src += src_stride) {
      const int8x16_t a = vldrbq_s8(src), b = vldrbq_s8(src + 16), c = vldrbq_s8(src + 32);
      vstrbq_s8(col, a);
      vstrbq_s8(col + 16, b);
      vstrbq_s8(col + 32, c);
    }
    return;
  }
  const int32_t last = row_bytes - 16;
  for (int32_t y = 0; y < rows; ++y, col += row_bytes, src += src_stride) {
    for (int32_t k = 0; k < last; k += 16) vstrbq_s8(col + k, vldrbq_s8(src + k));
    vstrbq_s8(col + last, vldrbq_s8(src + last));
  }
}

// Two windows' kh kernel rows of `chunks` 16-byte chunks each, a and b in_row bytes a
// row, into the pair at dst chunk-interleaved (A's chunk c at 32c, B's at 32c + 16). The
// common 3x3 over 16 channels takes qb_mve_pair_row_3x3 instead, which does this unrolled.
inline void interleave_rows(int8_t* dst, const int8_t* a, const int8_t* b, int32_t kh,
                            int32_t in_row, int32_t chunks) {
  for (int32_t y = 0; y < kh; ++y, a += in_row, b += in_row) {
    for (int32_t k = 0; k < chunks; ++k, dst += 32) {
      const int8x16_t va = vldrbq_s8(a + 16 * k), vb = vldrbq_s8(b + 16 * k);
      vstrbq_s8(dst, va);
      vstrbq_s8(dst + 16, vb);
    }
  }
}

// Interior windows of one output row two at a time straight into the two-column core's
// interleaved pair: each kernel row's run of both windows is copied chunk by chunk to its
// place in the pair (A's chunk c at 32c, B's at 32c + 16), where the scratch path would
// copy each window into a column and then both columns into the pair, about 80
// instructions more a pair of 3x3 windows over 16 channels, with the batch's bookkeeping.
// For runs of whole chunks (row_bytes % 16 == 0, so taps too), every channel group whole
// (out_c % 4 == 0), right shifts only, so that the outputs of a pair are always
// neighbours and every group takes the pair stores' one assembly loop (near_pair_groups;
// kTies: with the tie step). r: the interior rectangle, of which each row's first
// 2 * pairs windows go; 3x3 windows over 16 channels into up to 64 output channels (the
// commonest) a row at a time through qb_mve_pair_row_3x3, the same steps as assembly. Not
// inlined: it holds the 1.3 KiB pair, which batch_channels (its sibling, never nested)
// also does; and one call keeps conv2d_impl's loops as they were (GCC allocates their
// registers worse around a loop of calls).
template <bool kTies>
__attribute__((noinline)) void interior_pairs(const Plan& plan, const Interior& r, int32_t pairs,
                                              int32_t kh, int32_t row_bytes, int32_t in_row) {
  const int32_t taps = plan.taps, out_c = plan.out_c, groups = plan.out_c / 4;
  const int8_t* filter = plan.filter;
  const int32_t* bias = plan.stores.bias;
  const int32_t* multiplier = plan.stores.multiplier;
  const int32_t* shift = plan.stores.shift;
  const NarrowStage narrow = plan.stores.narrow;
  const uint16x8_t offsets = plan.stores.offsets;
  alignas(16) int8_t pair[kPairBytes];
  alignas(16) int32_t sums[kMaxPairGroups * 8];
  PairGroupsJob job = pair_groups_job(pair, taps, plan.full_chunks, 0);
  const int32_t row_chunks = row_bytes / 16, first_step = r.col_step;
  if (row_chunks == 3 && kh == 3 && groups <= kMaxPairGroups) {
    job.rows = filter;
    job.sums_end = sums + 8 * groups;
    PairRowJob row{sums, bias, multiplier, shift, &job, pair, groups, narrow.offset,
                   nullptr, first_step, nullptr, in_row, pairs, narrow.lo, narrow.hi,
                   offsets};
    for (int32_t y = 0; y < r.rows; ++y) {
      row.first = r.first + y * r.row_step;
      row.out = r.out + y * r.out_row_step;
      (kTies ? qb_mve_pair_row_3x3_ties : qb_mve_pair_row_3x3)(&row);
    }
    return;
  }
  for (int32_t y = 0; y < r.rows; ++y) {
    const int8_t* first = r.first + y * r.row_step;
    int8_t* out_px = r.out + y * r.out_row_step;
    for (int32_t i = 0; i < pairs; ++i, first += 2 * first_step, out_px += 2 * out_c) {
      interleave_rows(pair, first, first + first_step, kh, in_row, row_chunks);
      near_pair_groups<kTies>(&job, filter, groups, bias, multiplier, shift, narrow, offsets,
                              sums, out_px);
    }
  }
}

// Input rows [iy, iy + rows) and columns [ix, ix + cols) of one image into dst, dst_row
// bytes a row, the zero point outside the input (in.c a multiple of 16). Not inlined: four
// calls a copy, each a few rows of work. The three runs of a row (padding, input,
// padding) are the same for every row inside the input, so their chunk counts are worked
// out once: from bounds inside the row loop, GCC spent about ten instructions setting up
// each run's loop.
__attribute__((noinline)) void copy_padded_block(int8_t* dst, int32_t dst_row, const int8_t* image,
                                                 const Shape& in, int32_t iy, int32_t rows,
                                                 int32_t ix, int32_t cols, int8x16_t zero_point) {
  const int32_t c = in.c;
  const int32_t lead = ix < 0 ? (-ix < cols ? -ix : cols) : 0;
  int32_t end = in.w - ix < cols ? in.w - ix : cols;
  if (end < lead) end = lead;
  const int32_t lead_n = lead * c / 16, run_n = (end - lead) * c / 16;
  const int32_t tail_n = (cols - end) * c / 16, all_n = cols * c / 16;
  const int32_t in_row = in.w * c;
  const int8_t* src = image + (iy * in.w + ix + lead) * c;
  for (int32_t y = 0; y < rows; ++y, ++iy, dst += dst_row, src += in_row) {
    int8_t* d = dst;
    if (iy < 0 || iy >= in.h) {
      for (int32_t k = all_n; k > 0; --k, d += 16) vstrbq_s8(d, zero_point);
      continue;
    }
    for (int32_t k = lead_n; k > 0; --k, d += 16) vstrbq_s8(d, zero_point);
    const int8_t* s = src;
    for (int32_t k = run_n; k > 0; --k, d += 16, s += 16) vstrbq_s8(d, vldrbq_s8(s));
    for (int32_t k = tail_n; k > 0; --k, d += 16) vstrbq_s8(d, zero_point);
  }
}

// Where the border pixels of one image are, for border_pairs.
struct Border {
  const int8_t* image;
  Shape in;
  int8_t* out_image;
  int32_t out_h, out_w, out_c;
  int32_t kh, kw, stride_h, stride_w, pad_top, pad_left;
  int32_t y_begin, y_end;  // the rows whose windows may lie inside the input
  bool chain;              // one border column each side: row ends paired with row starts
  int8_t* scratch;
  int8x16_t zero_point;
};

using InteriorPairs = void (*)(const Plan&, const Interior&, int32_t, int32_t, int32_t, int32_t);

// Border pixels (some taps outside the input) through the pair core too: each becomes an
// interior window of a small zero-point-padded copy of its input in the scratch, and
// interior_pairs takes it. Through the scratch columns they cost about 900 instructions
// more a pair (each window copied with its padding, the batch of four's bookkeeping and
// its general stores).
// - Whole rows above and below the interior go in segments of as many outputs as the
//   scratch (four windows' taps) holds a copy for, neighbours two by two; an odd last one
//   stays on the scratch path.
// - With one border column each side (b.chain), each interior row's last pixel pairs with
//   the next row's first, its neighbour in memory: the copy holds kh + stride_h input
//   rows, the first window's kw columns, then the second's.
__attribute__((noinline)) void border_pairs(const Plan& p, const Border& b,
                                            InteriorPairs interior_pairs) {
  const int32_t c = b.in.c, row_bytes = b.kw * c;
  const int32_t paired = b.out_w & ~1;
  // (segment - 1) * stride_w + kw columns of kh rows within 4 * kh * kw * c bytes.
  const int32_t segment = ((3 * b.kw) / b.stride_w + 1) & ~1;
  for (int32_t oy = 0; oy < b.out_h; ++oy) {
    if (oy == b.y_begin && b.y_begin < b.y_end) oy = b.y_end;
    if (oy >= b.out_h) break;
    const int32_t iy = oy * b.stride_h - b.pad_top;
    for (int32_t x0 = 0; x0 < paired; x0 += segment) {
      const int32_t n = paired - x0 < segment ? paired - x0 : segment;
      const int32_t cols = (n - 1) * b.stride_w + b.kw;
      copy_padded_block(b.scratch, cols * c, b.image, b.in, iy, b.kh,
                        x0 * b.stride_w - b.pad_left, cols, b.zero_point);
      const Interior r{b.scratch, 0, b.stride_w * c, 1, n,
                       b.out_image + (oy * b.out_w + x0) * b.out_c, 0};
      interior_pairs(p, r, n / 2, b.kh, row_bytes, cols * c);
    }
  }
  if (!b.chain) return;
  // Chained pairs, as many a copy as the scratch holds: pair k's windows start strip row
  // k * stride_h, so n pairs take n * stride_h + kh rows of the 2 * kh that fit.
  const int32_t strip_row = 2 * row_bytes;
  const int32_t last_ix = (b.out_w - 1) * b.stride_w - b.pad_left;
  const int32_t per_copy = b.kh / b.stride_h;
  for (int32_t oy = b.y_begin; oy + 1 < b.y_end; oy += per_copy) {
    const int32_t n = b.y_end - 1 - oy < per_copy ? b.y_end - 1 - oy : per_copy;
    const int32_t iy = oy * b.stride_h - b.pad_top, rows = n * b.stride_h + b.kh;
    copy_padded_block(b.scratch, strip_row, b.image, b.in, iy, rows, last_ix, b.kw,
                      b.zero_point);
    copy_padded_block(b.scratch + row_bytes, strip_row, b.image, b.in, iy, rows, -b.pad_left,
                      b.kw, b.zero_point);
    const Interior r{b.scratch, b.stride_h * strip_row, b.stride_h * strip_row + row_bytes, n,
                     2, b.out_image + (oy * b.out_w + b.out_w - 1) * b.out_c,
                     b.out_w * b.out_c};
    interior_pairs(p, r, 1, b.kh, row_bytes, strip_row);
  }
}

// A border window (some taps outside the input) at (iy0, ix0) of one image as `taps`
// bytes at col: the whole column first reads the zero point, then each input row's
// in-bounds run is copied over it exactly (runs are rarely long, and a border is a small
// part of the output).
inline void copy_border_window(int8_t* col, const int8_t* image, const Shape& in, int32_t kh,
                               int32_t kw, int32_t iy0, int32_t ix0, int32_t taps,
                               int8x16_t zero_point) {
  for (int32_t k = 0; k < taps; k += 16) vstrbq_s8(col + k, zero_point);
  const int32_t c = in.c, row_bytes = kw * c;
  const int32_t kx_begin = ix0 < 0 ? -ix0 : 0;
  const int32_t kx_end = in.w - ix0 < kw ? in.w - ix0 : kw;
  if (kx_begin >= kx_end) return;
  const int32_t ky_begin = iy0 < 0 ? -iy0 : 0;
  const int32_t ky_end = in.h - iy0 < kh ? in.h - iy0 : kh;
  const int32_t run = (kx_end - kx_begin) * c;
  const int8_t* src = image + ((iy0 + ky_begin) * in.w + ix0 + kx_begin) * c;
  int8_t* dst = col + ky_begin * row_bytes + kx_begin * c;
  for (int32_t ky = ky_begin; ky < ky_end; ++ky, src += in.w * c, dst += row_bytes) {
    copy_exact(dst, src, run);
  }
}

template <bool kLeft>
void conv2d_impl(const ConvArgs& a) {
  const Shape& in = a.input_shape;
  const Shape& out = a.output_shape;
  const ConvParams& cp = a.params;
  const int32_t kh = a.filter_shape.h, kw = a.filter_shape.w;
  const int32_t taps = kh * kw * in.c;
  const int32_t chunks = (taps + 15) / 16;
  const OutputStage stage = output_stage(cp.output_offset, cp.act_min, cp.act_max);
  const Plan p{a.filter,
               taps,
               taps / 16,
               16 - taps % 16,
               taps % 16 != 0,
               vctp8q(static_cast<uint32_t>(taps < 16 ? taps : 16)),
               out.c,
               a.folded_bias,
               a.requant.multiplier,
               a.requant.shift,
               stage,
               pair_stores(a.folded_bias, a.requant.multiplier, a.requant.shift, stage, out.c)};
  const int8x16_t zero_point = vdupq_n_s8(static_cast<int8_t>(-cp.input_offset));
  // Four columns of chunks * 16 bytes: exactly conv_scratch_bytes(). A column's last
  // chunk is its shifted tail window (see dot_four_rows); only the top `taps % 16` lanes
  // of the window are kept.
  int8_t* cols = a.scratch;
  const int32_t col_stride = chunks * 16;
  const mve_pred16_t tail_lanes = vpnot(vctp8q(static_cast<uint32_t>(p.tail_back)));
  const int32_t row_bytes = kw * in.c, in_row = in.w * in.c;
  const mve_pred16_t short_run = vctp8q(static_cast<uint32_t>(row_bytes < 16 ? row_bytes : 16));

  // Output pixels whose windows lie inside the input: rows [y_begin, y_end), columns
  // [x_begin, x_end).
  auto first_inside = [](int32_t pad, int32_t stride) { return (pad + stride - 1) / stride; };
  auto end_inside = [](int32_t size, int32_t k, int32_t pad, int32_t stride, int32_t out_size) {
    const int32_t last_start = size - k + pad;  // the last inside window's start, plus pad
    const int32_t end = last_start < 0 ? 0 : last_start / stride + 1;
    return end < out_size ? end : out_size;
  };
  const int32_t y_end = end_inside(in.h, kh, cp.pad_top, cp.stride_h, out.h);
  const int32_t x_end = end_inside(in.w, kw, cp.pad_left, cp.stride_w, out.w);
  int32_t y_begin = first_inside(cp.pad_top, cp.stride_h);
  int32_t x_begin = first_inside(cp.pad_left, cp.stride_w);
  if (y_begin > y_end) y_begin = y_end;
  if (x_begin > x_end) x_begin = x_end;

  // Offsets of every tap from the window's first byte, for gathering interior windows.
  const int32_t span = (kh - 1) * in_row + row_bytes - 1;
  const bool gather = taps <= kMaxGatherTaps && span <= 255;
  alignas(16) uint8_t offsets[kMaxGatherTaps];
  if (gather) {
    for (int32_t k = 0; k < chunks * 16; ++k) {
      // Lanes past the last tap gather the first byte again; the column's tail step
      // below overwrites (or zeroes) them.
      const int32_t t = k < taps ? k : 0;
      offsets[k] = static_cast<uint8_t>((t / row_bytes) * in_row + t % row_bytes);
    }
  }
  const bool short_gather = gather && taps <= 16;
  const bool row_windows = !short_gather && row_bytes <= 16 && kh == kRowWindows;
  const bool interior_done = short_gather || row_windows;
  // Interior windows whose kernel rows are whole chunks go to the pair core directly
  // (interior_pairs). Right shifts only, the pair stores' assembly loop: no suite has a
  // left-shifted layer of this shape, and each variant is about 1 KB of code. Outputs
  // within the scatter's reach of each other (p.stores.apart), which every pair is.
  const bool direct_pairs = !kLeft && row_bytes % 16 == 0 && chunks <= kMaxPairChunks &&
                            out.c >= 4 && out.c % 4 == 0 && p.stores.apart == out.c;

  // Border pixels through the pair core as well (border_pairs), for channels in whole
  // chunks and strides up to the kernel (two outputs' strip then fits the scratch): 0 not,
  // 1 the border rows, 2 those and the chained border columns.
  int32_t border_mode = 0;
  if (direct_pairs && in.c % 16 == 0 && cp.stride_h <= kh && cp.stride_w <= kw) {
    border_mode = x_begin == 1 && x_end == out.w - 1 && y_end - y_begin >= 2 ? 2 : 1;
  }

  auto run_batch = [&](int32_t count, int8_t* const* outs) {
    if (taps < 16) return batch_channels<kLeft, true, true>(p, cols, col_stride, count, outs);
    if (p.tail) return batch_channels<kLeft, false, true>(p, cols, col_stride, count, outs);
    return batch_channels<kLeft, false, false>(p, cols, col_stride, count, outs);
  };

  // A column just written at col, for the output pixel at out_px: its tail step (see
  // dot_four_rows), then into the batch, which runs when it holds four.
  int8_t* outs[4];
  int32_t batch = 0;
  auto add_column = [&](int8_t* col, int8_t* out_px) {
    if (taps < 16) {
      vstrbq_p_s8(col + taps, vdupq_n_s8(0), vctp8q(static_cast<uint32_t>(16 - taps)));
    } else if (p.tail) {
      vstrbq_s8(col + p.full_chunks * 16, vldrbq_z_s8(col + taps - 16, tail_lanes));
    }
    outs[batch++] = out_px;
    if (batch == 4) {
      run_batch(batch, outs);
      batch = 0;
    }
  };

  for (int32_t b = 0; b < in.n; ++b) {
    const int8_t* image = a.input + b * in.h * in_row;
    int8_t* out_image = a.output + b * out.h * out.w * out.c;
    if (interior_done && y_begin < y_end && x_begin < x_end) {
      const Interior r{image + ((y_begin * cp.stride_h - cp.pad_top) * in.w +
                                x_begin * cp.stride_w - cp.pad_left) * in.c,
                       cp.stride_h * in_row,
                       cp.stride_w * in.c,
                       y_end - y_begin,
                       x_end - x_begin,
                       out_image + (y_begin * out.w + x_begin) * out.c,
                       out.w * out.c};
      if (short_gather) {
        short_interior<kLeft>(p, vldrbq_u8(offsets), r);
      } else {
        row_window_interior<kLeft>(p, row_bytes, in_row, r);
      }
    }
    // Interior rows' windows in pairs straight into the pair core (interior_pairs), all
    // but an odd last one a row. The scratch loop below starts each interior row at
    // done_to.
    int32_t done_to = row_windows ? x_end : x_begin;
    if (direct_pairs && !gather && y_begin < y_end && x_end - x_begin >= 2) {
      const int32_t paired_cols = (x_end - x_begin) & ~1;
      done_to = x_begin + paired_cols;
      const Interior r{image + ((y_begin * cp.stride_h - cp.pad_top) * in.w +
                                x_begin * cp.stride_w - cp.pad_left) * in.c,
                       cp.stride_h * in_row,
                       cp.stride_w * in.c,
                       y_end - y_begin,
                       paired_cols,
                       out_image + (y_begin * out.w + x_begin) * out.c,
                       out.w * out.c};
      (p.stores.ties ? interior_pairs<true> : interior_pairs<false>)(p, r, paired_cols / 2, kh,
                                                                     row_bytes, in_row);
    }
    if (border_mode != 0) {
      const Border border{image, in, out_image, out.h, out.w, out.c, kh, kw,
                          cp.stride_h, cp.stride_w, cp.pad_top, cp.pad_left, y_begin, y_end,
                          border_mode == 2, cols, zero_point};
      border_pairs(p, border, p.stores.ties ? interior_pairs<true> : interior_pairs<false>);
    }
    // Every other pixel goes through the scratch, four columns at a time.
    batch = 0;
    for (int32_t oy = 0; oy < out.h; ++oy) {
      const int32_t iy0 = oy * cp.stride_h - cp.pad_top;
      const bool row_inside = oy >= y_begin && oy < y_end;
      // The pixels border_pairs took: all of a border row but an odd last one; an interior
      // row's first (but the first row's) and last (but the last row's) in a chain.
      int32_t ox_begin = 0, ox_end = out.w;
      if (border_mode != 0) {
        if (!row_inside) {
          ox_begin = out.w & ~1;
        } else if (border_mode == 2) {
          if (oy > y_begin) ox_begin = 1;
          if (oy + 1 < y_end) ox_end = out.w - 1;
        }
      }
      for (int32_t ox = ox_begin; ox < ox_end; ++ox) {
        const int32_t ix0 = ox * cp.stride_w - cp.pad_left;
        if (row_inside && ox == x_begin && !gather && x_begin < x_end) {
          // The row's interior windows before done_to were done above.
          ox = done_to;
          if (ox == x_end) {
            --ox;  // the outer loop's increment moves on to x_end
            continue;
          }
          // The others in one tight loop: pointers step, nothing is re-derived or
          // re-checked per window (a 3x3 stem over 3 channels: 24 fewer instructions a
          // window than through the general loop below).
          const int8_t* first = image + (iy0 * in.w + ox * cp.stride_w - cp.pad_left) * in.c;
          const int32_t first_step = cp.stride_w * in.c;
          int8_t* out_px = out_image + (oy * out.w + ox) * out.c;
          for (; ox < x_end; ++ox, first += first_step, out_px += out.c) {
            int8_t* col = cols + batch * col_stride;
            copy_interior(col, first, row_bytes, in_row, kh, short_run);
            add_column(col, out_px);
          }
          --ox;  // the outer loop's increment moves on to x_end
          continue;
        }
        int8_t* col = cols + batch * col_stride;
        if (row_inside && ox >= x_begin && ox < x_end) {
          // An interior window here gathers (the others took the loop above).
          if (interior_done) continue;  // done above
          const int8_t* first = image + (iy0 * in.w + ix0) * in.c;
          for (int32_t k = 0; k < taps; k += 16) {
            vstrbq_s8(col + k, vldrbq_gather_offset_s8(first, vldrbq_u8(offsets + k)));
          }
        } else {
          copy_border_window(col, image, in, kh, kw, iy0, ix0, taps, zero_point);
        }
        add_column(col, out_image + (oy * out.w + ox) * out.c);
      }
    }
    if (batch != 0) run_batch(batch, outs);
  }
}

}  // namespace

void conv2d(const ConvArgs& a) {
  if (any_left_shift(a.requant.shift, a.output_shape.c)) {
    conv2d_impl<true>(a);
  } else {
    conv2d_impl<false>(a);
  }
}

}  // namespace qb::kernels::mve

#endif
