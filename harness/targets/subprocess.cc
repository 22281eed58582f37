#include "harness/targets/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>
#include <thread>

#include "harness/targets/interrupts.h"
#include "harness/targets/target.h"

extern char** environ;

namespace qb::harness {
namespace {

using Clock = std::chrono::steady_clock;

// Enough to show the guest's last words; a runaway guest cannot fill memory.
constexpr size_t kMaxOutput = 64 * 1024;

struct FileActions {
  FileActions() { posix_spawn_file_actions_init(&actions); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
  posix_spawn_file_actions_t actions;
};

struct SpawnAttributes {
  SpawnAttributes() { posix_spawnattr_init(&attributes); }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attributes); }
  posix_spawnattr_t attributes;
};

// Whether the child has ended, without reaping it (WNOWAIT): it is taken off the interrupt
// registry first, so its id is never signalled once the system may have reused it.
bool has_exited(pid_t pid, bool block) {
  while (true) {
    siginfo_t info{};
    const int r = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT | (block ? 0 : WNOHANG));
    if (r == 0) return info.si_pid == pid;
    if (errno != EINTR) return true;  // ECHILD: already reaped, nothing left to wait for
  }
}

int reap(pid_t pid) {
  child_exited(pid);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  child_reaped(pid);
  return status;
}

void append_output(std::string* output, const char* data, size_t size) {
  output->append(data, size);
  if (output->size() > 2 * kMaxOutput) output->erase(0, output->size() - kMaxOutput);
}

}  // namespace

std::string ProcessResult::describe() const {
  if (timed_out) return "timed out";
  if (signal != 0) return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "exit code " + std::to_string(exit_code);
}

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

std::string last_lines(const std::string& text, int lines) {
  std::vector<std::string> kept;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    kept.push_back(line);
    if (kept.size() > static_cast<size_t>(lines)) kept.erase(kept.begin());
  }
  std::string out;
  for (const auto& l : kept) out += (out.empty() ? "" : " | ") + l;
  return out;
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& working_dir,
                          std::chrono::milliseconds timeout) {
  if (argv.empty()) throw TargetError("run_process: no program given");
  int pipe_fds[2];
  // Close-on-exec, so that children started by other threads never hold this pipe open.
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw TargetError(std::string("pipe: ") + std::strerror(errno));

  FileActions fa;
  posix_spawn_file_actions_addopen(&fa.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa.actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa.actions, pipe_fds[1], STDERR_FILENO);
  if (!working_dir.empty()) posix_spawn_file_actions_addchdir_np(&fa.actions, working_dir.c_str());
  // Its own process group, so a timeout kills whatever it started too.
  SpawnAttributes sa;
  posix_spawnattr_setflags(&sa.attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&sa.attributes, 0);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int spawn_error = 0;
  {
    // Registered as it starts, so an interrupt (interrupts.h) stops it with qbench; no
    // guest starts once an interrupt is under way (the guard throws).
    std::optional<StartGuard> guard;
    try {
      guard.emplace();
    } catch (...) {
      close(pipe_fds[0]);
      close(pipe_fds[1]);
      throw;
    }
    spawn_error = posix_spawnp(&pid, argv[0].c_str(), &fa.actions, &sa.attributes, args.data(), environ);
    if (spawn_error == 0) guard->add_child(pid);
  }
  close(pipe_fds[1]);
  // Non-blocking, so that draining after the child exits never waits on a pipe that
  // something else still holds open.
  fcntl(pipe_fds[0], F_SETFL, fcntl(pipe_fds[0], F_GETFL) | O_NONBLOCK);
  if (spawn_error != 0) {
    close(pipe_fds[0]);
    throw TargetError("cannot start " + argv[0] + ": " + std::strerror(spawn_error));
  }

  ProcessResult result;
  const auto deadline = Clock::now() + timeout;
  char buffer[4096];
  bool open = true;
  int status = 0;
  bool exited = false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    if (open) {
      pollfd p{pipe_fds[0], POLLIN, 0};
      const int ready = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 100)));
      if (ready > 0) {
        const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
        if (n > 0) {
          append_output(&result.output, buffer, static_cast<size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          open = false;
        }
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (has_exited(pid, false)) {
      exited = true;
      status = reap(pid);
      // Whatever is still in the pipe belongs to the output.
      ssize_t n;
      while (open && (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) {
        append_output(&result.output, buffer, static_cast<size_t>(n));
      }
      break;
    }
  }
  if (!exited) {
    kill(-pid, SIGKILL);
    has_exited(pid, true);
    status = reap(pid);
  }
  close(pipe_fds[0]);
  if (result.output.size() > kMaxOutput) result.output.erase(0, result.output.size() - kMaxOutput);
  if (!result.timed_out) {
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace qb::harness
