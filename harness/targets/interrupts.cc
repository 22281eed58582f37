#include "harness/targets/interrupts.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>
#include <vector>

#include "harness/targets/target.h"

namespace qb::harness {
namespace {

// Never destroyed: the watcher may still use it while static destructors run at exit.
struct Registry {
  std::mutex mutex;  // children, scratch, stopping
  std::condition_variable children_changed;
  struct Child {
    pid_t group;
    bool exited;  // no more signals: it may be reaped at any moment
  };
  std::vector<Child> children;
  std::vector<std::pair<std::string, ScratchKind>> scratch;
  bool stopping = false;
  std::mutex publish;  // held by PublishGuard
};

Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

// The self-pipe: written by the handler, read by the watcher.
int g_signal_pipe[2] = {-1, -1};

extern "C" void on_interrupt(int signal_number) {
  const int saved = errno;
  // Four bytes into a pipe is one atomic write; if the pipe is full a signal is already
  // pending, so a failed write loses nothing.
  [[maybe_unused]] const ssize_t n = write(g_signal_pipe[1], &signal_number, sizeof signal_number);
  errno = saved;
}

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "signal";
  }
}

std::string counted(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Waits until every child has been reaped by its run_process, or the grace period ends;
// returns the groups still running.
std::vector<pid_t> wait_for_children(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds grace) {
  Registry& r = registry();
  r.children_changed.wait_for(lock, grace, [&] { return r.children.empty(); });
  std::vector<pid_t> running;
  for (const auto& child : r.children) {
    if (!child.exited) running.push_back(child.group);
  }
  return running;
}

[[noreturn]] void handle_interrupt(int signal_number) {
  // What the workers report from here on, about guests stopped on purpose, is noise:
  // only the final line is printed.
  const int err = dup(STDERR_FILENO);
  if (const int null = open("/dev/null", O_WRONLY | O_CLOEXEC); null >= 0) {
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    close(null);
  }

  Registry& r = registry();
  size_t guests = 0;
  {
    std::unique_lock<std::mutex> lock(r.mutex);
    r.stopping = true;  // from here on nothing new starts (StartGuard throws)
    guests = std::count_if(r.children.begin(), r.children.end(), [](const auto& c) { return !c.exited; });
    // The same signal first: QEMU ends cleanly on SIGINT/SIGTERM, and a qemu-user guest
    // gets it as it would from a terminal.
    for (const auto& child : r.children) {
      if (!child.exited) kill(-child.group, signal_number);
    }
    const std::vector<pid_t> left = wait_for_children(lock, std::chrono::seconds(3));
    for (const pid_t group : left) kill(-group, SIGKILL);
    if (!r.children.empty()) wait_for_children(lock, std::chrono::seconds(5));
  }

  // A report being published is finished first, so no file is left half-written; none
  // starts after this.
  std::lock_guard<std::mutex> publishing(r.publish);
  std::vector<std::pair<std::string, ScratchKind>> scratch;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    scratch = r.scratch;
  }
  const char* keep = std::getenv("QB_KEEP_WORK_DIRS");
  const bool keep_work = keep != nullptr && *keep != '\0';
  size_t folders = 0;
  for (auto it = scratch.rbegin(); it != scratch.rend(); ++it) {
    std::error_code ec;
    switch (it->second) {
      case ScratchKind::kWorkFolder:
        ++folders;
        if (keep_work) break;
        // A worker may be removing the same folder at once; a second pass catches a race.
        if (std::filesystem::remove_all(it->first, ec); ec) std::filesystem::remove_all(it->first, ec);
        break;
      case ScratchKind::kFile:
        std::filesystem::remove(it->first, ec);
        break;
      case ScratchKind::kEmptyFolder:
        rmdir(it->first.c_str());
        break;
    }
  }

  std::string line = std::string("qbench: interrupted (") + signal_name(signal_number) + "); ";
  if (guests == 0) {
    line += "no guest was running";
  } else {
    line += "stopped " + counted(guests, "running guest", "running guests");
  }
  // A stopped guest's folder is gone either way: removed here, or by its own run as the
  // guest ended.
  if (keep_work) {
    if (guests > 0 || folders > 0) line += "; work folders kept (QB_KEEP_WORK_DIRS)";
  } else if (guests > 0) {
    line += guests == 1 ? ", removed its work folder" : ", removed their work folders";
  } else if (folders > 0) {
    line += ", removed " + counted(folders, "work folder", "work folders");
  }
  line += "\n";
  if (err >= 0) {
    [[maybe_unused]] const ssize_t n = write(err, line.data(), line.size());
  }
  // _exit: the other threads may be anywhere (a host run half-way); nothing of theirs is
  // worth flushing, and static destructors must not run under them.
  _exit(128 + signal_number);
}

void watch() {
  int signal_number = 0;
  while (true) {
    const ssize_t n = read(g_signal_pipe[0], &signal_number, sizeof signal_number);
    if (n == sizeof signal_number) break;
    if (n < 0 && errno == EINTR) continue;
    return;  // the pipe is gone; nothing more can be done from here
  }
  handle_interrupt(signal_number);
}

}  // namespace

void install_interrupt_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (pipe2(g_signal_pipe, O_CLOEXEC) != 0) return;  // stays uninstalled: signals act as usual
    fcntl(g_signal_pipe[1], F_SETFL, fcntl(g_signal_pipe[1], F_GETFL) | O_NONBLOCK);
    std::thread(watch).detach();
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // the interrupted thread carries on; the watcher acts
    for (const int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &action, nullptr);
  });
}

bool interrupted() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.stopping;
}

StartGuard::StartGuard() : lock_(registry().mutex) {
  if (registry().stopping) throw TargetError("interrupted: not starting anything new");
}

void StartGuard::add_child(pid_t process_group) { registry().children.push_back({process_group, false}); }

void StartGuard::add_scratch(const std::string& path, ScratchKind kind) {
  registry().scratch.emplace_back(path, kind);
}

void child_exited(pid_t process_group) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto& child : r.children) {
    if (child.group == process_group) child.exited = true;
  }
}

void child_reaped(pid_t process_group) {
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    std::erase_if(r.children, [&](const Registry::Child& c) { return c.group == process_group; });
  }
  r.children_changed.notify_all();
}

void forget_scratch(const std::string& path) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto it = r.scratch.rbegin(); it != r.scratch.rend(); ++it) {
    if (it->first == path) {
      r.scratch.erase(std::next(it).base());
      return;
    }
  }
}

PublishGuard::PublishGuard() : lock_(registry().publish) {}

}  // namespace qb::harness
