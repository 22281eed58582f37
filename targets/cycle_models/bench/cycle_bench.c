// Microbenchmark image for the cycle model: hand-written instruction sequences, one per
// instruction class or pipeline rule, each between two global labels
// (qb_cb_<case>_begin / qb_cb_<case>_end) that the test passes to the plugin as marks.
// Each case is a naked function entered by a call, so its first instruction starts a
// translation block (64-byte alignment keeps a case inside one 1 KiB QEMU page, except
// the page-split cases, which cross one on purpose) and has no predecessor for the
// pipeline rules; the end label sits on the returning BX LR, which is not counted.
// expected.txt holds the hand-computed cycles per core. The sequences run once; their
// results are not used.
#include <stdint.h>

#define QB_CASE(name, body)                                                \
  __attribute__((naked, noinline, used, aligned(64))) void qb_cb_##name( \
      __attribute__((unused)) uint32_t a, __attribute__((unused)) uint32_t b) {       \
    __asm__ volatile(".global qb_cb_" #name "_begin\n"                     \
                     ".global qb_cb_" #name "_end\n"                       \
                     "qb_cb_" #name "_begin:\n" body "qb_cb_" #name "_end:\n" \
                     "bx lr\n");                                           \
  }

// Six dependent data-processing instructions.
QB_CASE(alu_chain,
        "movs r0, #0\n"
        "adds r0, r0, #1\n"
        "adds r0, r0, #2\n"
        "lsls r0, r0, #1\n"
        "subs r0, r0, #1\n"
        "eors r0, r0, r0\n")

// Four independent moves (dual issue on M7).
QB_CASE(alu_independent,
        "movs r0, #1\n"
        "movs r1, #2\n"
        "movs r2, #3\n"
        "movs r3, #4\n")

// Shifted register operands: LSL, LSR, ROR.
QB_CASE(shifted_operand,
        "add.w r0, r1, r2, lsl #2\n"
        "add.w r0, r1, r2, lsr #2\n"
        "add.w r0, r1, r2, ror #3\n")

// A multiply then three multiply-accumulates into the same accumulator.
QB_CASE(mac_chain,
        "mul r0, r1, r2\n"
        "mla r0, r1, r2, r0\n"
        "mla r0, r1, r2, r0\n"
        "mla r0, r1, r2, r0\n")

#if defined(__ARM_FEATURE_DSP)
// Four SMLADs into one accumulator.
QB_CASE(dsp_mac_chain,
        "smlad r0, r1, r2, r0\n"
        "smlad r0, r1, r2, r0\n"
        "smlad r0, r1, r2, r0\n"
        "smlad r0, r1, r2, r0\n")
#endif

// r0 points to a 64-byte buffer. Three loads and a store back to back.
QB_CASE(load_pair,
        "ldr r1, [r0]\n"
        "ldr r2, [r0, #4]\n"
        "ldr r3, [r0, #8]\n"
        "str r1, [r0, #12]\n")

// A load used at once, then a load whose address was just computed.
QB_CASE(load_use,
        "ldr r1, [r0]\n"
        "adds r2, r1, #1\n"
        "adds r0, r0, #4\n"
        "ldr r3, [r0]\n")

// Load multiple of 3 registers, push and pop of 4.
QB_CASE(load_multiple,
        "ldm r0, {r1, r2, r3}\n"
        "push {r4, r5, r6, r7}\n"
        "pop {r4, r5, r6, r7}\n")

// r0 == 1: a forward conditional branch not taken, one taken, then an unconditional B.
QB_CASE(branches,
        "cmp r0, #0\n"
        "beq 1f\n"
        "cmp r0, #1\n"
        "beq 1f\n"
        "nop\n"
        "1: b 2f\n"
        "nop\n"
        "2:\n")

// A counted loop of 4: three taken backward branches and a final fall-through.
QB_CASE(counted_loop,
        "movs r0, #4\n"
        "1: subs r0, r0, #1\n"
        "bne 1b\n")

// r0 = 1000, r1 = 7: one signed and one unsigned divide.
QB_CASE(divide,
        "sdiv r2, r0, r1\n"
        "udiv r3, r0, r1\n")

#if defined(__ARM_FEATURE_MVE)
// r0 points to the buffer (16-byte aligned): MVE loads, a dot product and an add
// alternating between pipes, then two loads back to back on the load/store pipe.
QB_CASE(mve_overlap,
        "vldrw.u32 q0, [r0]\n"
        "vmladava.s8 r2, q0, q1\n"
        "vldrw.u32 q1, [r0, #16]\n"
        "vadd.i32 q2, q0, q1\n"
        "vldrw.u32 q3, [r0, #32]\n"
        "vldrw.u32 q1, [r0, #48]\n")
#endif

// Straight-line code across a 1 KiB page, where QEMU ends one translation block and
// starts the next with no branch between them: a case aligned to a page, 256 NOPs (255
// NOP.W and one NOP: 1022 bytes), then an instruction pair whose first half is the last
// of the page and whose second half the first of the next. The pipeline rules between
// the two are costed when the second block runs on from the first.
#define QB_PAGE_CASE(name, pair)                                               \
  __attribute__((naked, noinline, used, aligned(1024))) void qb_cb_##name(     \
      __attribute__((unused)) uint32_t a, __attribute__((unused)) uint32_t b) { \
    __asm__ volatile(".global qb_cb_" #name "_begin\n"                          \
                     ".global qb_cb_" #name "_end\n"                            \
                     "qb_cb_" #name "_begin:\n"                                 \
                     ".rept 255\nnop.w\n.endr\nnop\n" pair                      \
                     "qb_cb_" #name "_end:\n"                                   \
                     "bx lr\n");                                                \
  }

// r0 points to the buffer: two loads back to back (M3/M4 pipeline them; M7 pairs them).
QB_PAGE_CASE(page_split_loads,
             "ldr r1, [r0]\n"
             "ldr r2, [r0, #4]\n")

// r0 points to the buffer: a load whose result the next instruction uses.
QB_PAGE_CASE(page_split_load_use,
             "ldr r1, [r0]\n"
             "adds r2, r1, #1\n")

static uint32_t buffer[16] __attribute__((aligned(16)));

int main(void) {
  const uint32_t b = (uint32_t)(uintptr_t)buffer;
  // The cases read their arguments from r0/r1.
  qb_cb_alu_chain(0, 0);
  qb_cb_alu_independent(0, 0);
  qb_cb_shifted_operand(0, 0);
  qb_cb_mac_chain(0, 0);
#if defined(__ARM_FEATURE_DSP)
  qb_cb_dsp_mac_chain(0, 0);
#endif
  qb_cb_load_pair(b, 0);
  qb_cb_load_use(b, 0);
  qb_cb_load_multiple(b, 0);
  qb_cb_branches(1, 0);
  qb_cb_counted_loop(4, 0);
  qb_cb_divide(1000, 7);
#if defined(__ARM_FEATURE_MVE)
  qb_cb_mve_overlap(b, 0);
#endif
  qb_cb_page_split_loads(b, 0);
  qb_cb_page_split_load_use(b, 0);
  return 0;
}
