// What a SIGINT, SIGTERM or SIGHUP must stop and remove before qbench exits: the guests
// under way (each in its own process group, so the terminal's Ctrl-C never reaches them
// by itself) and the scratch paths of the run (work folders, the report folder's lock).
//
// The handler only writes the signal number to a pipe (async-signal-safe); a watcher
// thread reads it and does the work: it forwards the signal to every registered process
// group, waits for them (SIGKILL after a grace period), waits for any report file being
// published to be complete, removes the registered paths, prints one line and ends the
// process with 128 + the signal (130 SIGINT, 143 SIGTERM). It ends the process itself,
// rather than handing back to the main thread, because the host targets run in process
// and cannot be cancelled half-way: waiting for them could take minutes.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <string>

namespace qb::harness {

// Installs the handlers and starts the watcher; once per process, later calls do nothing.
// Until then everything below is bookkeeping only, and a signal ends the process as usual.
void install_interrupt_handlers();

// True once an interrupt is being handled.
bool interrupted();

// How a registered path is removed at an interrupt.
enum class ScratchKind {
  kWorkFolder,   // removed with everything in it (a target run's work folder)
  kFile,         // a single file (the report folder's lock)
  kEmptyFolder,  // removed only if empty (a report folder this run created)
};

// Held while a child is started or a scratch path created, so that an interrupt either
// finds it registered or prevents it: a guest started after the watcher looked would
// outlive qbench. Throws TargetError when an interrupt is already under way.
class StartGuard {
 public:
  StartGuard();
  StartGuard(const StartGuard&) = delete;
  StartGuard& operator=(const StartGuard&) = delete;

  // The child's process group (its pid: run_process makes each child a group leader).
  void add_child(pid_t process_group);
  // Paths are removed in the reverse order of registration.
  void add_scratch(const std::string& path, ScratchKind kind);

 private:
  std::unique_lock<std::mutex> lock_;
};

// Call once the child has exited but BEFORE reaping it (waitid with WNOWAIT): until it is
// reaped its id cannot belong to another process, so the watcher never signals a
// stranger's group. Then reap it, then call child_reaped: the watcher waits for that, so
// qbench never ends leaving a zombie to whatever adopts it.
void child_exited(pid_t process_group);
void child_reaped(pid_t process_group);
// Call after removing the path yourself.
void forget_scratch(const std::string& path);

// Held while a report or golden file is published (temporary files written, renamed into
// place): an interrupt waits for it, so the process never ends between the two.
class PublishGuard {
 public:
  PublishGuard();
  PublishGuard(const PublishGuard&) = delete;
  PublishGuard& operator=(const PublishGuard&) = delete;

 private:
  std::lock_guard<std::mutex> lock_;
};

}  // namespace qb::harness
