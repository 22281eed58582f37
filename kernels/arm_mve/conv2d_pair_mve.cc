// The two-column dot products of conv2d_pair_mve.h over every group of four rows, as
// assembly.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <cstddef>

#include "kernels/arm_mve/conv2d_pair_mve.h"

namespace qb::kernels::mve {

static_assert(offsetof(PairGroupsJob, pair) == 0 && offsetof(PairGroupsJob, row_len) == 4 &&
              offsetof(PairGroupsJob, chunks) == 8 && offsetof(PairGroupsJob, after) == 12 &&
              offsetof(PairGroupsJob, tail_back) == 16 && offsetof(PairGroupsJob, sums) == 20 &&
              offsetof(PairGroupsJob, sums_end) == 24 && offsetof(PairGroupsJob, rows) == 28,
              "the assembly below addresses PairGroupsJob by these offsets");

// One chunk, r1 at it and its column A (16 bytes) already in q1: B (the next 16) in q0,
// the rows' 16 bytes alternating between q2 and q3, and, once A's last product is
// started, the next chunk's A into q1 (r1 moves on to it). Accumulators: A in r0, r2, r4,
// r6; B in r8, r10, r12, lr. OP is vmladav for the first chunk (it sets them), vmladava
// after. The order alternates loads (load/store pipe) with multiplies (multiply pipe):
// an MVE instruction's first beat overlaps the previous one's second only across pipes,
// so a run of loads or of multiplies costs two beats each. The last chunk's look-ahead
// reads the chunk after it, which kPairBytes leaves room for. Rows 0-3 are read through
// r3, r5, r9, r11, each of which ends the group at the next row's start.
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

// A label inside the function, as a code address C++ can take (Thumb: bit 0 set).
#define QB_MVE_PAIR_LABEL(NAME) \
  ".global " NAME "\n\t"        \
  ".thumb_func\n\t"             \
  ".type " NAME ", %function\n" \
  NAME ":\n\t"

// Per group: the row pointers from the previous group's row 3 (r11, which stopped at the
// next row) and the row length, the first chunk, then a branch into the unrolled chunks
// (job->chunks), a branch out to the tail chunk or the end (job->after), and the eight
// sums stored with one STM. Every core register but sp holds an accumulator, a pointer or
// the job (r7); the tail chunk borrows r7 and finds the job again at [sp]. The sums
// pointer lives in the job.
__asm__(".text\n\t"
        ".syntax unified\n\t"
        ".thumb\n\t"
        ".p2align 2\n\t"
        QB_MVE_PAIR_LABEL("qb_mve_dot_pair_groups")
        "push {r0, r4-r11, lr}\n\t"
        "mov r7, r0\n\t"
        "ldr r11, [r7, #28]\n"
        "1:\n\t"
        "ldm r7, {r1, r9}\n\t"
        "mov r3, r11\n\t"
        "vldrb.u8 q1, [r1]\n\t"
        "add r5, r11, r9\n\t"
        "add r11, r5, r9, lsl #1\n\t"
        "add r9, r5, r9\n\t"
        QB_MVE_PAIR_CHUNK("vmladav")
        "ldr pc, [r7, #8]\n\t"
        QB_MVE_PAIR_LABEL("qb_mve_pair_chunks")
        ".rept 39\n\t"
        QB_MVE_PAIR_CHUNK("vmladava")
        ".endr\n\t"
        QB_MVE_PAIR_LABEL("qb_mve_pair_chunks_end")
        ".if qb_mve_pair_chunks_end - qb_mve_pair_chunks - 39 * 56\n\t"
        ".error \"a chunk is not kPairChunkBytes of code\"\n\t"
        ".endif\n\t"
        "ldr pc, [r7, #12]\n\t"
        QB_MVE_PAIR_LABEL("qb_mve_pair_tail")
        "ldr r7, [r7, #16]\n\t"
        "sub r3, r3, r7\n\t"
        "sub r5, r5, r7\n\t"
        "sub r9, r9, r7\n\t"
        "sub r11, r11, r7\n\t"
        QB_MVE_PAIR_CHUNK("vmladava")
        "ldr r7, [sp]\n\t"
        QB_MVE_PAIR_LABEL("qb_mve_pair_group_end")
        "ldr r1, [r7, #20]\n\t"
        "stm r1!, {r0, r2, r4, r6, r8, r10, r12, lr}\n\t"
        "ldr r0, [r7, #24]\n\t"
        "str r1, [r7, #20]\n\t"
        "cmp r1, r0\n\t"
        "bne 1b\n\t"
        "pop {r0, r4-r11, pc}\n\t"
        ".size qb_mve_dot_pair_groups, . - qb_mve_dot_pair_groups\n\t");

static_assert(kMaxPairChunks - 1 == 39 && kPairChunkBytes == 56,
              "the unrolled run holds every chunk after the first, 56 bytes each");

}  // namespace qb::kernels::mve
#endif
