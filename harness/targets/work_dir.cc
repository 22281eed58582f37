#include "harness/targets/work_dir.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "harness/targets/interrupts.h"
#include "harness/targets/target.h"

namespace qb::harness {

WorkDir::WorkDir(const std::string& tag) {
  std::string name = tag;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  const std::string pattern =
      (std::filesystem::temp_directory_path() / ("qbench_" + name + "_XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  // Registered as it is made, so an interrupt (interrupts.h) removes it with the guest
  // that uses it; none is made once an interrupt is under way (the guard throws).
  StartGuard guard;
  if (mkdtemp(buffer.data()) == nullptr) {
    throw TargetError("cannot create a scratch folder " + pattern + ": " + std::strerror(errno));
  }
  path_ = buffer.data();
  guard.add_scratch(path_, ScratchKind::kWorkFolder);
}

WorkDir::~WorkDir() {
  if (const char* keep = std::getenv("QB_KEEP_WORK_DIRS"); keep == nullptr || *keep == '\0') {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  // Only now: an interrupt during the removal still finds it, and finishes the job.
  forget_scratch(path_);
}

}  // namespace qb::harness
