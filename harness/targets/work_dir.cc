#include "harness/targets/work_dir.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

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
  if (mkdtemp(buffer.data()) == nullptr) {
    throw TargetError("cannot create a scratch folder " + pattern + ": " + std::strerror(errno));
  }
  path_ = buffer.data();
}

WorkDir::~WorkDir() {
  if (const char* keep = std::getenv("QB_KEEP_WORK_DIRS"); keep != nullptr && *keep != '\0') return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace qb::harness
