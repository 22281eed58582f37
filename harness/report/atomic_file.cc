#include "harness/report/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "harness/targets/interrupts.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;

// Same folder as the destination, so the rename stays within one file system.
fs::path temp_for(const fs::path& target) { return target.string() + ".tmp." + std::to_string(::getpid()); }

void create_parent(const fs::path& target) {
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec) throw std::runtime_error("cannot create folder " + target.parent_path().string() + ": " + ec.message());
}

// The whole contents on disk (fsync) before any rename, so a crash right after the rename
// cannot leave an empty or short file under the final name. Removes the file on failure.
void write_and_sync(const fs::path& path, const std::string& contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  size_t done = 0;
  int error = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : ENOSPC;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    ::unlink(path.c_str());
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(error));
  }
}

// The renames themselves on disk. Best effort: not every file system syncs folders.
void sync_folder(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void rename_into_place(const fs::path& temp, const fs::path& target) {
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    throw std::runtime_error("cannot replace " + target.string() + ": " + std::strerror(error));
  }
}

// "report.json.tmp.1234" of a process that is gone: left by a qbench killed between
// writing and renaming.
void remove_stale_temps(const fs::path& dir, const std::string& name) {
  const std::string prefix = name + ".tmp.";
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (file.rfind(prefix, 0) != 0) continue;
    char* rest = nullptr;
    const long pid = std::strtol(file.c_str() + prefix.size(), &rest, 10);
    if (rest == file.c_str() + prefix.size() || *rest != '\0' || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) ::unlink(it->path().c_str());
  }
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& contents) {
  const PublishGuard publishing;
  const fs::path target(path);
  create_parent(target);
  const fs::path temp = temp_for(target);
  write_and_sync(temp, contents);
  rename_into_place(temp, target);
  sync_folder(target.parent_path());
}

void write_report_pair(const std::string& dir, const std::string& csv, const std::string& json) {
  const PublishGuard publishing;
  const fs::path folder(dir);
  const fs::path csv_file = folder / "report.csv", json_file = folder / "report.json";
  create_parent(csv_file);
  remove_stale_temps(folder, "report.csv");
  remove_stale_temps(folder, "report.json");

  // Both in full first: a failure here (a full disk) leaves the old pair as it was.
  const fs::path csv_temp = temp_for(csv_file), json_temp = temp_for(json_file);
  write_and_sync(csv_temp, csv);
  try {
    write_and_sync(json_temp, json);
  } catch (...) {
    ::unlink(csv_temp.c_str());
    throw;
  }
  // The commit: report.json goes first and comes back last (see the header).
  if (::unlink(json_file.c_str()) != 0 && errno != ENOENT) {
    const int error = errno;
    ::unlink(csv_temp.c_str());
    ::unlink(json_temp.c_str());
    throw std::runtime_error("cannot replace " + json_file.string() + ": " + std::strerror(error));
  }
  try {
    rename_into_place(csv_temp, csv_file);
  } catch (...) {
    ::unlink(json_temp.c_str());
    throw;
  }
  rename_into_place(json_temp, json_file);
  sync_folder(folder);
}

}  // namespace qb::harness
