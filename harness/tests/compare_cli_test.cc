// `qbench compare`, `baseline update` and `export` as a user meets them: exit codes, the
// table a deliberate slowdown produces, one-line errors on bad input.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/tests/compare_test_support.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using testing::fixture_report;
using testing::fixture_row;
using testing::Outcome;
using testing::qbench;
using testing::read_text;
using testing::ScratchDir;
using testing::without_quartiles;
using testing::write_report;

struct Reports {
  ScratchDir dir;
  std::string base = write_report(dir.path() + "/base", fixture_report());
  std::string cur;
  template <typename Edit>
  explicit Reports(Edit edit) {
    RunReport r = fixture_report();
    edit(r);
    cur = write_report(dir.path() + "/cur", r);
  }
  Outcome compare(const std::string& extra = "") const {
    return qbench("compare '" + base + "' '" + cur + "' " + extra);
  }
};

// The line of the table that names this row and metric.
std::string table_line(const std::string& output, const std::string& needle) {
  size_t at = output.find(needle);
  if (at == std::string::npos) return "";
  const size_t start = output.rfind('\n', at) + 1;
  return output.substr(start, output.find('\n', at) - start);
}

TEST(CompareCli, IdenticalReportsExitZero) {
  const Reports r([](RunReport&) {});
  const Outcome o = r.compare();
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("nothing moved"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("compare: ok"), std::string::npos) << o.output;
}

TEST(CompareCli, AOneLayerSlowdownFailsWithATableNamingLayerTargetAndRatio) {
  // A kernel change that adds work to one layer on one emulated target: +7.5% instructions.
  const Reports r([](RunReport& rep) {
    fixture_row(rep, "alpha", "cortex-m4", "conv1").insns = 44075;
    fixture_row(rep, "alpha", "cortex-m4", "TOTAL").insns = 44075 + 3100 + 2900;
  });
  const Outcome o = r.compare();
  EXPECT_EQ(o.exit_code, 1) << o.output;
  const std::string line = table_line(o.output, "conv1");
  EXPECT_NE(line.find("alpha"), std::string::npos) << o.output;
  EXPECT_NE(line.find("cortex-m4"), std::string::npos) << line;
  EXPECT_NE(line.find("insns"), std::string::npos) << line;
  EXPECT_NE(line.find("41000"), std::string::npos) << line;
  EXPECT_NE(line.find("44075"), std::string::npos) << line;
  EXPECT_NE(line.find("1.075"), std::string::npos) << line;
  EXPECT_NE(line.find("BROKEN"), std::string::npos) << line;
  EXPECT_NE(table_line(o.output, "TOTAL").find("insns"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("compare: FAILED"), std::string::npos) << o.output;
  // The same reports pass once the rule allows the growth.
  EXPECT_EQ(r.compare("--rule insns=10%").exit_code, 0);
}

TEST(CompareCli, HostTimeRulesComeFromTheCommandLine) {
  const Reports r([](RunReport& rep) { fixture_row(rep, "beta", "host", "hidden").time_ns = 180; });  // 2x
  const Outcome strict = r.compare("--rule time_ns=25%");
  EXPECT_EQ(strict.exit_code, 1) << strict.output;
  EXPECT_NE(table_line(strict.output, "hidden").find("2.000"), std::string::npos) << strict.output;
  EXPECT_EQ(r.compare("--no-time").exit_code, 0);
  EXPECT_EQ(r.compare("--rule time_ns=150%").exit_code, 0);
  const Outcome few = r.compare("--min-repetitions 50");
  EXPECT_EQ(few.exit_code, 0) << few.output;
  EXPECT_NE(few.output.find("time_ns not gated"), std::string::npos) << few.output;
}

TEST(CompareCli, RulesJsonBesideTheBaselineIsRead) {
  const Reports r([](RunReport& rep) { fixture_row(rep, "beta", "host", "hidden").time_ns = 180; });
  EXPECT_EQ(r.compare().exit_code, 1);
  std::ofstream(r.base + "/rules.json") << R"({"rules": {"time_ns": "off"}})";
  const Outcome o = r.compare();
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("rules.json"), std::string::npos) << o.output;
  EXPECT_EQ(r.compare("--rule time_ns=10%").exit_code, 1);  // the command line wins
}

