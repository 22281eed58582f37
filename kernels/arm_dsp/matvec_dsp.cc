// The channel-quad loop of the one-row multiply core (matvec_dsp.h), fast requantization
// only, as assembly.
//
// Why assembly: the block loop keeps four accumulators, the row's two words, two weight
// pointers (rows 0/1 and 2/3, each pair a row stride apart), the stride, a counter and
// four temporaries live: all fourteen usable registers, which GCC 12 does not manage
// without spilling in the loop.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <cstddef>

#include "kernels/arm_dsp/dsp_asm.h"
#include "kernels/arm_dsp/matvec_dsp.h"

namespace qb::kernels::dsp {

static_assert(offsetof(MatvecJob, col) == 0 && offsetof(MatvecJob, weights) == 4 &&
              offsetof(MatvecJob, k) == 8 && offsetof(MatvecJob, full_blocks) == 12 &&
              offsetof(MatvecJob, folded_bias) == 16 && offsetof(MatvecJob, quant) == 20 &&
              offsetof(MatvecJob, tail_back) == 24 && offsetof(MatvecJob, out) == 28 &&
              offsetof(MatvecJob, quads) == 32 && offsetof(MatvecJob, act_min4) == 36 &&
              offsetof(MatvecJob, act_max4) == 40 && offsetof(MatvecJob, quant_step) == 44 &&
              offsetof(MatvecJob, output_offset) == 48 && offsetof(MatvecJob, pairs_end) == 52 &&
              offsetof(MatvecJob, pairs_odd) == 56,
              "the assembly below addresses MatvecJob by these offsets");
static_assert(sizeof(ChannelQuant) == 12, "the assembly loads two ChannelQuant with one LDM");

// Register use per quad: r0-r3 accumulators (channels 0-3), r4 row pointer, r5 weight
// pointer of row 0 (row 1 at r5 + r6), r10 of row 2 (row 3 at r10 + r6), r6 k, r7 block
// count, r8 / r9 one block's even and odd row words, r11 / r12 / lr weight words.
#define QB_MATVEC_BLOCK          \
  "ldrd r8, r9, [r4], #8\n\t"    \
  "ldr r11, [r5, r6]\n\t"        \
  "ldr lr, [r5], #4\n\t"         \
  "sxtb16 r12, lr\n\t"           \
  "sxtb16 lr, lr, ror #8\n\t"    \
  "smlad r0, r8, r12, r0\n\t"    \
  "smlad r0, r9, lr, r0\n\t"     \
  "sxtb16 r12, r11\n\t"          \
  "sxtb16 r11, r11, ror #8\n\t"  \
  "smlad r1, r8, r12, r1\n\t"    \
  "smlad r1, r9, r11, r1\n\t"    \
  "ldr r11, [r10, r6]\n\t"       \
  "ldr lr, [r10], #4\n\t"        \
  "sxtb16 r12, lr\n\t"           \
  "sxtb16 lr, lr, ror #8\n\t"    \
  "smlad r2, r8, r12, r2\n\t"    \
  "smlad r2, r9, lr, r2\n\t"     \
  "sxtb16 r12, r11\n\t"          \
  "sxtb16 r11, r11, ror #8\n\t"  \
  "smlad r3, r8, r12, r3\n\t"    \
  "smlad r3, r9, r11, r3\n\t"

// With the job in r12: channels 0 and 1 requantized from the table's first two entries
// (one LDM; PRE readies what REQ needs), then lr at the third entry. The table pointer is
// reloaded since a wide REQ takes lr.
#define QB_MATVEC_REQUANT_01(PRE, REQ)        \
  "ldr lr, [r12, #20]\n\t"                    \
  "ldm lr, {r4, r5, r6, r7, r8, r9}\n\t"      \
  PRE                                         \
  REQ("r0", "r4", "r5", "r6")                 \
  REQ("r1", "r7", "r8", "r9")                 \
  "ldr lr, [r12, #20]\n\t"                    \
  "add lr, lr, #24\n\t"

// The table pointer moved on by quant_step.
#define QB_MATVEC_NEXT_QUANT                  \
  "ldr lr, [r12, #20]\n\t"                    \
  "ldr r4, [r12, #44]\n\t"                    \
  "add lr, lr, r4\n\t"                        \
  "str lr, [r12, #20]\n\t"

// Per quad: biases into the accumulators, an odd block alone, then pairs of blocks, the
// overlapping tail block; the next quad's rows start 3 k past where row 0 ended. Then the
// four channels' requantization (two LDMs of two entries, the table pointer reloaded
// since a wide REQ takes lr; PRE readies what REQ needs),
// the four bytes packed into one word, clamped, and stored with one (unaligned) STR.
#define QB_MATVEC_BODY(NAME, PRE, REQ, CLAMP) \
  QB_DSP_ASM_BEGIN(NAME)                      \
  "1:\n\t"                                    \
  "ldr r12, [sp]\n\t"                         \
  "ldm r12, {r4, r5, r6, r7, lr}\n\t"         \
  "ldm lr!, {r0, r1, r2, r3}\n\t"             \
  "str lr, [r12, #16]\n\t"                    \
  "add r10, r5, r6, lsl #1\n\t"               \
  "tst r7, #1\n\t"                            \
  "beq 4f\n\t"                                \
  QB_MATVEC_BLOCK                             \
  "4:\n\t"                                    \
  "lsrs r7, r7, #1\n\t"                       \
  "beq 5f\n"                                  \
  "2:\n\t"                                    \
  QB_MATVEC_BLOCK                             \
  QB_MATVEC_BLOCK                             \
  "subs r7, r7, #1\n\t"                       \
  "bne 2b\n"                                  \
  "5:\n\t"                                    \
  "ldr r12, [sp]\n\t"                         \
  "ldr r7, [r12, #24]\n\t"                    \
  "cbz r7, 3f\n\t"                            \
  "sub r5, r5, r7\n\t"                        \
  "sub r10, r10, r7\n\t"                      \
  QB_MATVEC_BLOCK                             \
  "ldr r12, [sp]\n"                           \
  "3:\n\t"                                    \
  "add r5, r5, r6, lsl #1\n\t"                \
  "add r5, r5, r6\n\t"                        \
  "str r5, [r12, #4]\n\t"                     \
  QB_MATVEC_REQUANT_01(PRE, REQ)              \
  "ldm lr, {r4, r5, r6, r7, r8, r9}\n\t"      \
  REQ("r2", "r4", "r5", "r6")                 \
  REQ("r3", "r7", "r8", "r9")                 \
  QB_MATVEC_NEXT_QUANT                        \
  "bfi r0, r1, #8, #8\n\t"                    \
  "bfi r0, r2, #16, #8\n\t"                   \
  "bfi r0, r3, #24, #8\n\t"                   \
  CLAMP                                       \
  "ldr r4, [r12, #28]\n\t"                    \
  "str r0, [r4], #4\n\t"                      \
  "str r4, [r12, #28]\n\t"                    \
  "ldr r4, [r12, #32]\n\t"                    \
  "subs r4, r4, #1\n\t"                       \
  "str r4, [r12, #32]\n\t"                    \
  "bne 1b\n\t"                                \
  QB_DSP_ASM_END(NAME)

// Both activation bounds, bytewise.
#define QB_MATVEC_CLAMP                   \
  "ldrd r4, r5, [r12, #36]\n\t"           \
  QB_DSP_CLAMP_BYTES("r0", "r4", "r5")

// Wide entries: the output offset, loaded into r11 (free once the blocks are done), is
// added after each shift. Only a clamped variant: the clamp costs less than another copy.

// ---- Three channels a pass ----------------------------------------------------------
//
// Registers: r0-r2 accumulators (channels 0-2), r4 row pointer, r5 / r6 / r7 the three
// weight rows, r8-r11 two blocks' row words (block 0 even, odd, block 1 even, odd), r3,
// r12, lr weight words and their halves. The job's address is at [sp, #4] and the row
// pointer after the pairs at [sp]. Each channel's MACs are spread between the SXTB16s and
// the next channel's LDM, so that no MAC reads the accumulator the one before it wrote
// (Cortex-M33 would wait a cycle). CHECK sits between the last two MACs of a step: the
// loop's load of the end, or nothing in the first half of the unrolled pair.
#define QB_MATVEC3_STEP(CHECK)           \
  "ldm r4!, {r8, r9, r10, r11}\n\t"      \
  "ldm r5!, {r12, lr}\n\t"               \
  "sxtb16 r3, r12\n\t"                   \
  "sxtb16 r12, r12, ror #8\n\t"          \
  "smlad r0, r8, r3, r0\n\t"             \
  "sxtb16 r3, lr\n\t"                    \
  "smlad r0, r9, r12, r0\n\t"            \
  "sxtb16 lr, lr, ror #8\n\t"            \
  "smlad r0, r10, r3, r0\n\t"            \
  "ldm r6!, {r3, r12}\n\t"               \
  "smlad r0, r11, lr, r0\n\t"            \
  "sxtb16 lr, r3\n\t"                    \
  "sxtb16 r3, r3, ror #8\n\t"            \
  "smlad r1, r8, lr, r1\n\t"             \
  "sxtb16 lr, r12\n\t"                   \
  "smlad r1, r9, r3, r1\n\t"             \
  "sxtb16 r12, r12, ror #8\n\t"          \
  "smlad r1, r10, lr, r1\n\t"            \
  "ldm r7!, {r3, lr}\n\t"                \
  "smlad r1, r11, r12, r1\n\t"           \
  "sxtb16 r12, r3\n\t"                   \
  "sxtb16 r3, r3, ror #8\n\t"            \
  "smlad r2, r8, r12, r2\n\t"            \
  "sxtb16 r12, lr\n\t"                   \
  "smlad r2, r9, r3, r2\n\t"             \
  "sxtb16 lr, lr, ror #8\n\t"            \
  "smlad r2, r10, r12, r2\n\t"           \
  CHECK                                  \
  "smlad r2, r11, lr, r2\n\t"

// One block (an odd first one, or the overlapping tail) for the three channels.
#define QB_MATVEC3_BLOCK                 \
  "ldrd r8, r9, [r4], #8\n\t"            \
  "ldr r12, [r5], #4\n\t"                \
  "sxtb16 r3, r12\n\t"                   \
  "sxtb16 r12, r12, ror #8\n\t"          \
  "smlad r0, r8, r3, r0\n\t"             \
  "ldr lr, [r6], #4\n\t"                 \
  "smlad r0, r9, r12, r0\n\t"            \
  "sxtb16 r3, lr\n\t"                    \
  "sxtb16 lr, lr, ror #8\n\t"            \
  "smlad r1, r8, r3, r1\n\t"             \
  "ldr r12, [r7], #4\n\t"                \
  "smlad r1, r9, lr, r1\n\t"             \
  "sxtb16 r3, r12\n\t"                   \
  "sxtb16 r12, r12, ror #8\n\t"          \
  "smlad r2, r8, r3, r2\n\t"             \
  "smlad r2, r9, r12, r2\n\t"

// The three bytes stored: one by one, or packed, clamped bytewise and stored as a
// halfword and a byte. r4 is the output pointer on entry (advanced past them).
#define QB_MATVEC3_STORE                 \
  "strb r0, [r4]\n\t"                    \
  "strb r1, [r4, #1]\n\t"                \
  "strb r2, [r4, #2]\n\t"
#define QB_MATVEC3_STORE_CLAMPED         \
  "bfi r0, r1, #8, #8\n\t"               \
  "bfi r0, r2, #16, #8\n\t"              \
  "ldrd r5, r6, [r12, #36]\n\t"          \
  QB_DSP_CLAMP_BYTES("r0", "r5", "r6")   \
  "strh r0, [r4]\n\t"                    \
  "lsr r0, r0, #16\n\t"                  \
  "strb r0, [r4, #2]\n\t"

// Per triple: biases into the accumulators and the rows k apart; an odd first block, then
// the pairs of blocks two steps a loop pass (an odd pair count enters at the second
// step), then the overlapping tail block. The weights move on three rows and the table
// by quant_step; the requantization is the quads' (REQ, PRE).
#define QB_MATVEC3_BODY(NAME, PRE, REQ, STORE)  \
  QB_DSP_ASM_BEGIN(NAME)                        \
  "ldr r1, [r0, #52]\n\t"                       \
  "push {r1}\n"                                 \
  "1:\n\t"                                      \
  "ldr r12, [sp, #4]\n\t"                       \
  "ldm r12, {r4, r5, r6, r7, lr}\n\t"           \
  "ldm lr!, {r0, r1, r2}\n\t"                   \
  "str lr, [r12, #16]\n\t"                      \
  "tst r7, #1\n\t"                              \
  "add r7, r5, r6, lsl #1\n\t"                  \
  "add r6, r5, r6\n\t"                          \
  "beq 4f\n\t"                                  \
  QB_MATVEC3_BLOCK                              \
  "4:\n\t"                                      \
  "ldr r3, [sp]\n\t"                            \
  "cmp r4, r3\n\t"                              \
  "beq 5f\n\t"                                  \
  "ldr r3, [sp, #4]\n\t"                        \
  "ldr r3, [r3, #56]\n\t"                       \
  "cmp r3, #0\n\t"                              \
  "bne 3f\n"                                    \
  "2:\n\t"                                      \
  QB_MATVEC3_STEP("")                           \
  "3:\n\t"                                      \
  QB_MATVEC3_STEP("ldr r3, [sp]\n\t")           \
  "cmp r4, r3\n\t"                              \
  "bne 2b\n"                                    \
  "5:\n\t"                                      \
  "ldr r12, [sp, #4]\n\t"                       \
  "ldr r3, [r12, #24]\n\t"                      \
  "cbz r3, 6f\n\t"                              \
  "sub r5, r5, r3\n\t"                          \
  "sub r6, r6, r3\n\t"                          \
  "sub r7, r7, r3\n\t"                          \
  QB_MATVEC3_BLOCK                              \
  "ldr r12, [sp, #4]\n"                         \
  "6:\n\t"                                      \
  QB_MATVEC_REQUANT_01(PRE, REQ)                \
  "ldm lr, {r4, r5, r6}\n\t"                    \
  REQ("r2", "r4", "r5", "r6")                   \
  QB_MATVEC_NEXT_QUANT                          \
  "ldrd r4, r5, [r12, #4]\n\t"                  \
  "add r4, r4, r5, lsl #1\n\t"                  \
  "add r4, r4, r5\n\t"                          \
  "str r4, [r12, #4]\n\t"                       \
  "ldr r4, [r12, #28]\n\t"                      \
  STORE                                         \
  "add r4, r4, #3\n\t"                          \
  "str r4, [r12, #28]\n\t"                      \
  "ldr r4, [r12, #32]\n\t"                      \
  "subs r4, r4, #1\n\t"                         \
  "str r4, [r12, #32]\n\t"                      \
  "bne 1b\n\t"                                  \
  "add sp, sp, #4\n\t"                          \
  QB_DSP_ASM_END(NAME)

__asm__(QB_MATVEC3_BODY("qb_dsp_matvec_triples", "", QB_DSP_REQUANT, QB_MATVEC3_STORE)
        QB_MATVEC3_BODY("qb_dsp_matvec_triples_clamped", "", QB_DSP_REQUANT,
                        QB_MATVEC3_STORE_CLAMPED)
        QB_MATVEC3_BODY("qb_dsp_matvec_triples_wide", "ldr r11, [r12, #48]\n\t",
                        QB_DSP_REQUANT_WIDE_R11, QB_MATVEC3_STORE_CLAMPED));

__asm__(QB_MATVEC_BODY("qb_dsp_matvec_quads", "", QB_DSP_REQUANT, "")
        QB_MATVEC_BODY("qb_dsp_matvec_quads_clamped", "", QB_DSP_REQUANT, QB_MATVEC_CLAMP)
        QB_MATVEC_BODY("qb_dsp_matvec_quads_wide", "ldr r11, [r12, #48]\n\t",
                       QB_DSP_REQUANT_WIDE_R11, QB_MATVEC_CLAMP));

}  // namespace qb::kernels::dsp
#endif
