// What a run records about itself: git sha, compiler and flags, date.
#pragma once

#include <string>

#include "harness/report/run_report.h"

namespace qb::harness {

RunMetadata provenance(const std::string& source_root, int32_t repetitions);

// The source tree's commit, with "+dirty" when tracked files differ from it; "unknown"
// outside a git checkout.
std::string git_sha(const std::string& source_root);

// `qbench --version`: "qbench 0.1.0 (git <sha>[+dirty], GNU 12.2.0, Release)".
std::string version_line(const std::string& source_root);

}  // namespace qb::harness
