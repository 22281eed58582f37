// A 3x3 depthwise filter's interior windows one channel at a time, four horizontally
// neighbouring outputs per vector, walking down columns of them, as assembly
// (depthwise_columns_mve.cc). depthwise_conv2d_mve.cc calls it for the large interior
// rectangles of layers at vertical stride 1 or 2.
//
// Why: with channels across the lanes (the block kernels) every channel has its own
// weight, so a tap costs two widening loads, VMULLB/VMULLT and two adds for eight MACs,
// and every output is requantized with per-lane parameters loaded for it. One channel at
// a time the nine weights are scalars in core registers: an input row's four pixels,
// one byte gather at the channel stride per kernel column, meet three weights with VMLA
// by scalar, one for each output row whose window holds that input row. So a row of four
// outputs costs three gathers and nine VMLA (36 MACs); the accumulators roll down the
// column, one finishing per input row; and the requantization takes the channel's
// parameters as scalars too.
//
// Three accumulators take turns (the one that finishes becomes the next row's), so the
// walk's loop is three input rows long, entered part-way so that it ends at the last. Each
// input row finishes one accumulator and starts one: the first two rows finish two that
// held nothing and the last two start two that are never used, so every row is the same
// code. The finished rows go to a buffer (the walk needs every core register for the
// weights and pointers), and after the walk the buffer is requantized two rows at a time,
// eight outputs to one scatter store; an odd last row goes with the row before it again.
//
// At vertical stride 2 windows share only one input row, so the walk takes one window at
// a time instead: nine gathers and nine VMLA a row of four outputs.
//
// est_cycles counts a gather like any vector load (two beats on the load/store pipe, as
// the public Cortex-M55 scheduling model it follows does). Gathers may well be slower on
// the core: at one element a cycle, four. The rolling walk would hardly notice (its row
// is bound by the nine VMLA, eighteen beats on the multiply pipe, against eight of loads
// and stores, or fourteen at that rate); the stride-2 loop, nine gathers to nine VMLA,
// would run up to twice what est_cycles says.
#pragma once

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include <cstdint>

namespace qb::kernels::mve {

// The assembly's state; offsets are fixed (depthwise_columns_mve.cc checks them). The
// assembly advances x, out and strips as it goes.
struct alignas(16) ColumnsJob {
  int32_t bias;              // 0: the channel's folded bias
  int32_t weights[8];        // 4: taps 1-8, row-major (tap 0 is `first_tap`)
  const int8_t* x;           // 36: the first column's first window, its top-left tap
  int32_t in_row;            // 40: input bytes between rows (kernel rows)
  int32_t* sums;             // 44: a buffer of 4 * (rows + 2) int32 (16-byte aligned)
  int32_t passes;            // 48: of the walk's loop (set_walk)
  int32_t strips;            // 52: columns of four windows, >= 1
  int32_t strip_step;        // 56: input bytes from a column to the next
  int8_t* out;               // 60: the first column's first output
  int32_t out_pair;          // 64: output bytes between every other row
  int32_t pairs;             // 68: rows / 2, >= 1
  int32_t odd;               // 72: 1 if rows is odd, else 0
  int32_t out_step;          // 76: output bytes from a column to the next
  int32_t multiplier;        // 80: the channel's requantization (ScalarRequant)
  int32_t right;             // 84
  int32_t left;              // 88
  int32_t tie;               // 92
  int32_t offset;            // 96: the output zero point
  const void* entry;         // 100: where the walk's first pass starts (walk_entry)
  int32_t pad[2];
  uint32x4_t columns[3];     // 112: byte offsets of the four windows' kernel column 0, 1, 2
  int32x4_t first_tap;       // 160: tap 0's weight in every lane
  int16x8_t lo, hi;          // 176: the activation range
  uint16x8_t offsets;        // 208: a row pair's scatter (row r even lanes, r + 1 odd)
};

// kAnyShifts: with the left shift and the tie step (mve_requant.h); _right_shifts: for
// layers with right shifts only whose output stage hides the tie step.
extern "C" void qb_mve_dw_columns_any_shifts(ColumnsJob* job);
extern "C" void qb_mve_dw_columns_right_shifts(ColumnsJob* job);
// The rows of each one's walk loop, as code addresses.
extern "C" void qb_mve_dw_columns_any_shifts_row0();
extern "C" void qb_mve_dw_columns_any_shifts_row1();
extern "C" void qb_mve_dw_columns_any_shifts_row2();
extern "C" void qb_mve_dw_columns_right_shifts_row0();
extern "C" void qb_mve_dw_columns_right_shifts_row1();
extern "C" void qb_mve_dw_columns_right_shifts_row2();
extern "C" void qb_mve_dw_columns_any_shifts_stride2();
extern "C" void qb_mve_dw_columns_right_shifts_stride2();

// The walk of `rows` output rows at vertical stride 1 or 2; `any_shifts` picks the
// variant. At stride 1: rows + 2 input rows, the loop entered so that its last pass ends
// with the last; at stride 2 one pass a row.
inline void set_walk(ColumnsJob& job, int32_t rows, int32_t stride_h, bool any_shifts) {
  job.pairs = rows / 2;
  job.odd = rows % 2;
  if (stride_h == 2) {
    job.passes = rows;
    job.entry = reinterpret_cast<const void*>(any_shifts ? qb_mve_dw_columns_any_shifts_stride2
                                                         : qb_mve_dw_columns_right_shifts_stride2);
    return;
  }
  const int32_t steps = rows + 2;
  job.passes = (steps + 2) / 3;
  const int32_t skip = 3 * job.passes - steps;
  void (*const any[3])() = {qb_mve_dw_columns_any_shifts_row0, qb_mve_dw_columns_any_shifts_row1,
                            qb_mve_dw_columns_any_shifts_row2};
  void (*const right[3])() = {qb_mve_dw_columns_right_shifts_row0,
                              qb_mve_dw_columns_right_shifts_row1,
                              qb_mve_dw_columns_right_shifts_row2};
  job.entry = reinterpret_cast<const void*>(any_shifts ? any[skip] : right[skip]);
}

}  // namespace qb::kernels::mve

#endif
