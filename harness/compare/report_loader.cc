#include "harness/compare/report_loader.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include <nlohmann/json.hpp>

#include "harness/report/csv_report.h"
#include "harness/suite/input_error.h"
#include "harness/suite/json_input.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Far above any report (the ci preset's JSON is under 2 MB); a bound so that a wrong path
// cannot exhaust memory. Regular files only, as for suites.
constexpr size_t kMaxReportBytes = size_t{512} << 20;
// layer_index is an int32 in a row; anything larger is not a layer of any model.
constexpr int64_t kMaxLayerIndex = INT32_MAX;

std::string read_text(const std::string& file) { return json_input::read_text_file(file, file, kMaxReportBytes); }

// "inf" and "-inf" are how both report formats spell an exact (infinite) SQNR.
std::optional<double> parse_number(const std::string& text, bool* ok) {
  *ok = true;
  if (text.empty()) return std::nullopt;
  if (text == "inf") return INFINITY;
  if (text == "-inf") return -INFINITY;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || std::isnan(v)) *ok = false;
  return v;
}

// RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines.
struct CsvRecord {
  size_t line = 0;  // where the record starts, 1-based
  std::vector<std::string> fields;
};

std::vector<CsvRecord> parse_csv(const std::string& file, const std::string& text) {
  std::vector<CsvRecord> records;
  CsvRecord record{1, {}};
  std::string field;
  bool quoted = false, field_started = false;
  size_t line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty() && !field_started) {
      quoted = field_started = true;
    } else if (c == ',') {
      record.fields.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      record.fields.push_back(std::move(field));
      field.clear();
      field_started = false;
      if (!(record.fields.size() == 1 && record.fields[0].empty())) records.push_back(std::move(record));
      record = CsvRecord{++line, {}};
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) throw InputError(file + ": line " + std::to_string(record.line) + ": unterminated quoted field");
  if (field_started || !record.fields.empty()) {
    record.fields.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

void add_row(const std::string& file, const std::string& where, LoadedRow row,
             std::set<RowKey>* seen, LoadedReport* report) {
  if (!seen->insert(row.key).second) {
    throw InputError(file + ": " + where + ": duplicate row (" + row.key.suite + ", " + row.key.target +
                     ", " + row.key.layer + ")");
  }
  report->rows.push_back(std::move(row));
}

void load_csv(const std::string& file, LoadedReport* report) {
  const std::vector<CsvRecord> records = parse_csv(file, read_text(file));
  if (records.empty()) throw InputError(file + ": expected a CSV header line (suite,target,...), got an empty file");
  const std::vector<std::string>& header = records[0].fields;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < header.size(); ++i) index[header[i]] = i;
  // Extra columns are tolerated (a newer qbench may add some); a missing one is not, but
  // for the columns a report of an older qbench lacks, which read as empty.
  for (const auto& column : csv_columns()) {
    if (!index.count(column) && !column_added_later(column)) {
      throw InputError(file + ": line 1: missing column '" + column + "'");
    }
  }
  std::set<RowKey> seen;
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    const std::string where = "line " + std::to_string(rec.line);
    if (rec.fields.size() != header.size()) {
      throw InputError(file + ": " + where + ": expected " + std::to_string(header.size()) +
                       " fields like the header, got " + std::to_string(rec.fields.size()));
    }
    LoadedRow row;
    row.key = {rec.fields[index["suite"]], rec.fields[index["target"]], rec.fields[index["layer"]]};
    row.op = rec.fields[index["op"]];
    if (row.key.suite.empty() || row.key.target.empty() || row.key.layer.empty()) {
      throw InputError(file + ": " + where + ": suite, target and layer must not be empty");
    }
    bool ok = true;
    const std::string& li = rec.fields[index["layer_index"]];
    if (!li.empty()) {
      const auto v = parse_number(li, &ok);
      // Bounded before the cast: a double beyond int32 does not convert (undefined behaviour).
      if (!ok || *v != std::floor(*v) || *v < 0 || *v > kMaxLayerIndex) {
        throw InputError(file + ": " + where + ": column layer_index: expected a layer number or empty, got '" + li + "'");
      }
      row.layer_index = static_cast<int32_t>(*v);
    }
    for (const auto& column : report_numeric_columns()) {
      const auto at = index.find(column);
      if (at == index.end()) {  // a column added later (checked above): empty
        row.values[column] = std::nullopt;
        continue;
      }
      const std::string& text = rec.fields[at->second];
      row.values[column] = parse_number(text, &ok);
      if (!ok) {
        throw InputError(file + ": " + where + ": column " + column + ": expected a number or empty, got '" + text + "'");
      }
    }
    add_row(file, where, std::move(row), &seen, report);
  }
}

