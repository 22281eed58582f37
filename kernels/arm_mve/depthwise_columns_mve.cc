// The column walks of depthwise_columns_mve.h, as assembly.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include "kernels/arm_mve/depthwise_columns_mve.h"

#include <cstddef>

#include "kernels/arm_mve/mve_asm.h"

namespace qb::kernels::mve {

static_assert(offsetof(ColumnsJob, weights) == 4 && offsetof(ColumnsJob, x) == 36 &&
                  offsetof(ColumnsJob, in_row) == 40 && offsetof(ColumnsJob, sums) == 44 &&
                  offsetof(ColumnsJob, passes) == 48 && offsetof(ColumnsJob, strips) == 52 &&
                  offsetof(ColumnsJob, strip_step) == 56 && offsetof(ColumnsJob, out) == 60 &&
                  offsetof(ColumnsJob, out_pair) == 64 && offsetof(ColumnsJob, pairs) == 68 &&
                  offsetof(ColumnsJob, odd) == 72 && offsetof(ColumnsJob, out_step) == 76 &&
                  offsetof(ColumnsJob, multiplier) == 80 && offsetof(ColumnsJob, right) == 84 &&
                  offsetof(ColumnsJob, left) == 88 && offsetof(ColumnsJob, tie) == 92 &&
                  offsetof(ColumnsJob, offset) == 96 && offsetof(ColumnsJob, entry) == 100 &&
                  offsetof(ColumnsJob, columns) == 112 &&
                  offsetof(ColumnsJob, first_tap) == 160 && offsetof(ColumnsJob, lo) == 176 &&
                  offsetof(ColumnsJob, hi) == 192 && offsetof(ColumnsJob, offsets) == 208,
              "the assembly below addresses ColumnsJob by these offsets");

// One input row (r9) of the walk: X finishes (kernel row 2: weights r6-r8), Y takes kernel
// row 1 (r3-r5) and Z starts (kernel row 0: tap 0 times x plus the bias by VMLAS, then
// r1, r2). The column-0 gather lands in Z itself, which X and Y read before VMLAS
// overwrites it; columns 1 and 2 go through q6. Then X is stored and the row steps.
#define QB_DW_WALK_ROW(X, Y, Z)          \
  "vldrb.s32 " Z ", [r9, q3]\n\t"        \
  "vmla.s32 " X ", " Z ", r6\n\t"        \
  "vmla.s32 " Y ", " Z ", r3\n\t"        \
  "vmlas.s32 " Z ", q7, r0\n\t"          \
  "vldrb.s32 q6, [r9, q4]\n\t"           \
  "vmla.s32 " X ", q6, r7\n\t"           \
  "vmla.s32 " Y ", q6, r4\n\t"           \
  "vmla.s32 " Z ", q6, r1\n\t"           \
  "vldrb.s32 q6, [r9, q5]\n\t"           \
  "vmla.s32 " X ", q6, r8\n\t"           \
  "vmla.s32 " Y ", q6, r5\n\t"           \
  "vmla.s32 " Z ", q6, r2\n\t"           \
  "vstrw.32 " X ", [r11], #16\n\t"       \
  "add r9, r9, r10\n\t"

// One kernel row (from ROW) of one window (vertical stride 2, a window at a time: windows
// share one input row there, which a second accumulator would be needed to reuse): the
// column-0 gather into DEST and FIRST (VMLAS starting q0 from the bias, or a VMLA of q1),
// then columns 1 and 2 by W1 and W2.
#define QB_DW_WINDOW_ROW(ROW, DEST, FIRST, W1, W2) \
  "vldrb.s32 " DEST ", [" ROW ", q3]\n\t"        \
  FIRST                                          \
  "vldrb.s32 q2, [" ROW ", q4]\n\t"              \
  "vmla.s32 q0, q2, " W1 "\n\t"                  \
  "vldrb.s32 q1, [" ROW ", q5]\n\t"              \
  "vmla.s32 q0, q1, " W2 "\n\t"

// The requantization of q0 and q1 (LEFT: the left shift, TIE: the tie step, through q5
// and q6) around their VQRDMULH; r7 the multiplier, r8 the VRSHL count, r9 the left
// shift, r10 the tie shift (mve_requant.h's ScalarRequant).
#define QB_DW_COLUMNS_LEFT(Q) "vqshl.s32 " Q ", r9\n\t"
#define QB_DW_COLUMNS_TIE(Q, T)         \
  "vshr.u32 " T ", " Q ", #31\n\t"      \
  "vshl.u32 " T ", r10\n\t"             \
  "vqsub.s32 " Q ", " Q ", " T "\n\t"

// Per column: the walk, then the buffer's row pairs requantized and stored (an odd last
// row: the last pair again, one row back, by entering the loop body with one pass left),
// then the next column. The walk's loop runs three input rows a pass, the accumulators'
// roles turning each row; it is entered at the row (job->entry) that makes its passes end
// with the last input row. Its first two rows finish accumulators that held nothing (the
// buffer's two rows before the first), and they start the first two output rows. At
// vertical stride 2 the entry is the window-at-a-time loop (NAME_stride2) instead, one
// output row a pass. The job's address waits at [sp] while the walks need every register.
#define QB_DW_COLUMNS(NAME, LEFT_A, LEFT_B, TIE_A, TIE_B)                                  \
  QB_MVE_ASM_FUNCTION(NAME)                                                                \
  "push {r0, r4-r11, lr}\n\t"                                                              \
  "vpush {d8-d15}\n"                                                                       \
  "1:\n\t"                                                                                 \
  "vldrw.u32 q3, [r0, #112]\n\t"                                                           \
  "vldrw.u32 q4, [r0, #128]\n\t"                                                           \
  "vldrw.u32 q5, [r0, #144]\n\t"                                                           \
  "vldrw.u32 q7, [r0, #160]\n\t"                                                           \
  "ldr r12, [r0, #100]\n\t"                                                                \
  "add r9, r0, #36\n\t"                                                                    \
  "ldm r9, {r9, r10, r11, lr}\n\t"                                                         \
  "ldm r0, {r0-r8}\n\t"                                                                    \
  "dls lr, lr\n\t"                                                                         \
  "bx r12\n"                                                                               \
  "2:\n\t"                                                                                 \
  QB_MVE_ASM_LABEL(NAME "_row0")                                                           \
  QB_DW_WALK_ROW("q0", "q1", "q2")                                                         \
  QB_MVE_ASM_LABEL(NAME "_row1")                                                           \
  QB_DW_WALK_ROW("q1", "q2", "q0")                                                         \
  QB_MVE_ASM_LABEL(NAME "_row2")                                                           \
  QB_DW_WALK_ROW("q2", "q0", "q1")                                                         \
  "le lr, 2b\n\t"                                                                          \
  "b 6f\n\t"                                                                               \
  QB_MVE_ASM_LABEL(NAME "_stride2")                                                        \
  "adds r11, r11, #32\n"                                                                   \
  "5:\n\t"                                                                                 \
  QB_DW_WINDOW_ROW("r9", "q0", "vmlas.s32 q0, q7, r0\n\t", "r1", "r2")                     \
  "add r12, r9, r10\n\t"                                                                   \
  QB_DW_WINDOW_ROW("r12", "q1", "vmla.s32 q0, q1, r3\n\t", "r4", "r5")                     \
  "add r9, r12, r10\n\t"                                                                   \
  QB_DW_WINDOW_ROW("r9", "q1", "vmla.s32 q0, q1, r6\n\t", "r7", "r8")                      \
  "vstrw.32 q0, [r11], #16\n\t"                                                            \
  "le lr, 5b\n"                                                                            \
  "6:\n\t"                                                                                 \
  "ldr r0, [sp, #64]\n\t"                                                                  \
  "vldrw.u32 q2, [r0, #176]\n\t"                                                           \
  "vldrw.u32 q3, [r0, #192]\n\t"                                                           \
  "vldrw.u32 q4, [r0, #208]\n\t"                                                           \
  "ldr r1, [r0, #44]\n\t"                                                                  \
  "ldr r2, [r0, #60]\n\t"                                                                  \
  "adds r1, r1, #32\n\t"                                                                   \
  "add r3, r0, #64\n\t"                                                                    \
  "ldm r3, {r3-r11}\n\t"                                                                   \
  "dls lr, r4\n"                                                                           \
  "3:\n\t"                                                                                 \
  "vldrw.u32 q0, [r1], #16\n\t"                                                            \
  "vldrw.u32 q1, [r1], #16\n\t"                                                            \
  LEFT_A LEFT_B                                                                            \
  "vqrdmulh.s32 q0, q0, r7\n\t"                                                            \
  "vqrdmulh.s32 q1, q1, r7\n\t"                                                            \
  TIE_A TIE_B                                                                              \
  "vrshl.s32 q0, r8\n\t"                                                                   \
  "vrshl.s32 q1, r8\n\t"                                                                   \
  "vqmovnb.s32 q5, q0\n\t"                                                                 \
  "vqmovnt.s32 q5, q1\n\t"                                                                 \
  "vqadd.s16 q5, q5, r11\n\t"                                                              \
  "vmax.s16 q5, q5, q2\n\t"                                                                \
  "vmin.s16 q5, q5, q3\n\t"                                                                \
  "vstrb.16 q5, [r2, q4]\n\t"                                                              \
  "add r2, r2, r3\n\t"                                                                     \
  "le lr, 3b\n\t"                                                                          \
  "cbz r5, 4f\n\t"                                                                         \
  "movs r5, #0\n\t"                                                                        \
  "subs r1, r1, #16\n\t"                                                                   \
  "sub r2, r2, r3, asr #1\n\t"                                                             \
  "movs lr, #1\n\t"                                                                        \
  "b 3b\n"                                                                                 \
  "4:\n\t"                                                                                 \
  "ldr r0, [sp, #64]\n\t"                                                                  \
  "ldrd r1, r2, [r0, #52]\n\t"                                                             \
  "ldr r3, [r0, #36]\n\t"                                                                  \
  "ldr r4, [r0, #60]\n\t"                                                                  \
  "add r3, r3, r2\n\t"                                                                     \
  "add r4, r4, r6\n\t"                                                                     \
  "str r3, [r0, #36]\n\t"                                                                  \
  "str r4, [r0, #60]\n\t"                                                                  \
  "subs r1, r1, #1\n\t"                                                                    \
  "str r1, [r0, #52]\n\t"                                                                  \
  "bne 1b\n\t"                                                                             \
  "vpop {d8-d15}\n\t"                                                                      \
  "pop {r0, r4-r11, pc}\n\t"                                                               \
  ".size " NAME ", . - " NAME "\n\t"

__asm__(QB_DW_COLUMNS("qb_mve_dw_columns_any_shifts", QB_DW_COLUMNS_LEFT("q0"),
                      QB_DW_COLUMNS_LEFT("q1"), QB_DW_COLUMNS_TIE("q0", "q5"),
                      QB_DW_COLUMNS_TIE("q1", "q6"))
            QB_DW_COLUMNS("qb_mve_dw_columns_right_shifts", "", "", "", ""));

}  // namespace qb::kernels::mve
#endif
