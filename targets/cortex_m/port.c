// The runner's platform port for Cortex-M boards: memory and stack come from the board's
// linker script.
#include <stddef.h>
#include <stdint.h>

#include "targets/runner/port.h"

extern uint32_t __qb_stack_top, __qb_stack_bottom;
extern uint8_t __qb_pool_start, __qb_pool_end;
extern const uint8_t __qb_model_start, __qb_model_end;

// Not a repeated byte, so a memset of zeros or 0xFF never looks like paint.
static const uint32_t kPaint = 0xC0DEFA11u;
// Words just below the caller's stack pointer left alone: this function's own frame.
static const uint32_t kPaintMargin = 16;

void qb_port_memory_pool(uint8_t** base, size_t* size) {
  *base = &__qb_pool_start;
  *size = (size_t)(&__qb_pool_end - &__qb_pool_start);
}

bool qb_port_model_region(const uint8_t** base, size_t* size) {
  *base = &__qb_model_start;
  *size = (size_t)(&__qb_model_end - &__qb_model_start);
  return true;
}

__attribute__((noinline)) void qb_port_stack_paint(void) {
  uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  volatile uint32_t* p = &__qb_stack_bottom;
  // volatile: a plain loop may become a memset call, which would run on the stack it paints.
  while (p < sp - kPaintMargin) *p++ = kPaint;
}

size_t qb_port_stack_used(void) {
  const volatile uint32_t* p = &__qb_stack_bottom;
  while (p < &__qb_stack_top && *p == kPaint) ++p;
  return (size_t)((const uint8_t*)&__qb_stack_top - (const uint8_t*)p);
}
