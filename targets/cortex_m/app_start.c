// qb_start() of the application image (app_main.cc): no host I/O and no command line, as
// on a device. Its one concession to emulation is the end: main()'s return value becomes
// QEMU's exit status through a single semihosting call, where a device would sleep.
#include "targets/cortex_m/semihosting.h"
#include "targets/cortex_m/startup.h"

extern int main(void);

void qb_start(void) {
  qb_run_static_constructors();
  qb_semihost_exit(main());
}
