// Turns a fault into one line on the host console and an exit code, so that a crashed
// guest ends the emulation at once instead of hanging until the harness's timeout.
#include <stdint.h>

#include "targets/cortex_m/semihosting.h"

enum { kFaultExitCode = 90 };

// A separate stack for the report: the fault may have been a stack overflow.
static uint32_t fault_stack[128] __attribute__((aligned(8)));
uint32_t* const qb_fault_stack_top = fault_stack + 128;

static char* append(char* p, const char* text) {
  while (*text != '\0') *p++ = *text++;
  return p;
}

static char* append_hex(char* p, const char* label, uint32_t value) {
  p = append(p, label);
  p = append(p, "0x");
  for (int shift = 28; shift >= 0; shift -= 4) *p++ = "0123456789abcdef"[(value >> shift) & 0xFu];
  return p;
}

#define QB_SCB_REG(offset) (*(volatile const uint32_t*)(0xE000ED00u + (offset)))

// frame: the exception frame the core stacked (r0-r3, r12, lr, pc, xpsr).
__attribute__((noreturn, used)) void qb_fault_report(const uint32_t* frame) {
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  static const char* const names[16] = {"thread", "reset",      "NMI",  "HardFault",
                                         "MemManage", "BusFault", "UsageFault", "SecureFault",
                                         "reserved", "reserved", "reserved", "SVCall",
                                         "DebugMonitor", "reserved", "PendSV", "SysTick"};
  const uint32_t exception = ipsr & 0x1FFu;
  char line[224];
  char* p = append(line, "qb-guest: fault, exception ");
  if (exception >= 100) *p++ = (char)('0' + exception / 100);
  if (exception >= 10) *p++ = (char)('0' + exception / 10 % 10);
  *p++ = (char)('0' + exception % 10);
  p = append(p, " (");
  p = append(p, exception < 16 ? names[exception] : "interrupt");
  p = append(p, ")");
  p = append_hex(p, " pc=", frame[6]);
  p = append_hex(p, " lr=", frame[5]);
  p = append_hex(p, " cfsr=", QB_SCB_REG(0x28));
  p = append_hex(p, " hfsr=", QB_SCB_REG(0x2C));
  p = append_hex(p, " mmfar=", QB_SCB_REG(0x34));
  p = append_hex(p, " bfar=", QB_SCB_REG(0x38));
  p = append(p, "\n");
  *p = '\0';
  qb_semihost_write0(line);
  qb_semihost_exit(kFaultExitCode);
}

// Finds the stacked frame (main or process stack, from EXC_RETURN bit 2), then moves to
// the fault stack; on Armv8-M the stack limit is lifted first so the move is allowed.
__attribute__((naked)) void qb_fault_handler(void) {
  __asm__ volatile(
      "tst lr, #4\n\t"
      "ite eq\n\t"
      "mrseq r0, msp\n\t"
      "mrsne r0, psp\n\t"
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
      "movs r1, #0\n\t"
      "msr msplim, r1\n\t"
#endif
      "ldr r1, =qb_fault_stack_top\n\t"
      "ldr r1, [r1]\n\t"
      "msr msp, r1\n\t"
      "b qb_fault_report\n\t"
      ".ltorg\n\t");
}