TEST(CompareCli, VanishedRowsFailNewRowsAreReported) {
  const Reports r([](RunReport& rep) {
    rep.runs.erase(rep.runs.begin() + 3);  // beta on cortex-m4 gone
    SuiteTargetRun extra = rep.runs[0];
    extra.target = "cortex-m55";
    for (auto& row : extra.rows) row.target = "cortex-m55";
    rep.runs.push_back(extra);
  });
  const Outcome o = r.compare();
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("beta on cortex-m4: all 3 rows"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("alpha on cortex-m55: all 4 rows"), std::string::npos) << o.output;
}

TEST(CompareCli, BadInputIsOneLineAndExitTwo) {
  const Reports r([](RunReport&) {});
  const Outcome missing = qbench("compare '" + r.base + "' '" + r.dir.path() + "/nope'");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find(r.dir.path() + "/nope: no such file or folder"), std::string::npos) << missing.output;

  std::string csv = read_text(r.cur + "/report.csv");
  csv.replace(csv.find("sqnr_db"), 7, "snr");
  const std::string bad = r.dir.write("bad/report.csv", csv);
  const Outcome column = qbench("compare '" + r.base + "/report.csv' '" + bad + "'");
  EXPECT_EQ(column.exit_code, 2) << column.output;
  EXPECT_NE(column.output.find(bad + ": line 1: missing column 'sqnr_db'"), std::string::npos) << column.output;
  EXPECT_EQ(std::count(column.output.begin(), column.output.end(), '\n'), 1) << column.output;

  // A layer number no int holds (the fuzzer's find) is bad input, in CSV and in JSON.
  std::string huge = read_text(r.cur + "/report.csv");
  const size_t row = huge.find('\n') + 1;
  const size_t header_cut = huge.find("layer_index");
  ASSERT_NE(header_cut, std::string::npos);
  const size_t column_no = std::count(huge.begin(), huge.begin() + header_cut, ',');
  size_t at = row;
  for (size_t c = 0; c < column_no; ++c) at = huge.find(',', at) + 1;
  huge.replace(at, huge.find(',', at) - at, "1.2e76");
  const std::string huge_csv = r.dir.write("huge/report.csv", huge);
  const Outcome csv_index = qbench("compare '" + r.base + "/report.csv' '" + huge_csv + "'");
  EXPECT_EQ(csv_index.exit_code, 2) << csv_index.output;
  EXPECT_NE(csv_index.output.find("line 2: column layer_index: expected a layer number or empty, got '1.2e76'"),
            std::string::npos) << csv_index.output;
  nlohmann::json report = nlohmann::json::parse(read_text(r.cur + "/report.json"));
  nlohmann::json* first_row = nullptr;
  for (auto& run : report["runs"]) {
    first_row = &run["layers"][0];
    break;
  }
  ASSERT_NE(first_row, nullptr);
  (*first_row)["layer_index"] = uint64_t{1} << 40;
  const std::string huge_json = r.dir.write("huge/report.json", report.dump());
  const Outcome json_index = qbench("compare '" + r.base + "/report.json' '" + huge_json + "'");
  EXPECT_EQ(json_index.exit_code, 2) << json_index.output;
  EXPECT_NE(json_index.output.find("/layer_index: expected a layer number (0 to 2147483647) or null"),
            std::string::npos) << json_index.output;

  const Outcome rule = r.compare("--rule insns=lots");
  EXPECT_EQ(rule.exit_code, 2) << rule.output;
  EXPECT_NE(rule.output.find("--rule 'insns=lots'"), std::string::npos) << rule.output;
}

TEST(CompareCli, BaselineUpdateAdoptsAPassingRunAndRefusesAFailingOne) {
  ScratchDir root;
  // A private --root, so the committed baseline is never touched.
  fs::create_directories(root.path() + "/reports/baseline");
  std::ofstream(root.path() + "/reports/baseline/rules.json") << R"({"rules": {"time_ns": "off"}})";
  const std::string from = write_report(root.path() + "/run", fixture_report());
  const std::string qb = testing::qbench_binary() + " --root '" + root.path() + "' ";
  const Outcome ok = testing::run_shell(qb + "baseline update --from '" + from + "'");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(read_text(root.path() + "/reports/baseline/report.json"), read_text(from + "/report.json"));
  EXPECT_EQ(read_text(root.path() + "/reports/baseline/report.csv"), read_text(from + "/report.csv"));
  EXPECT_EQ(read_text(root.path() + "/reports/baseline/rules.json"), R"({"rules": {"time_ns": "off"}})");

  RunReport failing = fixture_report();
  failing.runs[1].golden = GoldenStatus::kMismatch;
  const std::string bad = write_report(root.path() + "/bad", failing);
  const Outcome refused = testing::run_shell(qb + "baseline update --from '" + bad + "'");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("baseline not updated"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("beta on host"), std::string::npos) << refused.output;
  EXPECT_EQ(read_text(root.path() + "/reports/baseline/report.json"), read_text(from + "/report.json"));

  const Outcome nothing = testing::run_shell(qb + "baseline update --from '" + root.path() + "/none'");
  EXPECT_EQ(nothing.exit_code, 2) << nothing.output;
}

