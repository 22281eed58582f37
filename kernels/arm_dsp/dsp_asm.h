// Instruction sequences shared by the DSP kernels' assembly loops (matmul_dsp.cc,
// matvec_dsp.cc), as string macros to paste into a top-level __asm__ block.
#pragma once

// The start of a global Thumb function NAME that keeps its argument (the job pointer) at
// [sp] and saves every callee-saved register, and its end (the return, then the size; code
// kept out of the main path can sit between them).
#define QB_DSP_ASM_BEGIN(NAME)      \
  ".text\n\t"                      \
  ".syntax unified\n\t"            \
  ".thumb\n\t"                     \
  ".p2align 2\n\t"                 \
  ".global " NAME "\n\t"           \
  ".thumb_func\n\t"                \
  ".type " NAME ", %function\n"     \
  NAME ":\n\t"                     \
  "push {r0, r4-r11, lr}\n"
#define QB_DSP_ASM_RETURN "pop {r0, r4-r11, pc}\n\t"
#define QB_DSP_ASM_SIZE(NAME) ".size " NAME ", . - " NAME "\n\t"
#define QB_DSP_ASM_END(NAME) QB_DSP_ASM_RETURN QB_DSP_ASM_SIZE(NAME)

// Fast requantization (requant_dsp.h) of an accumulator that already holds 2 * acc (a
// loop whose weights are doubled in its table gets the doubling for free), in register
// ACC, whose channel's {multiplier, round, right_shift} are in M, K, R: c = round +
// [acc < 0] in r10 (2 * acc has acc's sign: the fast path bounds |acc| < 2^30), then
// SMMLAR(2 * acc, M, c) >> R, saturated to int8. Clobbers r10.
#define QB_DSP_REQUANT_DOUBLED(ACC, M, K, R) \
  "add r10, " K ", " ACC ", asr #31\n\t"   \
  QB_DSP_REQUANT_DOUBLED_TIES_UP(ACC, M, "r10", R)

// The same without the [acc < 0] term, so ties round toward +infinity: for outputs whose
// activation floor hides the difference (rounding_ties_visible is false). Three
// instructions; clobbers nothing else.
#define QB_DSP_REQUANT_DOUBLED_TIES_UP(ACC, M, K, R) \
  "smmlar " ACC ", " ACC ", " M ", " K "\n\t"      \
  "asr " ACC ", " ACC ", " R "\n\t"                \
  "ssat " ACC ", #8, " ACC "\n\t"

// The same for the plain accumulator acc: doubled first.
#define QB_DSP_REQUANT(ACC, M, K, R) \
  "lsl " ACC ", " ACC ", #1\n\t"   \
  QB_DSP_REQUANT_DOUBLED(ACC, M, K, R)
#define QB_DSP_REQUANT_TIES_UP(ACC, M, K, R) \
  "lsl " ACC ", " ACC ", #1\n\t"           \
  QB_DSP_REQUANT_DOUBLED_TIES_UP(ACC, M, K, R)

// The same for a wide entry (requant_dsp.h), exact for any acc: r10:lr = the 64-bit K
// for acc's sign (low word 0x40000000 | sign bit, high word round - [acc < 0]), SMLAL adds
// acc * M, the high word shifted by R is the result; the offset, in register OFF, is added
// after. Clobbers r10 and lr.
#define QB_DSP_REQUANT_WIDE(ACC, M, K, R, OFF)   \
  "and r10, " ACC ", #0x80000000\n\t"          \
  "orr r10, r10, #0x40000000\n\t"              \
  "add lr, " K ", " ACC ", asr #31\n\t"        \
  "smlal r10, lr, " ACC ", " M "\n\t"          \
  "asr " ACC ", lr, " R "\n\t"                 \
  "add " ACC ", " ACC ", " OFF "\n\t"          \
  "ssat " ACC ", #8, " ACC "\n\t"

// The wide form with the offset in r11, which the cores' loops load there once their
// blocks are done: a macro of four arguments, as the loop bodies call REQ.
#define QB_DSP_REQUANT_WIDE_R11(ACC, M, K, R) QB_DSP_REQUANT_WIDE(ACC, M, K, R, "r11")

// The four accumulators of a 2-column x 2-channel pass requantized by REQ (one of the
// macros above) and packed: r0 and r2 (columns A and B of channel 0) with channel 0's
// constants in M0, K0, R0, r1 and r3 with channel 1's in M1, K1, R1; then column A's two
// bytes in r0's low halfword and column B's in r2's, ready for STRH.
#define QB_DSP_REQUANT_2X2(REQ, M0, K0, R0, M1, K1, R1) \
  REQ("r0", M0, K0, R0)                                \
  REQ("r2", M0, K0, R0)                                \
  REQ("r1", M1, K1, R1)                                \
  REQ("r3", M1, K1, R1)                                \
  "bfi r0, r1, #8, #8\n\t"                              \
  "bfi r2, r3, #8, #8\n\t"

// The activation clamp of four packed int8 results in V, bytewise between the splatted
// bounds in LO and HI: SSUB8 sets GE per byte, SEL picks. Clobbers r10.
#define QB_DSP_CLAMP_BYTES(V, LO, HI)     \
  "ssub8 r10, " V ", " LO "\n\t"          \
  "sel " V ", " V ", " LO "\n\t"          \
  "ssub8 r10, " V ", " HI "\n\t"          \
  "sel " V ", " HI ", " V "\n\t"
