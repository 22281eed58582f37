// Fuzz target "report": bytes -> the report loader that `qbench compare` (and baseline,
// export, report) reads, in both forms, then the comparison itself.
//
// Reaches: load_report on the same bytes as report.json (nlohmann parse, the qbench/runs/
// layers/total structure, every numeric column, gates, duplicate rows) and as report.csv
// (the CSV tokenizer, the header, number parsing, duplicate rows); then, for every form
// that loads, compare_reports against itself and against the other form with the default
// rules, as `qbench compare` does, and every figure formatted as the table prints it.
//
// Expected outcome: an InputError (one line naming the file: a missing column, a bad
// number, a duplicate row, not JSON, ...), or a loaded report.
// A bug (the process aborts): any other exception escaping (e.g. a nlohmann type_error from
// a value of the wrong type), any sanitizer report or crash, >2 GB RSS or >10 s for one
// input.
//
// The loader takes a path and picks the form by the extension: each input is written to
// <tmp>/qb_fuzz_report.XXXXXX/report.json, and report.csv is a hard link to it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "fuzz/fuzz_util.h"
#include "harness/compare/comparison.h"
#include "harness/compare/report_loader.h"
#include "harness/compare/rules.h"
#include "harness/suite/input_error.h"

namespace {

using namespace qb::harness;
namespace fs = std::filesystem;

struct ReportFiles {
  std::string dir, json, csv;
  ReportFiles() {
    std::string pattern = (fs::temp_directory_path() / "qb_fuzz_report.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) qb::fuzz::fail("mkdtemp failed");
    dir = pattern;
    json = dir + "/report.json";
    csv = dir + "/report.csv";
    std::ofstream(json, std::ios::binary).flush();
    std::error_code ec;
    fs::create_hard_link(json, csv, ec);
    if (ec) qb::fuzz::fail("cannot link report.csv to report.json");
  }
  ~ReportFiles() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void write(const uint8_t* data, size_t size) const {
    // In place (truncate and write), so that the hard link keeps naming the same bytes.
    std::ofstream out(json, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) qb::fuzz::fail("cannot write the report file");
  }
};

std::optional<LoadedReport> load(const std::string& file) {
  try {
    return load_report(file);
  } catch (const InputError&) {
    return std::nullopt;
  }
}

void use(const LoadedReport& r) {
  for (const LoadedRow& row : r.rows) {
    if (r.find(row.key) == nullptr) qb::fuzz::fail("a loaded row cannot be found by its key");
    for (const std::string& column : report_numeric_columns()) (void)format_figure(row.value(column));
  }
  for (const LoadedRun& run : r.runs) (void)r.find_run(run.suite, run.target);
}

void compare(const LoadedReport& a, const LoadedReport& b, const RuleSet& rules) {
  const Comparison c = compare_reports(a, b, rules);
  (void)c.broken();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ReportFiles files;
  static const RuleSet rules = default_rules();
  files.write(data, size);
  const std::optional<LoadedReport> from_json = load(files.json);
  const std::optional<LoadedReport> from_csv = load(files.csv);
  if (from_json) {
    use(*from_json);
    compare(*from_json, *from_json, rules);
  }
  if (from_csv) {
    use(*from_csv);
    compare(*from_csv, *from_csv, rules);
  }
  if (from_json && from_csv) compare(*from_json, *from_csv, rules);
  return 0;
}
