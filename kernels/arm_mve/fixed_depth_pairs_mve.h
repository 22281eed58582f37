// Pixel pairs of a pointwise product 32 or 64 deep, as assembly (fixed_depth_pairs_mve.cc):
// the depths of a MobileNet's early and middle pointwise layers and of every pointwise
// layer in a DS-CNN keyword spotter, where mve_matmul.h's general pixel pairs leave a
// third of their instructions outside the dot products.
//
// Why a fixed depth: the general pair core (conv2d_pair_mve.h) reaches its filter rows
// through four pointers that every group re-derives, and its pixels through a copy
// interleaving the pair. At a fixed depth D every address is an immediate instead: a
// pair's two pixels are the 2D bytes at x, and a group's four filter rows the 4D bytes
// after its row pointer, which one VLDRW writeback moves on (VLDRW reaches 508 bytes;
// VLDRB only 127). Nothing is copied, and no pointer is re-derived per group.
//
// Why chunks stay in registers: a 2 x 4 block of VMLADAVA loads 6 chunks per 8 products.
// At 32 deep the whole pair (four chunks) stays in q4-q7 for all its groups, so a group
// loads only its 8 row chunks: 16 VMLADAV, 8 loads and 3 instructions of loop per 256
// MACs. At 64 deep the first pixel and the second's first chunk stay (q3-q7), and a group
// loads 19 chunks instead of 24: 32 VMLADAV, 19 loads and 3 of loop per 512 MACs. The sums
// go through a buffer to the pair stores' loop (QB_MVE_STORE_GROUPS_IN, 19 per group),
// which needs the vector registers the chunks held.
#pragma once

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include <cstdint>

namespace qb::kernels::mve {

// The assembly's state; offsets are fixed (fixed_depth_pairs_mve.cc checks them). The
// first six fields are the stores' operands, in the order of one LDM.
struct alignas(16) FixedDepthPairsJob {
  int32_t* sums;               // 0: 8 per group (16-byte aligned)
  const int32_t* bias;         // 4: per channel (folded), then multipliers and shifts
  const int32_t* multiplier;   // 8
  const int32_t* shift;        // 12: the VRSHL counts (every one <= 0)
  int32_t groups;              // 16: output channels / 4 of this call, 1..16
  int32_t offset;              // 20: the output zero point
  const int8_t* rows;          // 24: the first group's first filter row, minus 16
  int32_t* sums_end;           // 28: sums + 8 * groups
  const int8_t* x;             // 32: the first pair's first pixel (4-byte aligned)
  int8_t* out;                 // 36: the first pair's first output
  const int8_t* x_end;         // 40: x + 2 * depth * pairs
  int32_t out_skip;            // 44: bytes from out + 4 * groups to the next pair's out
  int32_t pair_bytes;          // 48: 2 * depth
  void (*groups_of_depth)();   // 52: qb_mve_fixed_depth_groups_32 or _64
  alignas(16) int16x8_t lo, hi;  // 64, 80: the output stage's range
  uint16x8_t offsets;          // 96: the pair's scatter offsets (pair_offsets)
};

// Every pair of the job, every group: requantized with right shifts only and no tie step
// (the output stage hides it; see ties_visible).
extern "C" void qb_mve_fixed_depth_pairs(const FixedDepthPairsJob* job);
// The groups of one pair at each depth: not callable from C (they take and leave state in
// registers, see fixed_depth_pairs_mve.cc); their addresses go in the job.
extern "C" void qb_mve_fixed_depth_groups_32();
extern "C" void qb_mve_fixed_depth_groups_64();

}  // namespace qb::kernels::mve

#endif
