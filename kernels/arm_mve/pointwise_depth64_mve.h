// Pixel pairs of a 64-deep pointwise product, as assembly (pointwise_depth64_mve.cc): the
// depth of every pointwise layer in a DS-CNN keyword spotter and of a MobileNet's middle
// blocks, where mve_matmul.h's pixel pairs leave a third of their instructions outside
// the dot products.
//
// Why a fixed depth: the general pair core (conv2d_pair_mve.h) reaches its filter rows
// through four pointers that every group re-derives, and its pixels through a copy
// interleaving the pair. At 64 deep every address is an immediate instead: a pair's two
// pixels are the 128 bytes at x, and a group's four filter rows the 256 bytes after its
// row pointer, which one VLDRW post-increment moves on (VLDRW reaches 508 bytes; VLDRB
// only 127). Nothing is copied, and no pointer is re-derived per group.
//
// Why five chunks stay in registers: a 2 x 4 block of VMLADAVA loads 6 chunks per 8
// products. The pair's first pixel (four chunks) and the second pixel's first chunk stay
// in q3-q7 for all the pair's groups, so a group loads 19 chunks instead of 24: 32
// VMLADAV, 19 loads and 3 instructions of loop, 54 per 512 MACs. The sums go through a
// buffer to the pair stores' loop (QB_MVE_STORE_GROUPS_IN, 19 per group), which needs
// the vector registers the chunks held.
#pragma once

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include <cstdint>

namespace qb::kernels::mve {

// The assembly's state; offsets are fixed (pointwise_depth64_mve.cc checks them). The
// first six fields are the stores' operands, in the order of one LDM.
struct alignas(16) Depth64PairsJob {
  int32_t* sums;               // 0: 8 per group (16-byte aligned)
  const int32_t* bias;         // 4: per channel (folded), then multipliers and shifts
  const int32_t* multiplier;   // 8
  const int32_t* shift;        // 12: the VRSHL counts (every one <= 0)
  int32_t groups;              // 16: output channels / 4 of this call, 1..16
  int32_t offset;              // 20: the output zero point
  const int8_t* rows;          // 24: the first group's first filter row, minus 16
  int32_t* sums_end;           // 28: sums + 8 * groups
  const int8_t* x;             // 32: the first pair's first pixel (4-byte aligned)
  const int8_t* x_end;         // 36: x + 128 * pairs
  int8_t* out;                 // 40: the first pair's first output
  int32_t out_skip;            // 44: bytes from out + 4 * groups to the next pair's out
  int16x8_t lo, hi;            // 48, 64: the output stage's range
  uint16x8_t offsets;          // 80: the pair's scatter offsets (pair_offsets)
};

// Every pair of the job, every group: requantized with right shifts only and no tie step
// (the output stage hides it; see ties_visible).
extern "C" void qb_mve_pointwise_depth64(const Depth64PairsJob* job);

}  // namespace qb::kernels::mve

#endif
