// Pieces of the Helium kernels' assembly (conv2d_pair_mve.cc, row_windows_mve.cc,
// depthwise_columns_mve.cc), as string macros to paste into a top-level __asm__ block.
#pragma once

// A global Thumb label: a function's entry, or a place inside one as a code address C++
// can take (bit 0 set).
#define QB_MVE_ASM_LABEL(NAME)  \
  ".global " NAME "\n\t"        \
  ".thumb_func\n\t"             \
  ".type " NAME ", %function\n" \
  NAME ":\n\t"

// The start of a global Thumb function NAME: word-aligned, unified syntax.
#define QB_MVE_ASM_FUNCTION(NAME) \
  ".text\n\t"                     \
  ".syntax unified\n\t"           \
  ".thumb\n\t"                    \
  ".p2align 2\n\t"                \
  QB_MVE_ASM_LABEL(NAME)
