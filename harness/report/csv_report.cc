#include "harness/report/csv_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace qb::harness {
namespace {

std::string field(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : ""; }

std::string field(const std::optional<int32_t>& v) { return v ? std::to_string(*v) : ""; }

// One notation for a whole column: whole numbers as integers ("557024"), others in fixed
// notation with at least six significant digits and every digit before the point
// ("4385880.5", "37.7942", "0.000123"), never "4.38588e+06". Only magnitudes of 1e15 and
// beyond, which no report column reaches, fall back to %.17g.
std::string field(const std::optional<double>& v) {
  if (!v) return "";
  if (std::isinf(*v)) return *v > 0 ? "inf" : "-inf";
  if (std::isnan(*v)) return "nan";
  const double a = std::fabs(*v);
  char text[400];  // fixed notation down to the smallest subnormal
  if (a >= 1e15) {
    std::snprintf(text, sizeof text, "%.17g", *v);
    return text;
  }
  if (*v == std::floor(*v)) {
    std::snprintf(text, sizeof text, "%.0f", *v == 0.0 ? 0.0 : *v);  // no "-0"
    return text;
  }
  const int exponent = static_cast<int>(std::floor(std::log10(a)));
  const int decimals = std::max(1, 5 - exponent);
  std::snprintf(text, sizeof text, "%.*f", decimals, *v);
  std::string out = text;
  out.erase(out.find_last_not_of('0') + 1);  // the point stays: decimals >= 1
  if (out.back() == '.') out.pop_back();
  if (out == "-0") out = "0";
  return out;
}

// Quotes a text field only when it needs quoting.
std::string field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> columns = {
      "suite", "target", "layer_index", "layer", "op", "out_shape", "macs", "insns", "cycles",
      "est_cycles", "est_us", "time_ns", "time_ns_iqr", "time_ns_q1", "time_ns_q3", "weight_bytes",
      "bias_bytes", "quant_param_bytes", "activation_bytes", "arena_bytes", "flash_bytes", "ram_bytes", "stack_bytes", "harness_flash_bytes",
      "harness_ram_bytes", "flash_used_pct", "ram_used_pct", "fits", "sqnr_db",
      "local_sqnr_db", "max_abs_err", "err_pct_range", "clip_pct", "range_used_pct", "weight_sqnr_db", "weight_range_spread",
      "top1_agreement", "label_accuracy"};
  return columns;
}

std::string csv_report(const RunReport& report) {
  std::ostringstream out;
  const auto& columns = csv_columns();
  for (size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << columns[i];
  out << "\n";
  for (const auto& run : report.runs) {
    for (const auto& r : run.rows) {
      const std::string fields[] = {
          field(r.suite), field(r.target), field(r.layer_index), field(r.layer), field(r.op),
          field(r.out_shape), field(r.macs), field(r.insns), field(r.cycles), field(r.est_cycles),
          field(r.est_us), field(r.time_ns), field(r.time_ns_iqr), field(r.time_ns_q1), field(r.time_ns_q3),
          field(r.weight_bytes), field(r.bias_bytes),
          field(r.quant_param_bytes), field(r.activation_bytes), field(r.arena_bytes),
          field(r.flash_bytes), field(r.ram_bytes), field(r.stack_bytes), field(r.harness_flash_bytes),
          field(r.harness_ram_bytes), field(r.flash_used_pct), field(r.ram_used_pct), field(r.fits),
          field(r.sqnr_db), field(r.local_sqnr_db), field(r.max_abs_err), field(r.err_pct_range), field(r.clip_pct), field(r.range_used_pct),
          field(r.weight_sqnr_db), field(r.weight_range_spread), field(r.top1_agreement),
          field(r.label_accuracy)};
      static_assert(std::size(fields) == 38);
      for (size_t i = 0; i < std::size(fields); ++i) out << (i ? "," : "") << fields[i];
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace qb::harness
