// scripts/plot_report.py on a fixture report folder: the PNGs it promises, a trend across
// earlier reports, host time whiskers from the first to the third quartile (centred on the
// median, and saying so, for a report without quartiles), one clear line and exit 2 for a
// missing column, exit 3 without matplotlib.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

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
using testing::without_quartiles;
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

// What each figure drew, read back from matplotlib's artists (plot_report.py --facts).
nlohmann::json facts_of(const std::string& report, const std::string& extra = "") {
  const std::string facts = report + "/facts.json";
  const Outcome o = plot("'" + report + "' --quiet --facts '" + facts + "' " + extra);
  EXPECT_EQ(o.exit_code, 0) << o.output;
  return o.exit_code == 0 ? nlohmann::json::parse(read_text(facts)) : nlohmann::json::array();
}

const nlohmann::json& figure_named(const nlohmann::json& facts, const std::string& file) {
  for (const auto& f : facts) {
    if (f["file"] == file) return f;
  }
  static const nlohmann::json none = nlohmann::json::object();
  ADD_FAILURE() << "no figure " << file;
  return none;
}

// The panel whose title starts with this.
const nlohmann::json& panel(const nlohmann::json& figure, const std::string& title) {
  static const nlohmann::json none = nlohmann::json::object();
  if (!figure.contains("axes")) return none;
  for (const auto& ax : figure.at("axes")) {
    if (ax["title"].get<std::string>().rfind(title, 0) == 0) return ax;
  }
  ADD_FAILURE() << "no panel titled " << title;
  return none;
}

bool has_entry(const nlohmann::json& ax, const std::string& text) {
  for (const auto& e : ax.value("legend", nlohmann::json::array())) {
    if (e.get<std::string>().find(text) != std::string::npos) return true;
  }
  return false;
}

// Instruction counts and est_cycles on a log scale (cortex-m3 is 10x the others), a legend
// even for one target, and a failed target named in the legend and the title.
TEST(ReportPlots, CostIsLogScaleWithALegendAndNamesAFailedTarget) {
  ScratchDir dir;
  const std::string report = write_report(dir.path() + "/run", fixture_report());
  auto doc = nlohmann::json::parse(read_text(report + "/report.json"));
  doc["runs"].push_back({{"suite", "alpha"}, {"target", "cortex-m3"}, {"error", "qemu-arm exited with status 1"},
                         {"layers", nlohmann::json::array()}});
  std::ofstream(report + "/report.json") << doc.dump();
  const auto facts = facts_of(report);
  const auto& cost = figure_named(facts, "alpha_cost.png");
  const auto& insns = panel(cost, "instructions per layer");
  EXPECT_EQ(insns["yscale"], "log");
  EXPECT_EQ(panel(cost, "est_cycles per layer")["yscale"], "log");
  EXPECT_TRUE(has_entry(insns, "cortex-m4")) << insns["legend"];
  EXPECT_TRUE(has_entry(panel(cost, "est_cycles per layer"), "cortex-m4"));
  EXPECT_TRUE(has_entry(insns, "cortex-m3: FAILED")) << insns["legend"];
  EXPECT_NE(cost["suptitle"].get<std::string>().find("cortex-m3 failed: qemu-arm exited with status 1"),
            std::string::npos) << cost["suptitle"];
  // beta's cost plot has nothing failed to name.
  EXPECT_EQ(figure_named(facts, "beta_cost.png")["suptitle"], "beta: cost per layer");
  // Host time: the whiskers say what they are.
  const auto& time = panel(cost, "host wall time per layer");
  EXPECT_TRUE(has_entry(time, "host")) << time["legend"];
  EXPECT_TRUE(has_entry(time, "whisker: first to third quartile (nearest rank)")) << time["legend"];
  EXPECT_FALSE(has_entry(time, "centred on the median")) << time["legend"];
  const auto manifest = nlohmann::json::parse(read_text(report + "/plots/plots.json"));
  EXPECT_NE(manifest.dump().find("cortex-m3 failed"), std::string::npos) << manifest.dump();
}

// The whiskers of the host series, bar by bar, in layer order.
const nlohmann::json& host_whiskers(const nlohmann::json& ax) {
  static const nlohmann::json none = nlohmann::json::array();
  if (ax.contains("whiskers")) {
    for (const auto& w : ax.at("whiskers")) {
      if (w["label"] == "host") return w.at("bars");
    }
  }
  ADD_FAILURE() << "no whiskers on the host bars: " << ax.dump();
  return none;
}

