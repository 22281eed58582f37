#include "harness/cli/provenance.h"

#include <array>
#include <cstdio>
#include <ctime>

namespace qb::harness {
namespace {

// First line of a shell command's output, or "" when it fails.
std::string first_line_of(const std::string& command) {
  std::array<char, 256> buffer{};
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return "";
  std::string line;
  if (std::fgets(buffer.data(), buffer.size(), pipe)) line = buffer.data();
  const int status = ::pclose(pipe);
  if (status != 0) return "";
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

}  // namespace

std::string git_sha(const std::string& source_root) {
  const std::string git = "git -C '" + source_root + "' ";
  std::string sha = first_line_of(git + "rev-parse HEAD 2>/dev/null");
  if (sha.empty()) return "unknown";
  if (!first_line_of(git + "status --porcelain --untracked-files=no 2>/dev/null").empty()) sha += "+dirty";
  return sha;
}

std::string version_line(const std::string& source_root) {
  const std::string build_type = QB_BUILD_TYPE;
  return std::string("qbench ") + QB_VERSION + " (git " + git_sha(source_root) + ", " + QB_CXX_COMPILER +
         (build_type.empty() ? "" : ", " + build_type) + ")";
}

RunMetadata provenance(const std::string& source_root, int32_t repetitions) {
  RunMetadata m;
  m.qbench_version = QB_VERSION;
  m.git_sha = git_sha(source_root);
  m.compiler = QB_CXX_COMPILER;
  m.cxx_flags = QB_CXX_FLAGS;
  m.build_type = QB_BUILD_TYPE;
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  m.date_utc = date;
  m.repetitions = repetitions;
  return m;
}

}  // namespace qb::harness
