// The committed baseline (reports/baseline/report.csv), for the tests that hold it to
// figures from outside qbench (CMSIS-NN, TensorFlow Lite Micro).
#pragma once

#include <string>

#include "harness/compare/report_loader.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness::testing {

inline const LoadedReport& committed_baseline() {
  static const LoadedReport report = load_report(source_dir() + "/reports/baseline/report.csv");
  return report;
}

// The row of `layer` ("TOTAL" for the whole inference), or nullptr.
inline const LoadedRow* baseline_row(const std::string& suite, const std::string& target,
                                     const std::string& layer) {
  for (const LoadedRow& r : committed_baseline().rows) {
    if (r.key.suite == suite && r.key.target == target && r.key.layer == layer) return &r;
  }
  return nullptr;
}

inline double baseline_insns(const LoadedRow& r) { return r.value("insns").value_or(-1.0); }

}  // namespace qb::harness::testing
