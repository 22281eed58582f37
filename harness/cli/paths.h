// Where qbench finds the committed suites, goldens and target table, and where it writes
// reports, unless told otherwise on the command line.
#pragma once

#include <string>

namespace qb::harness {

struct Paths {
  std::string root;        // the source tree: suites/, reports/, targets/
  std::string out;         // report folder
  std::string golden_dir;  // reports/golden under root
  std::string suites_dir() const { return root + "/suites"; }
  std::string presets_file() const { return root + "/suites/presets.json"; }
  std::string targets_file() const { return root + "/targets/targets.json"; }
};

// Defaults from the build (QB_SOURCE_DIR, QB_BINARY_DIR); the QB_ROOT environment
// variable points a relocated binary at another source tree.
Paths default_paths();

// The report folder when --out is not given: <build>/reports for this build's own source
// tree, and for another root (--root, QB_ROOT) the same place under that root, e.g.
// ROOT/build/default/reports (ROOT/build/reports when the build is outside its sources).
std::string default_out(const std::string& root);

}  // namespace qb::harness
