// The row-window loop of row_windows_mve.h as assembly.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include "kernels/arm_mve/row_windows_mve.h"

#include <cstddef>

#include "kernels/arm_mve/mve_asm.h"

namespace qb::kernels::mve {

static_assert(offsetof(RowWindowsJob, out) == 4 && offsetof(RowWindowsJob, cols) == 8 &&
                  offsetof(RowWindowsJob, col_step) == 12 &&
                  offsetof(RowWindowsJob, out_step) == 16 &&
                  offsetof(RowWindowsJob, in_row) == 20 && offsetof(RowWindowsJob, table) == 24 &&
                  offsetof(RowWindowsJob, offset) == 28 && offsetof(RowWindowsJob, run) == 32 &&
                  offsetof(RowWindowsJob, bias) == 48 &&
                  offsetof(RowWindowsJob, multiplier) == 64 &&
                  offsetof(RowWindowsJob, right) == 80 && offsetof(RowWindowsJob, lo) == 96 &&
                  offsetof(RowWindowsJob, hi) == 112,
              "the assembly below addresses RowWindowsJob by these offsets");

// One kernel row: the window's bytes of it (predicated: lanes past the row read nothing
// and hold zero) against the four filter rows at table offset OFF, loads alternating with
// multiplies for the beat overlap. OP: vmladav for the first row (it sets the sums),
// vmladava after.
#define QB_MVE_ROW_WINDOW_ROW(OP, PTR, OFF)   \
  "vpst\n\t"                                  \
  "vldrbt.u8 q0, [" PTR "]\n\t"               \
  "vldrw.u32 q1, [r5, #" OFF "]\n\t"          \
  OP ".s8 r0, q0, q1\n\t"                     \
  "vldrw.u32 q1, [r5, #" OFF "+16]\n\t"       \
  OP ".s8 r2, q0, q1\n\t"                     \
  "vldrw.u32 q1, [r5, #" OFF "+32]\n\t"       \
  OP ".s8 r4, q0, q1\n\t"                     \
  "vldrw.u32 q1, [r5, #" OFF "+48]\n\t"       \
  OP ".s8 r6, q0, q1\n\t"

// The tie step of the requantization (mve_requant.h) on q7, the VRSHL counts in q4.
#define QB_MVE_ROW_WINDOW_TIES           \
  "vand q0, q7, q4\n\t"                  \
  "vshr.s32 q0, q0, #31\n\t"             \
  "vqadd.s32 q7, q7, q0\n\t"

// Registers: r0, r2, r4, r6 the sums (VMLADAV's even registers), r1 the window, r3 / r12
// its second and third kernel rows, r5 the table, r7 the output, r8 / r9 the window and
// output steps, r10 the zero point, r11 the kernel-row step; q2-q6 the bias, multipliers,
// VRSHL counts and range. P0 holds the kernel row's predicate for every VPST.
#define QB_MVE_ROW_WINDOWS(NAME, TIES)            \
  QB_MVE_ASM_FUNCTION(NAME)                       \
  "push {r4-r11, lr}\n\t"                         \
  "vpush {d8-d15}\n\t"                            \
  "vldrw.u32 q2, [r0, #48]\n\t"                   \
  "vldrw.u32 q3, [r0, #64]\n\t"                   \
  "vldrw.u32 q4, [r0, #80]\n\t"                   \
  "vldrw.u32 q5, [r0, #96]\n\t"                   \
  "vldrw.u32 q6, [r0, #112]\n\t"                  \
  "ldrd r1, r7, [r0]\n\t"                         \
  "ldrd lr, r8, [r0, #8]\n\t"                     \
  "ldrd r9, r11, [r0, #16]\n\t"                   \
  "ldrd r5, r10, [r0, #24]\n\t"                   \
  "ldr r12, [r0, #32]\n\t"                        \
  "vmsr p0, r12\n\t"                              \
  "dls lr, lr\n"                                  \
  "1:\n\t"                                        \
  "add r3, r1, r11\n\t"                           \
  "add r12, r3, r11\n\t"                          \
  QB_MVE_ROW_WINDOW_ROW("vmladav", "r1", "0")     \
  QB_MVE_ROW_WINDOW_ROW("vmladava", "r3", "64")   \
  QB_MVE_ROW_WINDOW_ROW("vmladava", "r12", "128") \
  "vmov q7[2], q7[0], r0, r4\n\t"                 \
  "vmov q7[3], q7[1], r2, r6\n\t"                 \
  "vadd.i32 q7, q7, q2\n\t"                       \
  "vqrdmulh.s32 q7, q7, q3\n\t"                   \
  TIES                                            \
  "vrshl.s32 q7, q7, q4\n\t"                      \
  "vqadd.s32 q7, q7, r10\n\t"                     \
  "vmax.s32 q7, q7, q5\n\t"                       \
  "vmin.s32 q7, q7, q6\n\t"                       \
  "vstrb.32 q7, [r7]\n\t"                         \
  "add r1, r1, r8\n\t"                            \
  "add r7, r7, r9\n\t"                            \
  "le lr, 1b\n\t"                                 \
  "vpop {d8-d15}\n\t"                             \
  "pop {r4-r11, pc}\n\t"                          \
  ".size " NAME ", . - " NAME "\n\t"

__asm__(QB_MVE_ROW_WINDOWS("qb_mve_row_windows", QB_MVE_ROW_WINDOW_TIES)
        QB_MVE_ROW_WINDOWS("qb_mve_row_windows_ties_up", ""));

}  // namespace qb::kernels::mve
#endif