// The whisker's ends to matplotlib's precision (its segments may be single floats).
void expect_near_ns(const nlohmann::json& v, double ns, const std::string& what) {
  ASSERT_TRUE(v.is_number()) << what << ": " << v;
  EXPECT_NEAR(v.get<double>(), ns, 1e-4 * ns) << what;
}

// A report with the quartiles: each whisker goes from time_ns_q1 to time_ns_q3, unevenly
// about the median where they lie unevenly. One without them (an older qbench): as wide as
// the IQR, centred on the median, and the legend says that instead.
TEST(ReportPlots, HostTimeWhiskersGoFromTheFirstToTheThirdQuartile) {
  ScratchDir dir;
  RunReport r = fixture_report();
  ReportRow& conv1 = fixture_row(r, "alpha", "host", "conv1");
  conv1.time_ns = 9000;
  conv1.time_ns_q1 = 8100;  // 900 below
  conv1.time_ns_q3 = 9300;  // 300 above
  conv1.time_ns_iqr = 1200;
  ReportRow& pool = fixture_row(r, "alpha", "host", "pool");
  pool.time_ns = 700;
  pool.time_ns_q1 = 690;
  pool.time_ns_q3 = 780;
  pool.time_ns_iqr = 90;
  const std::string report = write_report(dir.path() + "/run", r);
  const auto facts = facts_of(report);
  const auto& time = panel(figure_named(facts, "alpha_cost.png"), "host wall time per layer");
  EXPECT_TRUE(has_entry(time, "whisker: first to third quartile (nearest rank)")) << time["legend"];
  EXPECT_FALSE(has_entry(time, "centred on the median")) << time["legend"];
  const auto& bars = host_whiskers(time);
  ASSERT_EQ(bars.size(), 3u) << time.dump();  // conv1, pool, fc
  expect_near_ns(bars[0]["low"], 8100, "conv1 q1");
  expect_near_ns(bars[0]["high"], 9300, "conv1 q3");
  expect_near_ns(bars[1]["low"], 690, "pool q1");
  expect_near_ns(bars[1]["high"], 780, "pool q3");
  expect_near_ns(bars[2]["low"], 400 * 0.97, "fc q1");  // the fixture's
  expect_near_ns(bars[2]["high"], 400 * 1.07, "fc q3");

  // The same report as an older qbench wrote it, without the quartiles.
  const std::string older = without_quartiles(write_report(dir.path() + "/older", r));
  const auto old_facts = facts_of(older);
  const auto& old_time = panel(figure_named(old_facts, "alpha_cost.png"), "host wall time per layer");
  EXPECT_TRUE(has_entry(old_time, "whisker: IQR wide, centred on the median (the report has median + IQR, not the "
                                  "quartiles)")) << old_time["legend"];
  EXPECT_FALSE(has_entry(old_time, "first to third quartile")) << old_time["legend"];
  const auto& old_bars = host_whiskers(old_time);
  ASSERT_EQ(old_bars.size(), 3u) << old_time.dump();
  expect_near_ns(old_bars[0]["low"], 9000 - 600, "conv1: IQR 1200, centred");
  expect_near_ns(old_bars[0]["high"], 9000 + 600, "conv1: IQR 1200, centred");
  expect_near_ns(old_bars[1]["low"], 700 - 45, "pool: IQR 90, centred");
  expect_near_ns(old_bars[1]["high"], 700 + 45, "pool: IQR 90, centred");
}

