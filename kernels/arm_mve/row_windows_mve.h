// One output row of a 3x3 stem's interior for one group of four channels, as assembly
// (row_windows_mve.cc): conv2d_mve.cc's row windows (kernel rows of at most 16 bytes,
// each one predicated VLDRB straight from the input) for layers with right shifts only
// and four whole channels, which is every three-channel stem the suites hold.
//
// Why assembly: in C the four VMLADAV sums, three row pointers, twelve filter-row
// addresses and the requantization constants do not fit the registers, and GCC 12
// spills the addresses and reloads them for every window (64 instructions a window and
// group in the MLPerf VWW stem). Here the filter rows sit in one table at constant
// offsets, one core register walks it, and a window costs 47 (44 without the tie step).
#pragma once

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include <cstdint>

namespace qb::kernels::mve {

// The assembly's state; offsets are fixed (row_windows_mve.cc checks them).
struct RowWindowsJob {
  const int8_t* src;    // 0: the row's first window, its top kernel row
  int8_t* out;          // 4: that window's output, at the group's first channel
  int32_t cols;         // 8: windows in the row, >= 1
  int32_t col_step;     // 12: input bytes between adjacent windows
  int32_t out_step;     // 16: output bytes between adjacent pixels
  int32_t in_row;       // 20: input bytes between kernel rows
  const int8_t* table;  // 24: per kernel row, the four filter rows as 16 bytes (zero-padded)
  int32_t offset;       // 28: the output zero point
  uint32_t run;         // 32: the predicate of a kernel row's bytes (VCTP.8 of row_bytes)
  int32_t pad[3];
  int32x4_t bias, multiplier, right, lo, hi;  // 48: folded bias, VQRDMULH and VRSHL
                                              // operands, the activation range
};

extern "C" void qb_mve_row_windows(const RowWindowsJob* job);
// The same without the rounding's tie step (mve_requant.h, ties_visible).
extern "C" void qb_mve_row_windows_ties_up(const RowWindowsJob* job);

}  // namespace qb::kernels::mve

#endif
