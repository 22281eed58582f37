#include "targets/cortex_m/semihosting.h"

// Operation numbers and the exit reason from the Arm semihosting specification.
enum {
  kSysWrite0 = 0x04,
  kSysGetCmdline = 0x15,
  kSysExit = 0x18,
  kSysExitExtended = 0x20,
};
static const uint32_t kApplicationExit = 0x20026;

// M-profile semihosting traps with BKPT 0xAB: operation in r0, argument in r1, result in r0.
static uint32_t semihost_call(uint32_t op, const void* arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

int qb_semihost_cmdline(char* buffer, size_t size) {
  uint32_t block[2] = {(uint32_t)(uintptr_t)buffer, (uint32_t)size};
  if (size == 0 || semihost_call(kSysGetCmdline, block) != 0) return 0;
  buffer[block[1] < size ? block[1] : size - 1] = '\0';
  return 1;
}

void qb_semihost_write0(const char* text) { semihost_call(kSysWrite0, text); }

void qb_semihost_exit(int code) {
  // SYS_EXIT on AArch32 carries no status; the extended call does (QEMU supports it).
  const uint32_t block[2] = {kApplicationExit, (uint32_t)code};
  semihost_call(kSysExitExtended, block);
  semihost_call(kSysExit, (const void*)(uintptr_t)kApplicationExit);
  for (;;) {
  }
}
