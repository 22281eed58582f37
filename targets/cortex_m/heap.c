// The heap behind newlib's malloc (stdio buffers): the linker script's .heap and no
// further, instead of up to the stack pointer as libgloss's default _sbrk allows.
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

extern uint8_t __qb_heap_start, __qb_heap_end;

void* _sbrk(ptrdiff_t increment) {
  static uint8_t* brk = &__qb_heap_start;
  if (increment > &__qb_heap_end - brk || increment < &__qb_heap_start - brk) {
    errno = ENOMEM;
    return (void*)-1;
  }
  uint8_t* previous = brk;
  brk += increment;
  return previous;
}
