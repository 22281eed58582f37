// The committed baseline (reports/baseline/report.csv), for the tests that hold it to
// figures from outside qbench (CMSIS-NN, TensorFlow Lite Micro, the ISA's limits).
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
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

// Holds `value` to `limit`, or to the open ceiling of `key` where the bar is not met yet;
// an open key that meets the limit must leave the list, so it only shrinks. Records which
// open keys were seen. `unit` follows the value in messages ("x the anchor").
inline void hold_to_bar(const std::string& key, double value, double limit,
                        const nlohmann::json& open, std::set<std::string>* seen,
                        const std::string& unit) {
  if (open.contains(key)) {
    seen->insert(key);
    const double ceiling = open[key];
    EXPECT_LE(value, ceiling) << key << ": " << value << unit << ", worse than its open ceiling";
    EXPECT_GT(value, limit) << key << ": " << value << unit
                            << " meets the bar now: remove it from \"open\"";
  } else {
    EXPECT_LE(value, limit) << key << ": " << value << unit << " (bar " << limit << ")";
  }
}

}  // namespace qb::harness::testing
