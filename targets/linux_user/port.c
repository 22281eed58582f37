// The runner's platform port for AArch64 Linux user mode (static binaries under
// qemu-aarch64): the memory pool is an anonymous mapping, the stack is the process's main
// stack, and there is no cycle counter to read (QEMU models no timing, and PMCCNTR is not
// readable from user space on Linux anyway).
#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "targets/runner/port.h"

// Mapped, not a static array, so the pool stays out of the image's .bss and with it out
// of the ram_bytes figure (the harness adds the model's planned arena instead, as on
// Cortex-M). Pages are only touched as the runner takes them.
static const size_t kPoolBytes = 64u << 20;

// The stack below the caller that is painted and scanned: far more than any model's
// layers need (a Cortex-M board gives the whole runner 16 KiB), and mapped in full by
// qemu-aarch64 from the start. A deepest use beyond it would be reported as this bound.
static const size_t kPaintBytes = 256u << 10;
// Not a repeated byte, so a memset of zeros or 0xFF never looks like paint.
static const uint32_t kPaint = 0xC0DEFA11u;
// Words just below the caller's stack pointer left alone: this function's own frame.
static const size_t kPaintMargin = 64;

// The stack pointer _start was entered with (glibc, static builds too): the top of the
// program's frames, so the figure includes the C library's startup frames, as the
// Cortex-M figure includes its startup code's.
extern void* __libc_stack_end;

static volatile uint32_t* paint_bottom;
static volatile uint32_t* paint_top;

void qb_port_memory_pool(uint8_t** base, size_t* size) {
  static uint8_t* pool;
  if (pool == NULL) {
    void* p = mmap(NULL, kPoolBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    // The runner reports an empty pool as out of memory, naming what did not fit.
    if (p == MAP_FAILED) {
      *base = NULL;
      *size = 0;
      return;
    }
    pool = p;
  }
  *base = pool;
  *size = kPoolBytes;
}

__attribute__((noinline)) void qb_port_stack_paint(void) {
  uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  paint_top = sp - kPaintMargin;
  paint_bottom = paint_top - kPaintBytes / sizeof(uint32_t);
  // volatile: a plain loop may become a memset call, which would run on the stack it paints.
  for (volatile uint32_t* p = paint_bottom; p < paint_top; ++p) *p = kPaint;
}

size_t qb_port_stack_used(void) {
  if (paint_bottom == NULL) return 0;
  const volatile uint32_t* p = paint_bottom;
  while (p < paint_top && *p == kPaint) ++p;
  return (size_t)((const uint8_t*)__libc_stack_end - (const uint8_t*)p);
}

bool qb_port_model_region(const uint8_t** base, size_t* size) {
  // Models come from files here: the runner reads them into the memory pool.
  *base = NULL;
  *size = 0;
  return false;
}

bool qb_port_cycle_counter_start(void) { return false; }

uint32_t qb_port_cycles(void) { return 0; }
