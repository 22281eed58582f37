// The CSV report: one row per (suite, target, layer) and a TOTAL row per (suite, target),
// in a fixed column order (README, "CSV columns"). A figure that does not exist is empty.
#pragma once

#include <string>
#include <vector>

#include "harness/report/run_report.h"

namespace qb::harness {

const std::vector<std::string>& csv_columns();
std::string csv_report(const RunReport& report);

}  // namespace qb::harness
