// Vector table and reset: what runs before main() on every Cortex-M image. The reset
// handler prepares memory and the core as silicon needs, then hands over to qb_start(),
// which each kind of image defines: the test images (semihosted_start.c) with the host's
// command line and newlib's file I/O, the application image (app_start.c) with neither.
// rdimon's own crt0 is not used because it places the stack and heap from the host's guess
// of the memory map; here the board's linker script decides.
#include <stdint.h>

#include "targets/cortex_m/startup.h"

// From the board linker script (boards/cortex_m_sections.ld).
extern uint32_t __qb_stack_top, __qb_stack_bottom;
extern uint32_t __qb_data_start, __qb_data_end, __qb_data_load;
extern uint32_t __qb_bss_start, __qb_bss_end;
extern void (*__qb_init_array_start[])(void);
extern void (*__qb_init_array_end[])(void);

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

void qb_run_static_constructors(void) {
  for (void (**f)(void) = __qb_init_array_start; f < __qb_init_array_end; ++f) (*f)();
}

__attribute__((noreturn)) void qb_reset_handler(void) {
  // Initialised data is copied from its load address, as on silicon, rather than relying
  // on the loader having placed it in RAM.
  const uint32_t* src = &__qb_data_load;
  for (uint32_t* dst = &__qb_data_start; dst < &__qb_data_end;) *dst++ = *src++;
  for (uint32_t* dst = &__qb_bss_start; dst < &__qb_bss_end;) *dst++ = 0;
  enable_fpu();
  set_stack_limit();
  qb_start();
}
