// The per-suite TOTAL rows in the JSON that dashboards already read:
//  - github-action-benchmark, tool customSmallerIsBetter: [{name, unit, value, range?}]
//  - Bencher Metric Format (BMF): {"suite/target": {measure: {value}}}
// Only figures that exist are written (the host has no insns, QEMU targets no time_ns).
#pragma once

#include <string>

#include "harness/compare/report_loader.h"

namespace qb::harness {

std::string github_benchmark_json(const LoadedReport& report);
std::string bencher_bmf_json(const LoadedReport& report);

}  // namespace qb::harness
