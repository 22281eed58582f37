// The JSON report: the CSV's data plus provenance (git sha, compiler and flags, suite and
// model hashes, date), gates, golden status and decision surfaces.
#pragma once

#include <string>

#include "harness/report/run_report.h"

namespace qb::harness {

std::string json_report(const RunReport& report);

}  // namespace qb::harness
