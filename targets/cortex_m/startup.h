// The hand-over from the reset handler (startup.c) to the image's own start: one per kind
// of image, so the application image carries no host I/O.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

// Runs once memory and the core are ready; never returns (it ends the emulation).
__attribute__((noreturn)) void qb_start(void);

// Calls the C++ static constructors (.init_array), in link order.
void qb_run_static_constructors(void);

#ifdef __cplusplus
}
#endif
