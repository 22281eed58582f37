// What a run records about itself: git sha, compiler and flags, date.
#pragma once

#include <string>

#include "harness/report/run_report.h"

namespace qb::harness {

RunMetadata provenance(const std::string& source_root, int32_t repetitions);

}  // namespace qb::harness
