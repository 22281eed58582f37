// What the runner needs from the platform it runs on; each platform (targets/cortex_m,
// later a Linux user-mode port) implements these once.
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Free memory for the activation arena, one test input and the model's output (and the
// model file, where it is read from a file); 16-byte aligned. Sized by the platform, not by
// any one model.
void qb_port_memory_pool(uint8_t** base, size_t* size);

// The read-only memory where the platform keeps a model file placed before the core
// started (on Cortex-M, the code memory after the image: a device's flash), 16-byte
// aligned. Returns false where models are read from files instead.
bool qb_port_model_region(const uint8_t** base, size_t* size);

// Fills the unused part of the stack below the caller with a known pattern...
void qb_port_stack_paint(void);
// ...and returns the bytes between the stack top and the deepest word that no longer
// holds it: the stack high-water mark since the last paint, startup frames included.
size_t qb_port_stack_used(void);

// A free-running core cycle counter, where one runs: true after starting it on real
// silicon that has it; false where it does not count (QEMU models no timing and reads it
// as zero), and then the runner reports no cycles at all rather than zeros.
bool qb_port_cycle_counter_start(void);
uint32_t qb_port_cycles(void);

#ifdef __cplusplus
}
#endif
