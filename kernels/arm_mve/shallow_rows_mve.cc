// The four-pixel loop of shallow_rows_mve.h, as assembly.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include "kernels/arm_mve/shallow_rows_mve.h"

#include <cstddef>

#include "kernels/arm_mve/mve_asm.h"

namespace qb::kernels::mve {

static_assert(offsetof(ShallowRowsJob, out) == 4 && offsetof(ShallowRowsJob, step) == 8 &&
                  offsetof(ShallowRowsJob, bias) == 12 &&
                  offsetof(ShallowRowsJob, multiplier) == 16 &&
                  offsetof(ShallowRowsJob, shift) == 20 && offsetof(ShallowRowsJob, offset) == 24 &&
                  offsetof(ShallowRowsJob, passes) == 28 &&
                  offsetof(ShallowRowsJob, weights) == 32 && offsetof(ShallowRowsJob, lo) == 48 &&
                  offsetof(ShallowRowsJob, hi) == 64 && offsetof(ShallowRowsJob, offsets) == 80,
              "the assembly below addresses ShallowRowsJob by these offsets");

// Registers: r1 the pixels, r3 the output, r5 the step, r7 the bias, r9 the multiplier,
// r11 the shift, r8 the output zero point; r0, r2, r4, r6 the four sums (VMLADAV's even
// registers); q0 the filter row, q4 / q5 the range, q6 the scatter offsets. Loads alternate
// with the dot products (load/store and multiply pipes overlap). ROUND is the shift's
// instructions after VQRDMULH.
#define QB_MVE_SHALLOW_ROWS(NAME, ROUND)       \
  QB_MVE_ASM_FUNCTION(NAME)                    \
  "push {r4-r11, lr}\n\t"                      \
  "vpush {d8-d15}\n\t"                         \
  "vldrw.u32 q0, [r0, #32]\n\t"                \
  "vldrw.u32 q4, [r0, #48]\n\t"                \
  "vldrw.u32 q5, [r0, #64]\n\t"                \
  "vldrw.u32 q6, [r0, #80]\n\t"                \
  "ldrd r8, lr, [r0, #24]\n\t"                 \
  "ldm r0, {r1, r3, r5, r7, r9, r11}\n\t"      \
  "dls lr, lr\n"                               \
  "1:\n\t"                                     \
  "vldrb.u8 q1, [r1], #16\n\t"                 \
  "vmladav.s8 r0, q1, q0\n\t"                  \
  "vldrb.u8 q2, [r1], #16\n\t"                 \
  "vmladav.s8 r2, q2, q0\n\t"                  \
  "vldrb.u8 q1, [r1], #16\n\t"                 \
  "vmladav.s8 r4, q1, q0\n\t"                  \
  "vldrb.u8 q2, [r1], #16\n\t"                 \
  "vmladav.s8 r6, q2, q0\n\t"                  \
  "vmov q3[2], q3[0], r0, r4\n\t"              \
  "vmov q3[3], q3[1], r2, r6\n\t"              \
  "vadd.i32 q3, q3, r7\n\t"                    \
  "vqrdmulh.s32 q3, q3, r9\n\t"                \
  ROUND                                        \
  "vqadd.s32 q3, q3, r8\n\t"                   \
  "vmax.s32 q3, q3, q4\n\t"                    \
  "vmin.s32 q3, q3, q5\n\t"                    \
  "vstrb.32 q3, [r3, q6]\n\t"                  \
  "add r3, r3, r5\n\t"                         \
  "le lr, 1b\n\t"                              \
  "vpop {d8-d15}\n\t"                          \
  "pop {r4-r11, pc}\n\t"                       \
  ".size " NAME ", . - " NAME "\n\t"

__asm__(QB_MVE_SHALLOW_ROWS("qb_mve_shallow_rows_round",
                            "vshr.s32 q7, q3, #31\n\t"
                            "vqadd.s32 q3, q3, q7\n\t"
                            "vrshl.s32 q3, r11\n\t")
            QB_MVE_SHALLOW_ROWS("qb_mve_shallow_rows_plain", ""));

int32_t shallow_rows(const int8_t* x, int8_t* out, int32_t step, int32_t pixels,
                     int8x16_t weights, int32_t bias, int32_t multiplier, int32_t shift,
                     const OutputStage& o, uint32x4_t offsets,
                     void (*run)(const ShallowRowsJob*)) {
  ShallowRowsJob job;
  job.x = x;
  job.out = out;
  job.step = step;
  job.bias = bias;
  job.multiplier = multiplier;
  job.shift = shift;
  job.offset = o.offset;
  job.passes = pixels / 4;
  job.weights = weights;
  job.lo = o.lo;
  job.hi = o.hi;
  job.offsets = offsets;
  run(&job);
  return job.passes;
}

}  // namespace qb::kernels::mve
#endif
