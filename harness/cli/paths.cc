#include "harness/cli/paths.h"

#include <cstdlib>
#include <filesystem>

namespace qb::harness {

std::string default_out(const std::string& root) {
  namespace fs = std::filesystem;
  // This build's reports folder, at the same place under `root` as the build folder sits
  // under its own source tree (build/default/reports for the default preset).
  const fs::path build = fs::path(QB_BINARY_DIR).lexically_normal();
  const fs::path source = fs::path(QB_SOURCE_DIR).lexically_normal();
  if (fs::path(root).lexically_normal() == source) return (build / "reports").string();
  const fs::path relative = build.lexically_relative(source);
  const bool inside = !relative.empty() && *relative.begin() != "..";
  return ((fs::path(root) / (inside ? relative : fs::path("build"))) / "reports").lexically_normal().string();
}

Paths default_paths() {
  Paths p;
  const char* root = std::getenv("QB_ROOT");
  p.root = root && *root ? root : QB_SOURCE_DIR;
  p.out = default_out(p.root);
  p.golden_dir = p.root + "/reports/golden";
  return p;
}

}  // namespace qb::harness