// JSON access that names the path of what is missing or mistyped.
const json& member(const std::string& file, const json& object, const std::string& path,
                   const std::string& key) {
  if (!object.is_object() || !object.contains(key)) {
    throw InputError(file, path, "missing '" + key + "'");
  }
  return object.at(key);
}

std::string string_member(const std::string& file, const json& object, const std::string& path,
                          const std::string& key) {
  const json& v = member(file, object, path, key);
  if (!v.is_string()) throw InputError(file, path + "/" + key, "expected a string, got " + v.dump());
  return v.get<std::string>();
}

LoadedRow json_row(const std::string& file, const json& j, const std::string& path,
                   const std::string& suite, const std::string& target) {
  if (!j.is_object()) throw InputError(file, path, "expected an object (a report row), got " + j.dump());
  LoadedRow row;
  row.key = {suite, target, string_member(file, j, path, "layer")};
  row.op = string_member(file, j, path, "op");
  const json& li = member(file, j, path, "layer_index");
  const bool in_range =
      (li.is_number_unsigned() && li.get<uint64_t>() <= static_cast<uint64_t>(kMaxLayerIndex)) ||
      (li.is_number_integer() && !li.is_number_unsigned() && li.get<int64_t>() >= 0 &&
       li.get<int64_t>() <= kMaxLayerIndex);
  if (in_range) row.layer_index = static_cast<int32_t>(li.get<int64_t>());
  else if (!li.is_null()) throw InputError(file, path + "/layer_index", "expected a layer number (0 to 2147483647) or null, got " + li.dump());
  for (const auto& column : report_numeric_columns()) {
    if (column_added_later(column) && !(j.is_object() && j.contains(column))) {
      row.values[column] = std::nullopt;  // a report of an older qbench
      continue;
    }
    const json& v = member(file, j, path, column);
    if (v.is_null()) {
      row.values[column] = std::nullopt;
    } else if (v.is_number()) {
      row.values[column] = v.get<double>();
    } else if (v == "inf" || v == "-inf") {
      row.values[column] = v == "inf" ? INFINITY : -INFINITY;
    } else {
      throw InputError(file, path + "/" + column, "expected a number, null or \"inf\", got " + v.dump());
    }
  }
  if (j.contains("output_crc32")) row.output_crc32 = string_member(file, j, path, "output_crc32");
  return row;
}