// Red marks the lowest SQNR (not the largest drop), the output gate is drawn over the
// output layer only, and the value labels of many layers do not overlap.
TEST(ReportPlots, SqnrMarksTheLeastAccurateLayerAndLabelsDoNotOverlap) {
  ScratchDir dir;
  RunReport r = fixture_report();
  for (const std::string target : {"host", "cortex-m4"}) {
    // conv1 45 -> pool 30 is the largest drop (15 dB); fc at 27 is the least accurate.
    fixture_row(r, "alpha", target, "conv1").sqnr_db = 45.0;
    fixture_row(r, "alpha", target, "pool").sqnr_db = 30.0;
    fixture_row(r, "alpha", target, "fc").sqnr_db = 27.0;
  }
  std::string report = write_report(dir.path() + "/run", r);
  // beta, with 60 layers on every target, SQNR between 20 and 50 dB.
  auto doc = nlohmann::json::parse(read_text(report + "/report.json"));
  for (auto& run : doc["runs"]) {
    if (run["suite"] != "beta") continue;
    const nlohmann::json first = run["layers"][0];
    run["layers"] = nlohmann::json::array();
    for (int k = 0; k < 60; ++k) {
      nlohmann::json layer = first;
      layer["layer_index"] = k;
      layer["layer"] = "layer_" + std::to_string(k);
      layer["sqnr_db"] = k == 41 ? 20.25 : 21.0 + (k * 7) % 29 + 0.123;
      run["layers"].push_back(layer);
    }
  }
  std::ofstream(report + "/report.json") << doc.dump();
  const auto facts = facts_of(report);

  const auto& alpha = panel(figure_named(facts, "alpha_accuracy.png"), "SQNR per layer");
  ASSERT_EQ(alpha["bars"].size(), 3u);
  EXPECT_EQ(alpha["bars"][0]["color"], "#1f77b4");
  EXPECT_EQ(alpha["bars"][1]["color"], "#1f77b4") << "pool has the largest drop, not the lowest SQNR";
  EXPECT_EQ(alpha["bars"][2]["color"], "#d62728");
  EXPECT_TRUE(has_entry(alpha, "lowest SQNR: fc (27.0 dB)")) << alpha["legend"];
  bool gate = false;
  for (const auto& line : alpha["lines"]) {
    if (line["label"].get<std::string>().rfind("output gate 25 dB", 0) != 0) continue;
    gate = true;
    for (const auto& x : line["x"]) {
      EXPECT_GE(x.get<double>(), 1.5) << "the gate line reaches beyond the output layer (index 2)";
      EXPECT_LE(x.get<double>(), 2.5);
    }
    EXPECT_EQ(line["y"][0], 25.0);
  }
  EXPECT_TRUE(gate) << alpha["lines"];

  const auto& beta = panel(figure_named(facts, "beta_accuracy.png"), "SQNR per layer");
  ASSERT_EQ(beta["bars"].size(), 60u);
  for (size_t k = 0; k < 60; ++k) EXPECT_EQ(beta["bars"][k]["color"], k == 41 ? "#d62728" : "#1f77b4") << k;
  std::vector<std::vector<double>> boxes;
  bool lowest_labelled = false;
  for (const auto& t : beta["texts"]) {
    if (t["gid"] != "value-label") continue;
    boxes.push_back(t["bbox"].get<std::vector<double>>());
    lowest_labelled = lowest_labelled || t["text"] == "20.2";
  }
  EXPECT_TRUE(lowest_labelled) << "the lowest layer's label was dropped";
  EXPECT_GE(boxes.size(), 20u) << "most labels should fit";
  for (size_t i = 0; i < boxes.size(); ++i) {
    for (size_t j = i + 1; j < boxes.size(); ++j) {
      const auto& a = boxes[i];
      const auto& b = boxes[j];
      const bool apart = a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1];
      EXPECT_TRUE(apart) << "labels " << i << " and " << j << " overlap";
    }
  }
}

// The trend gives every (suite, target) line its own colour, past ten and past twenty too.
TEST(ReportPlots, TrendGivesEverySeriesItsOwnColour) {
  ScratchDir dir;
  auto many_targets = [](const std::string& folder) {
    auto doc = nlohmann::json::parse(read_text(folder + "/report.json"));
    nlohmann::json copies = nlohmann::json::array();
    for (const auto& run : doc["runs"]) {
      if (run["target"] != "cortex-m4") continue;
      for (int k = 0; k < 12; ++k) {
        nlohmann::json copy = run;
        copy["target"] = "cortex-m4-copy" + std::to_string(k);
        copies.push_back(copy);
      }
    }
    for (auto& c : copies) doc["runs"].push_back(c);
    std::ofstream(folder + "/report.json") << doc.dump();
  };
  many_targets(write_report(dir.path() + "/history/run0", fixture_report()));
  const std::string report = write_report(dir.path() + "/now", fixture_report());
  many_targets(report);
  const auto facts = facts_of(report, "--history '" + dir.path() + "/history'");
  const auto& trend = figure_named(facts, "trend.png");
  const auto& insns = panel(trend, "TOTAL insns");
  std::set<std::string> colours;
  size_t lines = 0;
  for (const auto& line : insns["lines"]) {
    if (line["label"].get<std::string>().rfind('_', 0) == 0) continue;
    ++lines;
    colours.insert(line["color"].get<std::string>());
  }
  EXPECT_EQ(lines, 26u);  // alpha and beta on 13 targets
  EXPECT_EQ(colours.size(), lines);
  const auto& time = panel(trend, "TOTAL time_ns");
  ASSERT_EQ(time["lines"].size(), 2u);
  EXPECT_NE(time["lines"][0]["color"], time["lines"][1]["color"]);
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
