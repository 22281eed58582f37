// The fixed-depth pixel pairs of fixed_depth_pairs_mve.h, as assembly.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include "kernels/arm_mve/fixed_depth_pairs_mve.h"

#include <cstddef>

#include "kernels/arm_mve/conv2d_pair_mve.h"
#include "kernels/arm_mve/mve_asm.h"

namespace qb::kernels::mve {

static_assert(offsetof(FixedDepthPairsJob, bias) == 4 &&
                  offsetof(FixedDepthPairsJob, multiplier) == 8 &&
                  offsetof(FixedDepthPairsJob, shift) == 12 &&
                  offsetof(FixedDepthPairsJob, groups) == 16 &&
                  offsetof(FixedDepthPairsJob, offset) == 20 &&
                  offsetof(FixedDepthPairsJob, rows) == 24 &&
                  offsetof(FixedDepthPairsJob, sums_end) == 28 &&
                  offsetof(FixedDepthPairsJob, x) == 32 &&
                  offsetof(FixedDepthPairsJob, out) == 36 &&
                  offsetof(FixedDepthPairsJob, x_end) == 40 &&
                  offsetof(FixedDepthPairsJob, out_skip) == 44 &&
                  offsetof(FixedDepthPairsJob, pair_bytes) == 48 &&
                  offsetof(FixedDepthPairsJob, groups_of_depth) == 52 &&
                  offsetof(FixedDepthPairsJob, lo) == 64 &&
                  offsetof(FixedDepthPairsJob, hi) == 80 &&
                  offsetof(FixedDepthPairsJob, offsets) == 96,
              "the assembly below addresses FixedDepthPairsJob by these offsets");

// One 16-byte chunk of a group: the first pixel's chunk in A, the second's in B (LOAD_B
// loads it into q0 where it is not held), and the four filter rows' chunks at r1 + ROW0..3
// (the last with the writeback that moves r1 on to the next group), alternating between
// q1 and q2. OP is vmladav for the first chunk (it sets the sums), vmladava after.
// Accumulators: the first pixel in r0, r2, r4, r6, the second in r8, r10, r12, lr
// (channels 0-3). Loads alternate with products where they can (the two pipes overlap).
#define QB_MVE_FIXED_DEPTH_CHUNK(OP, A, B, LOAD_B, ROW0, ROW1, ROW2, ROW3_ADDRESS) \
  "vldrw.u32 q1, [r1, #" ROW0 "]\n\t"                                              \
  OP ".s8 r0, " A ", q1\n\t"                                                       \
  LOAD_B                                                                           \
  OP ".s8 r8, " B ", q1\n\t"                                                       \
  "vldrw.u32 q2, [r1, #" ROW1 "]\n\t"                                              \
  OP ".s8 r2, " A ", q2\n\t"                                                       \
  OP ".s8 r10, " B ", q2\n\t"                                                      \
  "vldrw.u32 q1, [r1, #" ROW2 "]\n\t"                                              \
  OP ".s8 r4, " A ", q1\n\t"                                                       \
  OP ".s8 r12, " B ", q1\n\t"                                                      \
  "vldrw.u32 q2, " ROW3_ADDRESS "\n\t"                                             \
  OP ".s8 r6, " A ", q2\n\t"                                                       \
  OP ".s8 lr, " B ", q2\n\t"

// The groups of one pair, entered by BLX with r5 at the pair, r1 trailing the first
// group's rows by 16 (so that the last load's writeback leaves it trailing the next
// group's), r3 at the sums and r7 at their end; the pair's RESIDENTS chunks are loaded
// once, then per group the CHUNKS and one STM of the eight sums. It leaves r5, r9 and r11
// alone and overwrites every other core register and q0-q7; lr is an accumulator, so the
// return address waits on the stack.
#define QB_MVE_FIXED_DEPTH_GROUPS(NAME, RESIDENTS, CHUNKS)  \
  QB_MVE_ASM_FUNCTION(NAME)                                 \
  "push {lr}\n\t"                                           \
  RESIDENTS                                                 \
  "1:\n\t"                                                  \
  CHUNKS                                                    \
  "stm r3!, {r0, r2, r4, r6, r8, r10, r12, lr}\n\t"         \
  "cmp r3, r7\n\t"                                          \
  "bne 1b\n\t"                                              \
  "pop {pc}\n\t"                                            \
  ".size " NAME ", . - " NAME "\n\t"

// 32 deep: row c's chunk k at 16 + 32c + 16k; the whole pair stays in q4-q7.
// 64 deep: row c's chunk k at 16 + 64c + 16k; the first pixel stays in q4-q7, the
// second's first chunk in q3, its others load from r5 + 64 + 16k.
__asm__(QB_MVE_FIXED_DEPTH_GROUPS(
            "qb_mve_fixed_depth_groups_32",
            "vldrw.u32 q4, [r5]\n\t"
            "vldrw.u32 q5, [r5, #16]\n\t"
            "vldrw.u32 q6, [r5, #32]\n\t"
            "vldrw.u32 q7, [r5, #48]\n\t",
            QB_MVE_FIXED_DEPTH_CHUNK("vmladav", "q4", "q6", "", "16", "48", "80", "[r1, #112]")
                QB_MVE_FIXED_DEPTH_CHUNK("vmladava", "q5", "q7", "", "32", "64", "96",
                                         "[r1, #128]!"))
            QB_MVE_FIXED_DEPTH_GROUPS(
                "qb_mve_fixed_depth_groups_64",
                "vldrw.u32 q4, [r5]\n\t"
                "vldrw.u32 q5, [r5, #16]\n\t"
                "vldrw.u32 q6, [r5, #32]\n\t"
                "vldrw.u32 q7, [r5, #48]\n\t"
                "vldrw.u32 q3, [r5, #64]\n\t",
                QB_MVE_FIXED_DEPTH_CHUNK("vmladav", "q4", "q3", "", "16", "80", "144",
                                         "[r1, #208]")
                    QB_MVE_FIXED_DEPTH_CHUNK("vmladava", "q5", "q0",
                                             "vldrw.u32 q0, [r5, #80]\n\t", "32", "96", "160",
                                             "[r1, #224]")
                        QB_MVE_FIXED_DEPTH_CHUNK("vmladava", "q6", "q0",
                                                 "vldrw.u32 q0, [r5, #96]\n\t", "48", "112",
                                                 "176", "[r1, #240]")
                            QB_MVE_FIXED_DEPTH_CHUNK("vmladava", "q7", "q0",
                                                     "vldrw.u32 q0, [r5, #112]\n\t", "64",
                                                     "128", "192", "[r1, #256]!")));

// Registers across pairs: r9 the job, r5 the pair's pixels, r11 its first output. Per
// pair: the depth's groups (BLX), then the stores with the stage's vectors in q5-q7 (the
// macro takes q0-q4 and lr), and the steps.
__asm__(QB_MVE_ASM_FUNCTION("qb_mve_fixed_depth_pairs")
        "push {r4-r11, lr}\n\t"
        "vpush {d8-d15}\n\t"
        "mov r9, r0\n\t"
        "ldrd r5, r11, [r9, #32]\n"
        "2:\n\t"
        "ldr r3, [r9]\n\t"
        "ldrd r1, r7, [r9, #24]\n\t"
        "ldr r0, [r9, #52]\n\t"
        "blx r0\n\t"
        "ldm r9, {r0, r1, r2, r3, r4, r6}\n\t"
        "vldrw.u32 q5, [r9, #64]\n\t"
        "vldrw.u32 q6, [r9, #80]\n\t"
        "vldrw.u32 q7, [r9, #96]\n\t"
        QB_MVE_STORE_GROUPS_IN("", "", "r0", "r1", "r2", "r3", "r11", "r4", "r6", "q5", "q6",
                               "q7")
        "ldrd r0, r1, [r9, #40]\n\t"
        "ldr r2, [r9, #48]\n\t"
        "add r11, r11, r1\n\t"
        "add r5, r5, r2\n\t"
        "cmp r5, r0\n\t"
        "bne 2b\n\t"
        "vpop {d8-d15}\n\t"
        "pop {r4-r11, pc}\n\t"
        ".size qb_mve_fixed_depth_pairs, . - qb_mve_fixed_depth_pairs\n\t");

}  // namespace qb::kernels::mve
#endif
