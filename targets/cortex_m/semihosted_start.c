// qb_start() of the test images (runner, kernel self-test, cycle bench): newlib's file I/O
// over Arm semihosting, the host's command line as argc/argv, and main()'s return value as
// QEMU's exit status. Everything here is the test harness's, not the application's: the
// application image (app_start.c) links none of it.
#include <stdlib.h>

#include "targets/cortex_m/semihosting.h"
#include "targets/cortex_m/startup.h"

extern void initialise_monitor_handles(void);
extern int main(int argc, char** argv);

// Splits the semihosting command line at spaces (the runner's arguments contain none).
static int split_arguments(char* line, char** argv, int max) {
  int argc = 0;
  char* p = line;
  while (*p != '\0' && argc < max) {
    while (*p == ' ') *p++ = '\0';
    if (*p == '\0') break;
    argv[argc++] = p;
    while (*p != '\0' && *p != ' ') ++p;
  }
  argv[argc] = 0;
  return argc;
}

void qb_start(void) {
  // Before any stdio call, or every write fails without a word.
  initialise_monitor_handles();
  qb_run_static_constructors();

  static char line[512];
  static char* argv[16];
  int argc = 0;
  if (qb_semihost_cmdline(line, sizeof line)) argc = split_arguments(line, argv, 15);
  // exit() flushes and closes newlib's streams; rdimon's _exit passes the status on.
  exit(main(argc, argv));
}
