// The two-column, four-row dot product of conv2d_pair_mve.h, as assembly.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <cstddef>

#include "kernels/arm_mve/conv2d_pair_mve.h"

namespace qb::kernels::mve {

static_assert(offsetof(PairJob, pair) == 0 && offsetof(PairJob, row0) == 4 &&
              offsetof(PairJob, row1) == 8 && offsetof(PairJob, more_chunks) == 12 &&
              offsetof(PairJob, row2) == 16 && offsetof(PairJob, row3) == 20 &&
              offsetof(PairJob, tail_back) == 24 && offsetof(PairJob, sums) == 28,
              "the assembly below addresses PairJob by these offsets");

// One chunk: column A's 16 bytes in q1, B's in q0 (the next 16), the pointer past both;
// each row's 16 bytes in q2 against both. Accumulators: A in r0, r2, r4, r6; B in r8, r10,
// r12, lr. OP is vmladav for the first chunk (it sets them), vmladava after.
#define QB_MVE_PAIR_CHUNK(OP)          \
  "vldrb.u8 q0, [r1, #16]\n\t"         \
  "vldrb.u8 q1, [r1], #32\n\t"         \
  "vldrb.u8 q2, [r3], #16\n\t"         \
  OP ".s8 r0, q1, q2\n\t"              \
  OP ".s8 r8, q0, q2\n\t"              \
  "vldrb.u8 q2, [r5], #16\n\t"         \
  OP ".s8 r2, q1, q2\n\t"              \
  OP ".s8 r10, q0, q2\n\t"             \
  "vldrb.u8 q2, [r9], #16\n\t"         \
  OP ".s8 r4, q1, q2\n\t"              \
  OP ".s8 r12, q0, q2\n\t"             \
  "vldrb.u8 q2, [r11], #16\n\t"        \
  OP ".s8 r6, q1, q2\n\t"              \
  OP ".s8 lr, q0, q2\n\t"

__asm__(
    ".text\n\t"
    ".syntax unified\n\t"
    ".thumb\n\t"
    ".p2align 2\n\t"
    ".global qb_mve_dot_pair\n\t"
    ".thumb_func\n\t"
    ".type qb_mve_dot_pair, %function\n"
    "qb_mve_dot_pair:\n\t"
    "push {r0, r4-r11, lr}\n\t"
    "ldm r0, {r1, r3, r5, r7, r9, r11}\n\t"
    QB_MVE_PAIR_CHUNK("vmladav")
    "cbz r7, 2f\n"
    "1:\n\t"
    QB_MVE_PAIR_CHUNK("vmladava")
    "subs r7, r7, #1\n\t"
    "bne 1b\n"
    "2:\n\t"
    "ldr r7, [sp]\n\t"
    "ldr r7, [r7, #24]\n\t"
    "cbz r7, 3f\n\t"
    "sub r3, r3, r7\n\t"
    "sub r5, r5, r7\n\t"
    "sub r9, r9, r7\n\t"
    "sub r11, r11, r7\n\t"
    QB_MVE_PAIR_CHUNK("vmladava")
    "3:\n\t"
    "ldr r7, [sp]\n\t"
    "add r7, r7, #28\n\t"
    "stm r7, {r0, r2, r4, r6, r8, r10, r12, lr}\n\t"
    "pop {r0, r4-r11, pc}\n\t"
    ".size qb_mve_dot_pair, . - qb_mve_dot_pair\n\t");

}  // namespace qb::kernels::mve
#endif
