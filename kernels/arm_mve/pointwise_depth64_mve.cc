// The 64-deep pixel pairs of pointwise_depth64_mve.h, as assembly.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include "kernels/arm_mve/pointwise_depth64_mve.h"

#include <cstddef>

#include "kernels/arm_mve/conv2d_pair_mve.h"
#include "kernels/arm_mve/mve_asm.h"

namespace qb::kernels::mve {

static_assert(offsetof(Depth64PairsJob, bias) == 4 &&
                  offsetof(Depth64PairsJob, multiplier) == 8 &&
                  offsetof(Depth64PairsJob, shift) == 12 && offsetof(Depth64PairsJob, groups) == 16 &&
                  offsetof(Depth64PairsJob, offset) == 20 && offsetof(Depth64PairsJob, rows) == 24 &&
                  offsetof(Depth64PairsJob, sums_end) == 28 && offsetof(Depth64PairsJob, x) == 32 &&
                  offsetof(Depth64PairsJob, x_end) == 36 && offsetof(Depth64PairsJob, out) == 40 &&
                  offsetof(Depth64PairsJob, out_skip) == 44 && offsetof(Depth64PairsJob, lo) == 48 &&
                  offsetof(Depth64PairsJob, hi) == 64 && offsetof(Depth64PairsJob, offsets) == 80,
              "the assembly below addresses Depth64PairsJob by these offsets");

// One 16-byte chunk k of the group: filter row c's chunk is at r1 + 16 + 64c + 16k (r1
// trails the group's rows by 16, so that the last load's writeback, #256, leaves it
// trailing the next group's). The first pixel's chunk is in A; the second pixel's is in
// q3 for k = 0, else loaded from r5 + 64 + 16k into q0. Rows alternate between q1 and q2.
// Accumulators: the first pixel in r0, r2, r4, r6, the second in r8, r10, r12, lr (channels
// 0-3). Loads alternate with products where they can (the two pipes overlap).
#define QB_MVE_DEPTH64_CHUNK0                  \
  "vldrw.u32 q1, [r1, #16]\n\t"                \
  "vmladav.s8 r0, q4, q1\n\t"                  \
  "vldrw.u32 q2, [r1, #80]\n\t"                \
  "vmladav.s8 r8, q3, q1\n\t"                  \
  "vmladav.s8 r2, q4, q2\n\t"                  \
  "vldrw.u32 q1, [r1, #144]\n\t"               \
  "vmladav.s8 r10, q3, q2\n\t"                 \
  "vmladav.s8 r4, q4, q1\n\t"                  \
  "vldrw.u32 q2, [r1, #208]\n\t"               \
  "vmladav.s8 r12, q3, q1\n\t"                 \
  "vmladav.s8 r6, q4, q2\n\t"                  \
  "vmladav.s8 lr, q3, q2\n\t"
#define QB_MVE_DEPTH64_CHUNK(A, ROW0, B, ROW1, ROW2, ROW3_ADDRESS) \
  "vldrw.u32 q1, [r1, #" ROW0 "]\n\t"          \
  "vmladava.s8 r0, " A ", q1\n\t"              \
  "vldrw.u32 q0, [r5, #" B "]\n\t"             \
  "vmladava.s8 r8, q0, q1\n\t"                 \
  "vldrw.u32 q2, [r1, #" ROW1 "]\n\t"          \
  "vmladava.s8 r2, " A ", q2\n\t"              \
  "vmladava.s8 r10, q0, q2\n\t"                \
  "vldrw.u32 q1, [r1, #" ROW2 "]\n\t"          \
  "vmladava.s8 r4, " A ", q1\n\t"              \
  "vmladava.s8 r12, q0, q1\n\t"                \
  "vldrw.u32 q2, " ROW3_ADDRESS "\n\t"           \
  "vmladava.s8 r6, " A ", q2\n\t"              \
  "vmladava.s8 lr, q0, q2\n\t"

// Registers across pairs: r9 the job, r5 the pair's pixels, r11 its first output. Per
// pair: the five resident chunks (q4-q7 the first pixel, q3 the second's first chunk),
// the groups (54 instructions each), then the stores with the stage's vectors in q5-q7
// (the macro takes q0-q4 and lr), and the steps.
__asm__(QB_MVE_ASM_FUNCTION("qb_mve_pointwise_depth64")
        "push {r4-r11, lr}\n\t"
        "vpush {d8-d15}\n\t"
        "mov r9, r0\n\t"
        "ldr r5, [r9, #32]\n\t"
        "ldr r11, [r9, #40]\n"
        "2:\n\t"
        "vldrw.u32 q4, [r5]\n\t"
        "vldrw.u32 q5, [r5, #16]\n\t"
        "vldrw.u32 q6, [r5, #32]\n\t"
        "vldrw.u32 q7, [r5, #48]\n\t"
        "vldrw.u32 q3, [r5, #64]\n\t"
        "ldr r3, [r9]\n\t"
        "ldrd r1, r7, [r9, #24]\n"
        "3:\n\t"
        QB_MVE_DEPTH64_CHUNK0
        QB_MVE_DEPTH64_CHUNK("q5", "32", "80", "96", "160", "[r1, #224]")
        QB_MVE_DEPTH64_CHUNK("q6", "48", "96", "112", "176", "[r1, #240]")
        QB_MVE_DEPTH64_CHUNK("q7", "64", "112", "128", "192", "[r1, #256]!")
        "stm r3!, {r0, r2, r4, r6, r8, r10, r12, lr}\n\t"
        "cmp r3, r7\n\t"
        "bne 3b\n\t"
        "ldm r9, {r0, r1, r2, r3, r4, r6}\n\t"
        "vldrw.u32 q5, [r9, #48]\n\t"
        "vldrw.u32 q6, [r9, #64]\n\t"
        "vldrw.u32 q7, [r9, #80]\n\t"
        QB_MVE_STORE_GROUPS_IN("", "", "r0", "r1", "r2", "r3", "r11", "r4", "r6", "q5", "q6",
                               "q7")
        "ldr r1, [r9, #44]\n\t"
        "adds r5, r5, #128\n\t"
        "ldr r0, [r9, #36]\n\t"
        "add r11, r11, r1\n\t"
        "cmp r5, r0\n\t"
        "bne 2b\n\t"
        "vpop {d8-d15}\n\t"
        "pop {r4-r11, pc}\n\t"
        ".size qb_mve_pointwise_depth64, . - qb_mve_pointwise_depth64\n\t");

}  // namespace qb::kernels::mve
#endif
