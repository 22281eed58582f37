#include "harness/cli/paths.h"

#include <cstdlib>

namespace qb::harness {

Paths default_paths() {
  Paths p;
  const char* root = std::getenv("QB_ROOT");
  p.root = root && *root ? root : QB_SOURCE_DIR;
  p.out = std::string(QB_BINARY_DIR) + "/reports";
  p.golden_dir = p.root + "/reports/golden";
  return p;
}

}  // namespace qb::harness
