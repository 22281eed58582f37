// Golden files: one per suite under reports/golden/, shared by every target. A run
// compares against them byte for byte; only `qbench run --update-golden` rewrites them.
#pragma once

#include <string>

#include "harness/report/run_report.h"

namespace qb::harness {

struct GoldenCheck {
  GoldenStatus status = GoldenStatus::kNotChecked;
  std::string diff;  // readable: the first differing lines, expected vs got
};

std::string golden_path(const std::string& golden_dir, const std::string& suite);

// Compares text with the file at path (kMissing when there is none).
GoldenCheck check_golden(const std::string& path, const std::string& text);

}  // namespace qb::harness
