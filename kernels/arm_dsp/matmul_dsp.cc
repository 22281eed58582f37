// The channel-pair loop of the 2-column multiply core (matmul_dsp.h), fast requantization
// only, as assembly.
//
// Why assembly: per channel pair the loop keeps four accumulators, four column words, two
// weight words and four pointers/counters live through the block loop, then needs two
// channels' requantization constants, the clamp bounds and the output pointers. That is
// more than the 14 usable registers, and GCC 12 spills inside the block loop and around
// it (about 118 instructions per pair for k = 8, against 45 + 16 per block here). The
// loop's state lives in a MatmulJob on the caller's stack, reloaded at the few points
// where the registers turn over. ACLE has no LDM, so the intrinsics cannot express the
// four-word column load either.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <cstddef>

#include "kernels/arm_dsp/dsp_asm.h"
#include "kernels/arm_dsp/matmul_dsp.h"

namespace qb::kernels::dsp {

static_assert(offsetof(MatmulJob, cols) == 0 && offsetof(MatmulJob, weights) == 4 &&
              offsetof(MatmulJob, row_minus4) == 8 && offsetof(MatmulJob, full_blocks) == 12 &&
              offsetof(MatmulJob, folded_bias) == 16 && offsetof(MatmulJob, quant) == 20 &&
              offsetof(MatmulJob, tail_back) == 24 && offsetof(MatmulJob, out_a) == 28 &&
              offsetof(MatmulJob, out_b) == 32 && offsetof(MatmulJob, pairs) == 36 &&
              offsetof(MatmulJob, act_min4) == 40 && offsetof(MatmulJob, act_max4) == 44 &&
              offsetof(MatmulJob, output_offset) == 48,
              "the assembly below addresses MatmulJob by these offsets");
static_assert(sizeof(ChannelQuant) == 12, "the assembly loads two ChannelQuant with one LDM");

// The blocks go two per loop pass (the count and branch are paid per 8 k); an odd block
// count takes one block first, out of line after the return so that the common even
// count falls through (Cortex-M7 predicts a forward branch not taken), and goes on to
// the loop or past it by the Z flag of the LSRS that halved the count (the block's
// instructions leave the flags alone).
// Register use per pair: r0-r3 accumulators (A ch0, A ch1, B ch0, B ch1), r4 column
// pointer, r5 weight pointer (row 0; row 1 is r5 + r6 + 4 after its post-increment), r6
// k - 4, r7 block count, r8-r11 one block's column words, r12 / lr weight words. After the
// blocks r4-r11 hold the two channels' {multiplier, round, right_shift}. No SMLAD reads
// the accumulator the one before it wrote (Cortex-M33 would wait a cycle).
#define QB_MATMUL_BLOCK                  \
  "ldm r4!, {r8, r9, r10, r11}\n\t"      \
  "ldr lr, [r5], #4\n\t"                 \
  "sxtb16 r12, lr\n\t"                   \
  "sxtb16 lr, lr, ror #8\n\t"            \
  "smlad r0, r8, r12, r0\n\t"            \
  "smlad r2, r10, r12, r2\n\t"           \
  "smlad r0, r9, lr, r0\n\t"             \
  "smlad r2, r11, lr, r2\n\t"            \
  "ldr lr, [r5, r6]\n\t"                 \
  "sxtb16 r12, lr\n\t"                   \
  "sxtb16 lr, lr, ror #8\n\t"            \
  "smlad r1, r8, r12, r1\n\t"            \
  "smlad r3, r10, r12, r3\n\t"           \
  "smlad r1, r9, lr, r1\n\t"             \
  "smlad r3, r11, lr, r3\n\t"

#define QB_MATMUL_BODY(NAME, PRE, REQ, CLAMP)                                     \
  QB_DSP_ASM_BEGIN(NAME)                      \
  "1:\n\t"                                                                   \
  "ldr r12, [sp]\n\t"                                                        \
  "ldm r12, {r4, r5, r6, r7, lr}\n\t"                                        \
  "ldrd r0, r1, [lr], #8\n\t"                                                \
  "str lr, [r12, #16]\n\t"                                                   \
  "mov r2, r0\n\t"                                                           \
  "mov r3, r1\n\t"                                                           \
  "lsrs r7, r7, #1\n\t"                                                      \
  "bcs 5f\n"                                                                 \
  "2:\n\t"                                                                   \
  QB_MATMUL_BLOCK                                                            \
  QB_MATMUL_BLOCK                                                            \
  "subs r7, r7, #1\n\t"                                                      \
  "bne 2b\n"                                                                 \
  "4:\n\t"                                                                   \
  "ldr r12, [sp]\n\t"                                                        \
  "ldr r7, [r12, #24]\n\t"                                                   \
  "cbz r7, 3f\n\t"                                                           \
  "sub r5, r5, r7\n\t"                                                       \
  QB_MATMUL_BLOCK                                                            \
  "ldr r12, [sp]\n"                                                          \
  "3:\n\t"                                                                   \
  "add r5, r5, r6\n\t"                                                       \
  "add r5, r5, #4\n\t"                                                       \
  "str r5, [r12, #4]\n\t"                                                    \
  "ldr lr, [r12, #20]\n\t"                                                   \
  "ldmia lr!, {r4, r5, r6, r7, r8, r9}\n\t"                                  \
  "str lr, [r12, #20]\n\t"                                                   \
  PRE                                                                        \
  QB_DSP_REQUANT_2X2(REQ, "r4", "r5", "r6", "r7", "r8", "r9")                \
  CLAMP                                                                      \
  "ldrd r4, r5, [r12, #28]\n\t"                                              \
  "strh r2, [r5], #2\n\t"                                                    \
  "strh r0, [r4], #2\n\t"                                                    \
  "strd r4, r5, [r12, #28]\n\t"                                              \
  "ldr r4, [r12, #36]\n\t"                                                   \
  "subs r4, r4, #1\n\t"                                                      \
  "str r4, [r12, #36]\n\t"                                                   \
  "bne 1b\n\t"                                                               \
  QB_DSP_ASM_RETURN                                                          \
  "5:\n\t"                                                                   \
  QB_MATMUL_BLOCK                                                            \
  "bne 2b\n\t"                                                               \
  "b 4b\n\t"                                                                 \
  QB_DSP_ASM_SIZE(NAME)

// Both activation bounds, bytewise.
#define QB_MATMUL_CLAMP                   \
  "ldrd r4, r5, [r12, #40]\n\t"           \
  QB_DSP_CLAMP_BYTES("r0", "r4", "r5")    \
  QB_DSP_CLAMP_BYTES("r2", "r4", "r5")

// Wide entries: the output offset, loaded into r11 (free once the blocks are done), is
// added after each shift. Only a clamped variant: the clamp costs less than another copy.

__asm__(QB_MATMUL_BODY("qb_dsp_matmul_pairs", "", QB_DSP_REQUANT, "")
        QB_MATMUL_BODY("qb_dsp_matmul_pairs_clamped", "", QB_DSP_REQUANT, QB_MATMUL_CLAMP)
        QB_MATMUL_BODY("qb_dsp_matmul_pairs_ties_up", "", QB_DSP_REQUANT_TIES_UP, "")
        QB_MATMUL_BODY("qb_dsp_matmul_pairs_ties_up_clamped", "", QB_DSP_REQUANT_TIES_UP,
                       QB_MATMUL_CLAMP)
        QB_MATMUL_BODY("qb_dsp_matmul_pairs_wide", "ldr r11, [r12, #48]\n\t",
                       QB_DSP_REQUANT_WIDE_R11, QB_MATMUL_CLAMP));

}  // namespace qb::kernels::dsp
#endif
