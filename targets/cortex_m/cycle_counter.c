// The runner's cycle counter on Cortex-M: DWT CYCCNT (Armv7-M and Armv8-M Mainline).
#include <stdbool.h>
#include <stdint.h>

#include "targets/runner/port.h"

#define QB_DEMCR (*(volatile uint32_t*)0xE000EDFCu)
#define QB_DWT_CTRL (*(volatile uint32_t*)0xE0001000u)
#define QB_DWT_CYCCNT (*(volatile uint32_t*)0xE0001004u)

static const uint32_t kDemcrTrcena = 1u << 24;     // powers the DWT
static const uint32_t kDwtNoCycCnt = 1u << 25;     // set: this core has no cycle counter
static const uint32_t kDwtCycCntEna = 1u << 0;

bool qb_port_cycle_counter_start(void) {
  QB_DEMCR |= kDemcrTrcena;
  if ((QB_DWT_CTRL & kDwtNoCycCnt) != 0) return false;
  QB_DWT_CYCCNT = 0;
  QB_DWT_CTRL |= kDwtCycCntEna;
  // Trust it only once it has been seen to move: an emulator may accept the writes and
  // still read zero forever.
  const uint32_t before = QB_DWT_CYCCNT;
  for (volatile int i = 0; i < 16; ++i) {
  }
  return QB_DWT_CYCCNT != before;
}

uint32_t qb_port_cycles(void) { return QB_DWT_CYCCNT; }