void load_json(const std::string& file, LoadedReport* report) {
  // Strict JSON with every nlohmann error (an overflowing number too) as one InputError.
  const json doc = json_input::parse_text(read_text(file), file);
  if (!doc.is_object()) throw InputError(file, "", "expected a qbench report object, got " + doc.dump().substr(0, 40));
  const json& meta = member(file, doc, "", "qbench");
  const json& reps = member(file, meta, "/qbench", "repetitions");
  if (!reps.is_number_integer()) throw InputError(file, "/qbench/repetitions", "expected an integer, got " + reps.dump());
  report->repetitions = reps.get<int32_t>();
  report->git_sha = string_member(file, meta, "/qbench", "git_sha");
  report->date_utc = string_member(file, meta, "/qbench", "date_utc");
  if (meta.contains("compiler") && meta["compiler"].is_string()) report->compiler = meta["compiler"];
  const json& runs = member(file, doc, "", "runs");
  if (!runs.is_array()) throw InputError(file, "/runs", "expected an array, got " + runs.dump().substr(0, 40));
  std::set<RowKey> seen;
  for (size_t i = 0; i < runs.size(); ++i) {
    const std::string path = "/runs/" + std::to_string(i);
    const json& r = runs[i];
    LoadedRun run;
    run.suite = string_member(file, r, path, "suite");
    run.target = string_member(file, r, path, "target");
    run.golden = string_member(file, r, path, "golden");
    const json& passed = member(file, r, path, "passed");
    if (!passed.is_boolean()) throw InputError(file, path + "/passed", "expected true or false, got " + passed.dump());
    run.passed = passed.get<bool>();
    if (r.contains("error")) run.error = string_member(file, r, path, "error");
    if (r.contains("gates")) {
      const json& gates = r["gates"];
      if (!gates.is_array()) throw InputError(file, path + "/gates", "expected an array, got " + gates.dump().substr(0, 40));
      for (size_t k = 0; k < gates.size(); ++k) {
        const std::string where = path + "/gates/" + std::to_string(k);
        const std::string name = string_member(file, gates[k], where, "gate");
        const json& gate_passed = member(file, gates[k], where, "passed");
        if (!gate_passed.is_boolean()) {
          throw InputError(file, where + "/passed", "expected true or false, got " + gate_passed.dump());
        }
        ++run.gates;
        if (!gate_passed.get<bool>()) run.failed_gates.push_back(name);
      }
    }
    const json& layers = member(file, r, path, "layers");
    if (!layers.is_array()) throw InputError(file, path + "/layers", "expected an array, got " + layers.dump().substr(0, 40));
    for (size_t k = 0; k < layers.size(); ++k) {
      const std::string where = path + "/layers/" + std::to_string(k);
      add_row(file, where, json_row(file, layers[k], where, run.suite, run.target), &seen, report);
    }
    if (r.contains("total")) {
      add_row(file, path + "/total", json_row(file, r["total"], path + "/total", run.suite, run.target), &seen, report);
    } else if (run.error.empty()) {
      throw InputError(file, path, "missing 'total' (a run without an error has a TOTAL row)");
    }
    report->runs.push_back(std::move(run));
  }
}

}  // namespace

std::optional<double> LoadedRow::value(const std::string& column) const {
  const auto it = values.find(column);
  return it == values.end() ? std::nullopt : it->second;
}

const LoadedRow* LoadedReport::find(const RowKey& key) const {
  for (const auto& row : rows) {
    if (row.key == key) return &row;
  }
  return nullptr;
}

const LoadedRun* LoadedReport::find_run(const std::string& suite, const std::string& target) const {
  for (const auto& run : runs) {
    if (run.suite == suite && run.target == target) return &run;
  }
  return nullptr;
}

const std::vector<std::string>& report_numeric_columns() {
  static const std::vector<std::string> columns = [] {
    const std::set<std::string> text = {"suite", "target", "layer_index", "layer", "op", "out_shape"};
    std::vector<std::string> numeric;
    for (const auto& c : csv_columns()) {
      if (!text.count(c)) numeric.push_back(c);
    }
    return numeric;
  }();
  return columns;
}

bool column_added_later(const std::string& column) {
  return column == "time_ns_q1" || column == "time_ns_q3" || column == "local_sqnr_db" ||
         column == "clip_pct" || column == "range_used_pct" ||
         column == "weight_sqnr_db" || column == "weight_range_spread";
}

std::string resolve_report_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const char* name : {"report.json", "report.csv"}) {
      const fs::path file = fs::path(path) / name;
      if (fs::is_regular_file(file, ec)) return file.string();
    }
    throw InputError(path + ": expected a report folder with report.json or report.csv, found neither");
  }
  if (!fs::exists(path, ec)) throw InputError(path + ": no such file or folder (expected a report folder, report.json or report.csv)");
  return path;
}

LoadedReport load_report(const std::string& path) {
  LoadedReport report;
  report.path = path;
  report.file = resolve_report_file(path);
  const std::string ext = fs::path(report.file).extension().string();
  if (ext == ".json") {
    report.from_json = true;
    load_json(report.file, &report);
  } else if (ext == ".csv") {
    load_csv(report.file, &report);
  } else {
    throw InputError(report.file + ": expected report.json or report.csv (a .json or .csv file)");
  }
  return report;
}

}  // namespace qb::harness
