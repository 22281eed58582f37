// One output channel of a pointwise product over 16-deep pixels, four pixels a pass, as
// assembly (shallow_rows_mve.cc): the main loop of mve_matmul.h's shallow_channel for the
// commonest short depth (a MobileNet's 16-channel layers).
//
// Why assembly: in C the loop's scalars (the channel's bias, multiplier, shift and output
// zero point, the pointers, the step) outnumber the core registers GCC keeps free around
// the four VMLADAV sums, so it reloads five of them from the stack every pass: 36
// instructions for four outputs, against these 18 (21 with the tie step).
#pragma once

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include <cstdint>

#include "kernels/arm_mve/mve_requant.h"

namespace qb::kernels::mve {

// The assembly's state; offsets are fixed (shallow_rows_mve.cc checks them).
struct alignas(16) ShallowRowsJob {
  const int8_t* x;           // 0: the first pixel (16 bytes a pixel)
  int8_t* out;               // 4: its output for this channel
  int32_t step;              // 8: output bytes from one pass's four pixels to the next's
  int32_t bias;              // 12: the channel's folded bias
  int32_t multiplier;        // 16
  int32_t shift;             // 20: the VRSHL count (_round)
  int32_t offset;            // 24: the output zero point
  int32_t passes;            // 28: >= 1
  int8x16_t weights;         // 32: the channel's filter row
  int32x4_t lo, hi;          // 48: the activation range
  uint32x4_t offsets;        // 80: 0, C, 2C, 3C (C: the output's channels)
};

// _round: a right shift after the multiply, with the tie step; _plain: a shift of 0. (A
// channel with a left shift, rare in trained layers, stays in C.)
extern "C" void qb_mve_shallow_rows_round(const ShallowRowsJob* job);
extern "C" void qb_mve_shallow_rows_plain(const ShallowRowsJob* job);

// The passes of four 16-deep pixels from x, every whole four of `pixels` (16 bytes a
// pixel, so no load passes the input's end), through `run`; returns how many it did. One
// copy of the job's set-up for every caller.
int32_t shallow_rows(const int8_t* x, int8_t* out, int32_t step, int32_t pixels,
                     int8x16_t weights, int32_t bias, int32_t multiplier, int32_t shift,
                     const OutputStage& o, uint32x4_t offsets,
                     void (*run)(const ShallowRowsJob*));

}  // namespace qb::kernels::mve

#endif
