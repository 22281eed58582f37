#include "harness/report/report_folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "harness/suite/input_error.h"
#include "harness/targets/interrupts.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// What the holder wrote into the lock file: "pid 1234, started 2026-01-02T03:04:05Z".
std::string holder_of(int fd) {
  char text[256];
  const ssize_t n = pread(fd, text, sizeof text - 1, 0);
  std::string holder(text, n > 0 ? static_cast<size_t>(n) : 0);
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
  if (holder.find('\n') != std::string::npos) holder.resize(holder.find('\n'));
  return holder.empty() ? "holder unknown" : holder;
}

}  // namespace

ReportFolderLock::ReportFolderLock(const std::string& dir, const std::string& label) {
  auto cannot = [&](const std::string& why) { return InputError(label + ": cannot write here (" + why + ")"); };
  std::string trimmed = dir;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  if (trimmed.empty()) throw cannot("an empty path");
  const fs::path folder(trimmed);

  // The levels that are missing, innermost first: they are created now, and removed again
  // if the run ends without writing anything (bad input leaves no folder behind).
  std::vector<fs::path> missing;
  for (fs::path p = folder; !p.empty(); p = p.parent_path()) {
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (fs::exists(st)) {
      if (!fs::is_directory(st)) throw cannot(p == folder ? "it is a file, not a folder" : p.string() + " is a file, not a folder");
      break;
    }
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  std::string error;
  {
    // Registered as they are made, so an interrupt removes them too.
    StartGuard guard;
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      if (::mkdir(it->c_str(), 0777) == 0) {
        created_.push_back(it->string());
        guard.add_scratch(it->string(), ScratchKind::kEmptyFolder);
      } else if (errno != EEXIST) {
        error = std::strerror(errno);
        break;
      }
    }
  }
  if (!error.empty()) {
    release();
    throw cannot(error);
  }
  // A report name taken by something else would fail only at the very end.
  for (const char* name : {"report.csv", "report.json"}) {
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(folder / name, ec);
    if (fs::exists(st) && !fs::is_regular_file(st)) {
      release();
      throw cannot(std::string(name) + " is there and is not a file");
    }
  }

  lock_file_ = (folder / kReportLockFile).string();
  // The holder removes the file as it lets go; a lock taken on a file that was removed in
  // the meantime locks nothing, so it is taken again on the file now at that path.
  for (int attempt = 0;; ++attempt) {
    fd_ = ::open(lock_file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      error = std::strerror(errno);
      release();
      throw cannot(error);
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int e = errno;
      const std::string holder = e == EWOULDBLOCK ? holder_of(fd_) : "";
      ::close(fd_);
      fd_ = -1;
      release();
      if (e == EWOULDBLOCK) {
        throw InputError(label + ": in use by another qbench run (" + holder +
                         "); wait for it to finish or give another folder");
      }
      throw cannot(std::string("cannot lock ") + kReportLockFile + ": " + std::strerror(e));
    }
    struct stat held {}, now {};
    if (::fstat(fd_, &held) == 0 && ::stat(lock_file_.c_str(), &now) == 0 && held.st_dev == now.st_dev &&
        held.st_ino == now.st_ino) {
      break;
    }
    ::close(fd_);
    fd_ = -1;
    if (attempt == 20) {
      release();
      throw cannot(std::string("the lock file ") + kReportLockFile + " keeps changing under this run");
    }
  }
  const std::string holder = "pid " + std::to_string(::getpid()) + ", started " + now_utc() + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t n = ::pwrite(fd_, holder.data(), holder.size(), 0);
  }
  try {
    StartGuard guard;
    guard.add_scratch(lock_file_, ScratchKind::kFile);
  } catch (...) {
    // An interrupt is under way and ends the process; the lock goes with it.
  }
}

ReportFolderLock::~ReportFolderLock() { release(); }

void ReportFolderLock::release() {
  if (fd_ >= 0) {
    // Removed before it is let go: a run waiting on this file sees it replaced and retries.
    forget_scratch(lock_file_);
    ::unlink(lock_file_.c_str());
    ::close(fd_);
    fd_ = -1;
  }
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    forget_scratch(*it);
    ::rmdir(it->c_str());  // only if empty: a run that wrote its reports keeps its folder
  }
  created_.clear();
}

}  // namespace qb::harness
