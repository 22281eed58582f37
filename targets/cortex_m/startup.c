// Vector table and reset: what runs before main() on every Cortex-M board. rdimon's own
// crt0 is not used because it places the stack and heap from the host's guess of the
// memory map; here the board's linker script decides.
#include <stdint.h>
#include <stdlib.h>

#include "targets/cortex_m/semihosting.h"

// From the board linker script (boards/cortex_m_sections.ld).
extern uint32_t __qb_stack_top, __qb_stack_bottom;
extern uint32_t __qb_data_start, __qb_data_end, __qb_data_load;
extern uint32_t __qb_bss_start, __qb_bss_end;
extern void (*__qb_init_array_start[])(void);
extern void (*__qb_init_array_end[])(void);

extern void initialise_monitor_handles(void);
extern int main(int argc, char** argv);
void qb_reset_handler(void);
void qb_fault_handler(void);

// The system exceptions only: the runner enables no interrupt, so any exception other
// than reset is a failure and goes to the fault reporter.
__attribute__((section(".vectors"), used)) void (*const qb_vector_table[16])(void) = {
    (void (*)(void))(&__qb_stack_top),
    qb_reset_handler,
    qb_fault_handler,  // NMI
    qb_fault_handler,  // HardFault
    qb_fault_handler,  // MemManage
    qb_fault_handler,  // BusFault
    qb_fault_handler,  // UsageFault
    qb_fault_handler,  // SecureFault (Armv8-M)
    0,
    0,
    0,
    qb_fault_handler,  // SVCall
    qb_fault_handler,  // DebugMonitor
    0,
    qb_fault_handler,  // PendSV
    qb_fault_handler,  // SysTick
};

#define QB_SCB_CPACR (*(volatile uint32_t*)0xE000ED88u)

static void enable_fpu(void) {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
  // CP10 and CP11 full access: FPU (and, on Armv8.1-M, MVE) instructions fault until set.
  QB_SCB_CPACR |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
}

static void set_stack_limit(void) {
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
  // Armv8-M checks the stack limit in hardware: an overflow becomes a reported fault
  // instead of silently overwriting the memory pool below the stack.
  __asm__ volatile("msr msplim, %0" : : "r"(&__qb_stack_bottom));
#endif
}

// Splits the semihosting command line at spaces (the runner's arguments contain none).
static int split_arguments(char* line, char** argv, int max) {
  int argc = 0;
  char* p = line;
  while (*p != '\0' && argc < max) {
    while (*p == ' ') *p++ = '\0';
    if (*p == '\0') break;
    argv[argc++] = p;
    while (*p != '\0' && *p != ' ') ++p;
  }
  argv[argc] = 0;
  return argc;
}

__attribute__((noreturn)) void qb_reset_handler(void) {
  // Initialised data is copied from its load address, as on silicon, rather than relying
  // on the loader having placed it in RAM.
  const uint32_t* src = &__qb_data_load;
  for (uint32_t* dst = &__qb_data_start; dst < &__qb_data_end;) *dst++ = *src++;
  for (uint32_t* dst = &__qb_bss_start; dst < &__qb_bss_end;) *dst++ = 0;
  enable_fpu();
  set_stack_limit();

  // Before any stdio call, or every write fails without a word.
  initialise_monitor_handles();
  for (void (**f)(void) = __qb_init_array_start; f < __qb_init_array_end; ++f) (*f)();

  static char line[512];
  static char* argv[16];
  int argc = 0;
  if (qb_semihost_cmdline(line, sizeof line)) argc = split_arguments(line, argv, 15);
  // exit() flushes and closes newlib's streams; rdimon's _exit passes the status on.
  exit(main(argc, argv));
}
