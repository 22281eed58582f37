// The two-column dot products of conv2d_pair_mve.h over every group of four rows, as
// assembly.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <cstddef>

#include "kernels/arm_mve/conv2d_pair_mve.h"

namespace qb::kernels::mve {

static_assert(offsetof(PairGroupsJob, pair) == 0 && offsetof(PairGroupsJob, rows) == 4 &&
              offsetof(PairGroupsJob, row_len) == 8 && offsetof(PairGroupsJob, more_chunks) == 12 &&
              offsetof(PairGroupsJob, tail_back) == 16 && offsetof(PairGroupsJob, sums) == 20 &&
              offsetof(PairGroupsJob, sums_end) == 24,
              "the assembly below addresses PairGroupsJob by these offsets");

// One chunk, r1 at it and its column A (16 bytes) already in q1: B (the next 16) in q0,
// the rows' 16 bytes alternating between q2 and q3, and, once A's last product is
// started, the next chunk's A into q1 (r1 moves on to it). Accumulators: A in r0, r2, r4,
// r6; B in r8, r10, r12, lr. OP is vmladav for the first chunk (it sets them), vmladava
// after. The order alternates loads (load/store pipe) with multiplies (multiply pipe):
// an MVE instruction's first beat overlaps the previous one's second only across pipes,
// so a run of loads or of multiplies costs two beats each. The last chunk's look-ahead
// reads the chunk after it, which kPairBytes leaves room for.
#define QB_MVE_PAIR_CHUNK(OP)          \
  "vldrb.u8 q2, [r3], #16\n\t"         \
  OP ".s8 r0, q1, q2\n\t"              \
  "vldrb.u8 q0, [r1, #16]\n\t"         \
  OP ".s8 r8, q0, q2\n\t"              \
  "vldrb.u8 q3, [r5], #16\n\t"         \
  OP ".s8 r2, q1, q3\n\t"              \
  "vldrb.u8 q2, [r9], #16\n\t"         \
  OP ".s8 r10, q0, q3\n\t"             \
  "vldrb.u8 q3, [r11], #16\n\t"        \
  OP ".s8 r4, q1, q2\n\t"              \
  OP ".s8 r6, q1, q3\n\t"              \
  "vldrb.u8 q1, [r1, #32]!\n\t"        \
  OP ".s8 r12, q0, q2\n\t"             \
  OP ".s8 lr, q0, q3\n\t"

// Per group: the row pointers from the job (r3, r5, r9, r11; the job's rows moves on
// four rows), the chunks, then the eight sums stored with one STM. Between groups every
// core register but sp holds an accumulator or a pointer, so the job's address stays on
// the stack at [sp] and the sums pointer lives in the job; a group starts and ends with
// the job in r7. TAIL is the tail chunk (QB_MVE_PAIR_TAIL) or nothing: a job's depth
// decides once which entry it calls, so a whole-chunk depth pays no per-group check.
#define QB_MVE_PAIR_TAIL                 \
  "ldr r7, [sp]\n\t"                     \
  "ldr r7, [r7, #16]\n\t"                \
  "sub r3, r3, r7\n\t"                   \
  "sub r5, r5, r7\n\t"                   \
  "sub r9, r9, r7\n\t"                   \
  "sub r11, r11, r7\n\t"                 \
  QB_MVE_PAIR_CHUNK("vmladava")

// After the first chunk (which sets the accumulators) the chunks go two per loop pass,
// so the loop's count and branch are paid once per 32 bytes; a depth with an even number
// of chunks after the first has the loop alone, an odd one (ODD_CHUNK: one more chunk)
// takes that chunk before it. The job's more_chunks counts loop passes.
#define QB_MVE_PAIR_GROUPS(NAME, ODD_CHUNK, TAIL)          \
  ".p2align 2\n\t"                                          \
  ".global " NAME "\n\t"                                    \
  ".thumb_func\n\t"                                         \
  ".type " NAME ", %function\n"                             \
  NAME ":\n\t"                                              \
  "push {r0, r4-r11, lr}\n\t"                               \
  "mov r7, r0\n"                                            \
  "1:\n\t"                                                  \
  "ldm r7, {r1, r3, r5}\n\t"                                \
  "vldrb.u8 q1, [r1]\n\t"                                   \
  "add r9, r3, r5, lsl #1\n\t"                              \
  "add r11, r9, r5\n\t"                                     \
  "add r0, r11, r5\n\t"                                     \
  "str r0, [r7, #4]\n\t"                                    \
  "add r5, r3, r5\n\t"                                      \
  "ldr r7, [r7, #12]\n\t"                                   \
  QB_MVE_PAIR_CHUNK("vmladav")                              \
  ODD_CHUNK                                                 \
  "cbz r7, 3f\n"                                            \
  "2:\n\t"                                                  \
  QB_MVE_PAIR_CHUNK("vmladava")                             \
  QB_MVE_PAIR_CHUNK("vmladava")                             \
  "subs r7, r7, #1\n\t"                                     \
  "bne 2b\n"                                                \
  "3:\n\t"                                                  \
  TAIL                                                      \
  "ldr r7, [sp]\n\t"                                        \
  "ldr r1, [r7, #20]\n\t"                                   \
  "stm r1!, {r0, r2, r4, r6, r8, r10, r12, lr}\n\t"         \
  "ldr r0, [r7, #24]\n\t"                                   \
  "str r1, [r7, #20]\n\t"                                   \
  "cmp r1, r0\n\t"                                          \
  "bne 1b\n\t"                                              \
  "pop {r0, r4-r11, pc}\n\t"                                \
  ".size " NAME ", . - " NAME "\n\t"

__asm__(".text\n\t"
        ".syntax unified\n\t"
        ".thumb\n\t"
        QB_MVE_PAIR_GROUPS("qb_mve_dot_pair_groups", "", "")
        QB_MVE_PAIR_GROUPS("qb_mve_dot_pair_groups_odd", QB_MVE_PAIR_CHUNK("vmladava"), "")
        QB_MVE_PAIR_GROUPS("qb_mve_dot_pair_groups_tail", "", QB_MVE_PAIR_TAIL)
        QB_MVE_PAIR_GROUPS("qb_mve_dot_pair_groups_odd_tail", QB_MVE_PAIR_CHUNK("vmladava"),
                           QB_MVE_PAIR_TAIL));

}  // namespace qb::kernels::mve
#endif
