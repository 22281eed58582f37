// Reading a qbench report back for comparison, export and the report page: report.json
// (rows, run status, provenance) or report.csv (rows only), given as a file or a folder.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qb::harness {

// A row is known by suite, target and layer name ("TOTAL" for the per-run total).
struct RowKey {
  std::string suite, target, layer;
  auto operator<=>(const RowKey&) const = default;
};

struct LoadedRow {
  RowKey key;
  std::optional<int32_t> layer_index;  // empty on TOTAL
  std::string op;
  // Every numeric column of report_numeric_columns(); an empty optional is an empty cell.
  std::map<std::string, std::optional<double>> values;
  std::string output_crc32;  // hex; empty when the report carries none (CSV, TOTAL)
  std::optional<double> value(const std::string& column) const;
};

// What report.json says about a (suite, target) beyond its rows.
struct LoadedRun {
  std::string suite, target;
  std::string golden;               // "match", "mismatch", "missing", "updated", "not_checked"
  std::string error;                // the target failed
  bool passed = true;
  std::vector<std::string> failed_gates;
  int32_t gates = 0;
};

struct LoadedReport {
  std::string path;       // what the user gave
  std::string file;       // the file actually read
  bool from_json = false;
  std::optional<int32_t> repetitions;  // report.json only
  std::string git_sha, date_utc, compiler;
  std::vector<LoadedRow> rows;  // in file order
  std::vector<LoadedRun> runs;  // report.json only
  const LoadedRow* find(const RowKey& key) const;
  const LoadedRun* find_run(const std::string& suite, const std::string& target) const;
};

// The numeric CSV columns, in CSV order (everything but suite, target, layer_index,
// layer, op and out_shape).
const std::vector<std::string>& report_numeric_columns();

// The columns a report of an older qbench may lack (they came later): such a report still
// loads, with those cells empty. Every other column of csv_columns() must be present.
// Today: time_ns_q1 and time_ns_q3, the host wall-time quartiles (reports before them hold
// only the median and the IQR), and local_sqnr_db, clip_pct, range_used_pct,
// weight_sqnr_db and weight_range_spread, the quantization diagnostics.
bool column_added_later(const std::string& column);

// A folder means its report.json, else its report.csv. Throws InputError when neither exists.
std::string resolve_report_file(const std::string& path);

// Throws InputError naming the file and what is wrong (a missing column, a bad number, a
// duplicate row): one line, exit code 2.
LoadedReport load_report(const std::string& path);

}  // namespace qb::harness
