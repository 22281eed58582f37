// Runs a tool (an emulator, a runner) as a child process in a given folder, with a time
// limit, capturing what it prints. Safe to call from several threads at once.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace qb::harness {

struct ProcessResult {
  int exit_code = -1;      // when it exited normally
  int signal = 0;          // when a signal ended it
  bool timed_out = false;  // killed at the time limit
  std::string output;      // stdout and stderr interleaved; the last part if it was long
  bool ok() const { return !timed_out && signal == 0 && exit_code == 0; }
  std::string describe() const;  // "exit code 3", "killed by signal 11", "timed out after ..."
};

// argv[0] is looked up on PATH. Throws TargetError if the process cannot be started, or
// when an interrupt is under way. The child leads its own process group (so a timeout
// kills whatever it started too), registered with the interrupt handling (interrupts.h)
// while it runs, which forwards a SIGINT/SIGTERM of qbench to it.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& working_dir,
                          std::chrono::milliseconds timeout);

// The full path of a program on PATH, or "" when there is none.
std::string find_program(const std::string& name);

// The last `lines` non-empty lines of text, for error messages.
std::string last_lines(const std::string& text, int lines);

}  // namespace qb::harness
