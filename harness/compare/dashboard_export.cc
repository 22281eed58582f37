#include "harness/compare/dashboard_export.h"

#include <cmath>
#include <cstdint>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace qb::harness {
namespace {

struct Exported {
  const char* column;
  const char* unit;     // github-action-benchmark shows it on the chart axis
  const char* measure;  // Bencher measure slug; "latency" is its built-in nanosecond measure
};

// Every figure is smaller-is-better, which is what both formats assume here.
constexpr Exported kExported[] = {
    {"insns", "instructions", "instructions"},
    {"est_cycles", "cycles (model)", "est-cycles"},
    {"cycles", "cycles", "cycles"},
    {"time_ns", "ns", "latency"},
    {"arena_bytes", "bytes", "arena-bytes"},
    {"weight_bytes", "bytes", "weight-bytes"},
    {"flash_bytes", "bytes", "flash-bytes"},
    {"ram_bytes", "bytes", "ram-bytes"},
    {"stack_bytes", "bytes", "stack-bytes"},
};

template <typename Fn>
void for_each_total(const LoadedReport& report, Fn fn) {
  for (const auto& row : report.rows) {
    if (row.layer_index || row.key.layer != "TOTAL") continue;
    for (const auto& e : kExported) {
      const auto v = row.value(e.column);
      if (v && std::isfinite(*v)) fn(row, e, *v);
    }
  }
}

// Counts stay integers in the JSON ("4608", not "4608.0").
nlohmann::json number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9.0e15) return static_cast<int64_t>(v);
  return v;
}

}  // namespace

std::string github_benchmark_json(const LoadedReport& report) {
  nlohmann::json out = nlohmann::json::array();
  for_each_total(report, [&](const LoadedRow& row, const Exported& e, double v) {
    nlohmann::json entry{{"name", fmt::format("{}/{} {}", row.key.suite, row.key.target, e.column)},
                         {"unit", e.unit},
                         {"value", number(v)}};
    if (std::string(e.column) == "time_ns") {
      if (const auto iqr = row.value("time_ns_iqr")) entry["range"] = fmt::format("IQR {:.0f} ns", *iqr);
    }
    out.push_back(entry);
  });
  return out.dump(2) + "\n";
}

std::string bencher_bmf_json(const LoadedReport& report) {
  nlohmann::json out = nlohmann::json::object();
  for_each_total(report, [&](const LoadedRow& row, const Exported& e, double v) {
    out[row.key.suite + "/" + row.key.target][e.measure] = {{"value", number(v)}};
  });
  return out.dump(2) + "\n";
}

}  // namespace qb::harness
