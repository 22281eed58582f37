// scripts/plot_report.py on a fixture report folder: the PNGs it promises, a trend across
// earlier reports, one clear line and exit 2 for a missing column, exit 3 without matplotlib.
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
using testing::read_text;
using testing::run_shell;
using testing::ScratchDir;
using testing::source_dir;
using testing::write_report;

Outcome plot(const std::string& args, const std::string& env = "") {
  return run_shell(env + " /usr/bin/python3 '" + source_dir() + "/scripts/plot_report.py' " + args);
}

bool is_png(const std::string& path) {
  const std::string bytes = read_text(path);
  return bytes.size() > 1000 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

TEST(ReportPlots, EverySuiteGetsItsPngsFromAReportFolder) {
  ScratchDir dir;
  const std::string report = write_report(dir.path() + "/run", fixture_report());
  const Outcome o = plot("'" + report + "'");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  for (const std::string name : {"alpha_accuracy", "alpha_cost", "beta_accuracy", "beta_cost",
                                 "beta_decision_surface"}) {
    EXPECT_TRUE(is_png(report + "/plots/" + name + ".png")) << name << "\n" << o.output;
  }
  EXPECT_FALSE(fs::exists(report + "/plots/alpha_decision_surface.png"));  // alpha has no grid
  const auto manifest = nlohmann::json::parse(read_text(report + "/plots/plots.json"));
  EXPECT_EQ(manifest.size(), 5u);
  for (const auto& p : manifest) EXPECT_FALSE(p["title"].get<std::string>().empty());
}

TEST(ReportPlots, TrendAcrossAFolderOfEarlierReports) {
  ScratchDir dir;
  for (int k = 0; k < 3; ++k) {
    RunReport r = fixture_report();
    r.meta.date_utc = "2026-01-0" + std::to_string(k + 1) + "T00:00:00Z";
    *fixture_row(r, "alpha", "cortex-m4", "TOTAL").insns += 1000 * k;
    write_report(dir.path() + "/history/run" + std::to_string(k), r);
  }
  const std::string report = write_report(dir.path() + "/now", fixture_report());
  const Outcome o = plot("'" + report + "' --out '" + dir.path() + "/out' --history '" + dir.path() + "/history'");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_TRUE(is_png(dir.path() + "/out/trend.png"));
  EXPECT_TRUE(is_png(dir.path() + "/out/alpha_cost.png"));
}

TEST(ReportPlots, AMissingColumnIsOneLineNamingItAndExitTwo) {
  ScratchDir dir;
  const std::string report = write_report(dir.path() + "/run", fixture_report());
  auto doc = nlohmann::json::parse(read_text(report + "/report.json"));
  doc["runs"][1]["layers"][0].erase("sqnr_db");
  std::ofstream(report + "/report.json") << doc.dump();
  const Outcome o = plot("'" + report + "'");
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find("report.json: runs[1].layers[0]: missing column 'sqnr_db'"), std::string::npos) << o.output;
  EXPECT_EQ(std::count(o.output.begin(), o.output.end(), '\n'), 1) << o.output;

  // A CSV-only folder without a column says so too.
  ScratchDir csv_dir;
  std::string csv = csv_report(fixture_report());
  csv.replace(csv.find(",time_ns,"), 9, ",wall_ns,");
  csv_dir.write("run/report.csv", csv);
  const Outcome c = plot("'" + csv_dir.path() + "/run'");
  EXPECT_EQ(c.exit_code, 2) << c.output;
  EXPECT_NE(c.output.find("report.csv: missing column 'time_ns'"), std::string::npos) << c.output;
}

TEST(ReportPlots, WithoutMatplotlibItNamesThePackageAndExitsThree) {
  ScratchDir dir;
  const std::string report = write_report(dir.path() + "/run", fixture_report());
  // A matplotlib that cannot be imported shadows the real one.
  dir.write("fake/matplotlib/__init__.py", "raise ImportError('no matplotlib here')\n");
  const Outcome o = plot("'" + report + "'", "PYTHONPATH='" + dir.path() + "/fake'");
  EXPECT_EQ(o.exit_code, 3) << o.output;
  EXPECT_NE(o.output.find("python3-matplotlib"), std::string::npos) << o.output;
}

}  // namespace
}  // namespace qb::harness
