// Direct Arm semihosting calls for the few moments newlib's rdimon layer cannot serve:
// before it is initialised (the command line), and after a fault, when its state cannot
// be trusted (writing a message, exiting with a code).
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// The host command line (QEMU's -semihosting-config arg=... joined by spaces) into
// buffer, NUL-terminated; returns false if the host gives none or it does not fit.
int qb_semihost_cmdline(char* buffer, size_t size);

// Writes a NUL-terminated string to the host console.
void qb_semihost_write0(const char* text);

// Ends the emulation with `code` as QEMU's exit status.
__attribute__((noreturn)) void qb_semihost_exit(int code);

#ifdef __cplusplus
}
#endif
