// The two-column dot products of conv2d_pair_mve.h over every group of four rows, as
// assembly.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <cstddef>

#include "kernels/arm_mve/conv2d_pair_mve.h"
#include "kernels/arm_mve/mve_asm.h"

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

// Per group: the row pointers from the previous group's row 3 (r11, which stopped at the
// next row) and the row length, the first chunk, then a branch into the unrolled chunks
// (job->chunks), a branch out to the tail chunk or the end (job->after), and the eight
// sums stored with one STM. Every core register but sp holds an accumulator, a pointer or
// the job (r7); the tail chunk borrows r7 and finds the job again at [sp]. The sums
// pointer lives in the job.
__asm__(QB_MVE_ASM_FUNCTION("qb_mve_dot_pair_groups")
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
        QB_MVE_ASM_LABEL("qb_mve_pair_chunks")
        ".rept 39\n\t"
        QB_MVE_PAIR_CHUNK("vmladava")
        ".endr\n\t"
        QB_MVE_ASM_LABEL("qb_mve_pair_chunks_end")
        ".if qb_mve_pair_chunks_end - qb_mve_pair_chunks - 39 * 56\n\t"
        ".error \"a chunk is not kPairChunkBytes of code\"\n\t"
        ".endif\n\t"
        "ldr pc, [r7, #12]\n\t"
        QB_MVE_ASM_LABEL("qb_mve_pair_tail")
        "ldr r7, [r7, #16]\n\t"
        "sub r3, r3, r7\n\t"
        "sub r5, r5, r7\n\t"
        "sub r9, r9, r7\n\t"
        "sub r11, r11, r7\n\t"
        QB_MVE_PAIR_CHUNK("vmladava")
        "ldr r7, [sp]\n\t"
        QB_MVE_ASM_LABEL("qb_mve_pair_group_end")
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

static_assert(offsetof(PairRowJob, sums) == 0 && offsetof(PairRowJob, bias) == 4 &&
              offsetof(PairRowJob, multiplier) == 8 && offsetof(PairRowJob, shift) == 12 &&
              offsetof(PairRowJob, groups_job) == 16 && offsetof(PairRowJob, pair) == 20 &&
              offsetof(PairRowJob, groups) == 24 && offsetof(PairRowJob, offset) == 28 &&
              offsetof(PairRowJob, first) == 32 && offsetof(PairRowJob, first_step) == 36 &&
              offsetof(PairRowJob, out) == 40 && offsetof(PairRowJob, in_row) == 44 &&
              offsetof(PairRowJob, pairs) == 48 && offsetof(PairRowJob, lo) == 64 &&
              offsetof(PairRowJob, hi) == 80 && offsetof(PairRowJob, offsets) == 96,
              "the assembly below addresses PairRowJob by these offsets");

// One kernel row of both windows (three chunks each, from r10 and r11) into the pair at
// r12, A's chunk c at D + 32c and B's at D + 32c + 16. The pair is 16-byte aligned, so
// its stores are VSTRW (offsets up to 508); the windows' loads are VLDRB.
#define QB_MVE_INTERLEAVE_ROW(D)               \
  "vldrb.u8 q0, [r10]\n\t"                    \
  "vldrb.u8 q1, [r11]\n\t"                    \
  "vstrw.32 q0, [r12, #" D "]\n\t"            \
  "vstrw.32 q1, [r12, #" D "+16]\n\t"         \
  "vldrb.u8 q0, [r10, #16]\n\t"               \
  "vldrb.u8 q1, [r11, #16]\n\t"               \
  "vstrw.32 q0, [r12, #" D "+32]\n\t"         \
  "vstrw.32 q1, [r12, #" D "+48]\n\t"         \
  "vldrb.u8 q0, [r10, #32]\n\t"               \
  "vldrb.u8 q1, [r11, #32]\n\t"               \
  "vstrw.32 q0, [r12, #" D "+64]\n\t"         \
  "vstrw.32 q1, [r12, #" D "+80]\n\t"

// Registers across the pairs: r4 the job, r5 the pair's first window, r6 the window
// step, r7 the pair's first output, r8 the kernel row step, r9 the pairs left; q5-q7 the
// stage's bounds and the scatter offsets (the core leaves q4-q7 alone). Per pair: the
// copy (40 instructions), the core's call (4), the stores (4 and 19 a group), the steps
// (4).
#define QB_MVE_PAIR_ROW(NAME, TIE_A, TIE_B)                                                \
  QB_MVE_ASM_FUNCTION(NAME)                                                                \
  "push {r4-r11, lr}\n\t"                                                                 \
  "vpush {d8-d15}\n\t"                                                                    \
  "mov r4, r0\n\t"                                                                        \
  "vldrw.u32 q5, [r4, #64]\n\t"                                                           \
  "vldrw.u32 q6, [r4, #80]\n\t"                                                           \
  "vldrw.u32 q7, [r4, #96]\n\t"                                                           \
  "add r5, r4, #32\n\t"                                                                   \
  "ldm r5, {r5, r6, r7, r8, r9}\n"                                                         \
  "5:\n\t"                                                                                \
  "ldr r12, [r4, #20]\n\t"                                                                \
  "mov r10, r5\n\t"                                                                       \
  "add r11, r5, r6\n\t"                                                                   \
  QB_MVE_INTERLEAVE_ROW("0")                                                               \
  "add r10, r10, r8\n\t"                                                                  \
  "add r11, r11, r8\n\t"                                                                  \
  QB_MVE_INTERLEAVE_ROW("96")                                                              \
  "add r10, r10, r8\n\t"                                                                  \
  "add r11, r11, r8\n\t"                                                                  \
  QB_MVE_INTERLEAVE_ROW("192")                                                             \
  "ldr r0, [r4, #16]\n\t"                                                                 \
  "ldr r1, [r4]\n\t"                                                                      \
  "str r1, [r0, #20]\n\t"                                                                 \
  "bl qb_mve_dot_pair_groups\n\t"                                                         \
  "ldm r4, {r0, r1, r2, r3}\n\t"                                                          \
  "ldr r12, [r4, #24]\n\t"                                                                \
  "ldr r10, [r4, #28]\n\t"                                                                \
  QB_MVE_STORE_GROUPS_IN(TIE_A, TIE_B, "r0", "r1", "r2", "r3", "r7", "r12", "r10", "q5",    \
                         "q6", "q7")                                                       \
  "add r7, r7, r12, lsl #2\n\t"                                                           \
  "add r5, r5, r6, lsl #1\n\t"                                                            \
  "subs r9, r9, #1\n\t"                                                                   \
  "bne 5b\n\t"                                                                            \
  "vpop {d8-d15}\n\t"                                                                     \
  "pop {r4-r11, pc}\n\t"                                                                  \
  ".size " NAME ", . - " NAME "\n\t"

__asm__(QB_MVE_PAIR_ROW("qb_mve_pair_row_3x3", "", "")
            QB_MVE_PAIR_ROW("qb_mve_pair_row_3x3_ties", QB_MVE_TIE_STEP("q1", "q0"),
                            QB_MVE_TIE_STEP("q4", "q0")));

}  // namespace qb::kernels::mve
#endif