TEST(CompareCli, ExportWritesGithubBenchmarkAndBencherJson) {
  const Reports r([](RunReport&) {});
  const Outcome o = qbench("export '" + r.base + "'");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto github = nlohmann::json::parse(read_text(r.base + "/benchmark-github.json"));
  ASSERT_TRUE(github.is_array());
  bool saw_insns = false, saw_time = false;
  for (const auto& e : github) {
    ASSERT_TRUE(e.contains("name") && e.contains("unit") && e.contains("value")) << e.dump();
    if (e["name"] == "alpha/cortex-m4 insns") {
      saw_insns = true;
      EXPECT_EQ(e["unit"], "instructions");
      EXPECT_EQ(e["value"], 47000);
    }
    if (e["name"] == "alpha/host time_ns") {
      saw_time = true;
      EXPECT_EQ(e["unit"], "ns");
    }
    EXPECT_NE(e["name"], "alpha/host insns");  // the host has none: nothing is invented
  }
  EXPECT_TRUE(saw_insns && saw_time) << github.dump(1);
  const auto bmf = nlohmann::json::parse(read_text(r.base + "/benchmark-bencher.json"));
  EXPECT_EQ(bmf["alpha/cortex-m4"]["instructions"]["value"], 47000);
  EXPECT_EQ(bmf["beta/host"]["latency"]["value"], 170);
  EXPECT_EQ(bmf["beta/cortex-m4"]["flash-bytes"]["value"], 24576);
}

// A report of an older qbench, without the host wall-time quartiles (the committed
// baseline is one): compare, export and the report page take it as before.
TEST(CompareCli, AReportWithoutQuartilesComparesExportsAndMakesItsPage) {
  const Reports r([](RunReport&) {});
  without_quartiles(r.base);
  ASSERT_EQ(read_text(r.base + "/report.csv").find("time_ns_q1"), std::string::npos);
  for (const std::string& args : {"'" + r.base + "' '" + r.cur + "'", "'" + r.cur + "' '" + r.base + "'",
                                  "'" + r.base + "/report.csv' '" + r.cur + "/report.csv'"}) {
    const Outcome o = qbench("compare " + args);
    EXPECT_EQ(o.exit_code, 0) << args << "\n" << o.output;
    EXPECT_NE(o.output.find("nothing moved"), std::string::npos) << o.output;
  }
  // Asked for, the quartiles the older report lacks are new values, which do not fail.
  const Outcome asked = r.compare("--rule time_ns_q3=25%");
  EXPECT_EQ(asked.exit_code, 0) << asked.output;
  const std::string line = table_line(asked.output, "conv1");
  ASSERT_GE(line.size(), 3u) << asked.output;
  EXPECT_NE(line.find("time_ns_q3"), std::string::npos) << asked.output;
  EXPECT_EQ(line.substr(line.size() - 3), "new") << asked.output;

  const Outcome exported = qbench("export '" + r.base + "'");
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  const auto bmf = nlohmann::json::parse(read_text(r.base + "/benchmark-bencher.json"));
  EXPECT_EQ(bmf["beta/host"]["latency"]["value"], 170);
  const Outcome page = qbench("report '" + r.cur + "' --baseline '" + r.base + "'");
  EXPECT_EQ(page.exit_code, 0) << page.output;
  EXPECT_TRUE(fs::is_regular_file(r.cur + "/report.html"));
  const Outcome old_page = qbench("report '" + r.base + "' --baseline '" + r.cur + "'");
  EXPECT_EQ(old_page.exit_code, 0) << old_page.output;
}

TEST(CompareCli, HelpSaysWhatCiGatesAndWhatNot) {
  const Outcome o = qbench("compare --help");
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_NE(o.output.find("--rule"), std::string::npos);
  EXPECT_NE(o.output.find("--no-time"), std::string::npos);
  EXPECT_NE(o.output.find("host time not at all"), std::string::npos) << o.output;
  for (const std::string command : {"baseline update --help", "export --help", "report --help"}) {
    EXPECT_EQ(qbench(command).exit_code, 0) << command;
  }
}

}  // namespace
}  // namespace qb::harness
