// report.csv numbers: one notation per column. Whole numbers are written as integers,
// others in fixed notation with at least six significant digits and every integer digit;
// never exponent notation below 1e15 (a time_ns column used to mix `4.38588e+06` and
// `557024`). The compare loader reads them back, and a CSV compares equal to its JSON twin.
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/compare/report_loader.h"
#include "harness/tests/compare_test_support.h"

namespace qb::harness {
namespace {

using testing::fixture_report;
using testing::fixture_row;
using testing::Outcome;
using testing::qbench;
using testing::ScratchDir;
using testing::write_report;

// The cell of `column` on the row of (suite, target, layer) in CSV text without quoted fields.
std::string cell(const std::string& csv, const std::string& prefix, const std::string& column) {
  std::vector<std::string> header;
  std::string line;
  size_t at = 0;
  const auto split = [](const std::string& text) {
    std::vector<std::string> out(1);
    for (char c : text) {
      if (c == ',') out.emplace_back();
      else out.back() += c;
    }
    return out;
  };
  header = split(csv.substr(0, csv.find('\n')));
  at = csv.find("\n" + prefix);
  if (at == std::string::npos) return "<no row " + prefix + ">";
  const std::vector<std::string> fields = split(csv.substr(at + 1, csv.find('\n', at + 1) - at - 1));
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == column) return i < fields.size() ? fields[i] : "<short row>";
  }
  return "<no column " + column + ">";
}

TEST(CsvNumbers, IntegersAsIntegersOthersFixedNeverExponent) {
  RunReport r = fixture_report();
  ReportRow& conv1 = fixture_row(r, "alpha", "host", "conv1");
  conv1.time_ns = 4385880.52;
  conv1.time_ns_iqr = 0.000123456;
  conv1.time_ns_q1 = 4300000.0;    // whole: an integer
  conv1.time_ns_q3 = 4512345.678;  // not whole: fixed
  conv1.sqnr_db = 37.794213473849;
  conv1.max_abs_err = 1e-9;
  conv1.err_pct_range = -0.0;
  ReportRow& pool = fixture_row(r, "alpha", "host", "pool");
  pool.time_ns = 557024.0;
  pool.time_ns_iqr = 99999.96;  // rounds up a digit
  pool.time_ns_q1 = 512000.3;
  pool.time_ns_q3 = 612000.0;
  pool.sqnr_db = 123456789012.25;
  fixture_row(r, "alpha", "host", "fc").time_ns = 1234567890123.0;
  fixture_row(r, "alpha", "host", "TOTAL").time_ns = 2e15;  // beyond: %.17g
  const std::string csv = csv_report(r);

  EXPECT_EQ(cell(csv, "alpha,host,0,", "time_ns"), "4385880.5");
  EXPECT_EQ(cell(csv, "alpha,host,0,", "time_ns_iqr"), "0.000123456");
  EXPECT_EQ(cell(csv, "alpha,host,0,", "time_ns_q1"), "4300000");
  EXPECT_EQ(cell(csv, "alpha,host,0,", "time_ns_q3"), "4512345.7");
  EXPECT_EQ(cell(csv, "alpha,host,0,", "sqnr_db"), "37.7942");
  EXPECT_EQ(cell(csv, "alpha,host,0,", "max_abs_err"), "0.000000001");
  EXPECT_EQ(cell(csv, "alpha,host,0,", "err_pct_range"), "0");
  EXPECT_EQ(cell(csv, "alpha,host,1,", "time_ns"), "557024");
  EXPECT_EQ(cell(csv, "alpha,host,1,", "time_ns_iqr"), "100000");
  EXPECT_EQ(cell(csv, "alpha,host,1,", "time_ns_q1"), "512000.3");
  EXPECT_EQ(cell(csv, "alpha,host,1,", "time_ns_q3"), "612000");
  EXPECT_EQ(cell(csv, "alpha,cortex-m4,1,", "time_ns_q1"), "");  // no wall time under QEMU
  EXPECT_EQ(cell(csv, "alpha,host,1,", "sqnr_db"), "123456789012.2");
  EXPECT_EQ(cell(csv, "alpha,host,2,", "time_ns"), "1234567890123");
  EXPECT_EQ(cell(csv, "alpha,host,,TOTAL", "time_ns"), "2000000000000000");
  EXPECT_EQ(cell(csv, "alpha,host,0,", "insns"), "");  // empty stays empty
  EXPECT_EQ(cell(csv, "alpha,cortex-m4,0,", "insns"), "41000");
  EXPECT_EQ(cell(csv, "beta,host,1,", "sqnr_db"), "28.6");
  // No exponent anywhere else in the CSV.
  const std::string below = csv.substr(0, csv.find("alpha,host,,TOTAL")) + csv.substr(csv.find("\n", csv.find("alpha,host,,TOTAL")));
  EXPECT_FALSE(std::regex_search(below, std::regex("[0-9]e[-+]?[0-9]"))) << csv;
}

TEST(CsvNumbers, TheCompareLoaderReadsThemAndACsvMatchesItsJson) {
  ScratchDir dir;
  RunReport r = fixture_report();
  fixture_row(r, "alpha", "host", "conv1").time_ns = 4385880.52;
  fixture_row(r, "alpha", "host", "pool").time_ns = 557024.0;
  fixture_row(r, "alpha", "host", "fc").sqnr_db = 37.794213473849;
  fixture_row(r, "beta", "host", "out").max_abs_err = 0.000012345678;
  const std::string folder = write_report(dir.path() + "/run", r);
  const LoadedReport csv = load_report(folder + "/report.csv");
  const LoadedRow* conv1 = csv.find({"alpha", "host", "conv1"});
  ASSERT_NE(conv1, nullptr);
  EXPECT_DOUBLE_EQ(*conv1->value("time_ns"), 4385880.5);
  EXPECT_DOUBLE_EQ(*csv.find({"alpha", "host", "pool"})->value("time_ns"), 557024.0);
  EXPECT_DOUBLE_EQ(*csv.find({"alpha", "host", "fc"})->value("sqnr_db"), 37.7942);
  EXPECT_DOUBLE_EQ(*csv.find({"beta", "host", "out"})->value("max_abs_err"), 0.0000123457);
  // The quartiles as written: 9000 x 0.97 and x 1.07 (the fixture's), whole numbers.
  const LoadedReport json = load_report(folder + "/report.json");
  for (const LoadedReport* rep : {&csv, &json}) {
    const LoadedRow* row = rep->find({"alpha", "host", "conv1"});
    ASSERT_NE(row, nullptr);
    EXPECT_NEAR(*row->value("time_ns_q1"), 8730.0, 1e-6) << rep->file;
    EXPECT_NEAR(*row->value("time_ns_q3"), 9630.0, 1e-6) << rep->file;
    EXPECT_FALSE(rep->find({"alpha", "cortex-m4", "conv1"})->value("time_ns_q1")) << rep->file;
  }

  // A CSV against the JSON it was written with: nothing moved, either way round.
  for (const std::string args : {"'" + folder + "/report.json' '" + folder + "/report.csv'",
                                 "'" + folder + "/report.csv' '" + folder + "/report.json'"}) {
    const Outcome o = qbench("compare " + args);
    EXPECT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("nothing moved"), std::string::npos) << o.output;
  }
}

}  // namespace
}  // namespace qb::harness
