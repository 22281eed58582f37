// `qbench baseline update --from DIR` with a run of part of the baseline: the run's
// (suite, target) pairs replace the baseline's and the others stay, unless --replace says
// to drop them; a baseline that does not load is replaced only with --replace.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/compare/report_loader.h"
#include "harness/tests/compare_test_support.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using testing::fixture_report;
using testing::Outcome;
using testing::read_text;
using testing::ScratchDir;
using testing::without_quartiles;
using testing::write_report;

// A private --root whose baseline is the fixture: alpha and beta on host and cortex-m4.
struct Root {
  ScratchDir dir;
  std::string baseline = dir.path() + "/reports/baseline";
  std::string rules = R"({"rules": {"time_ns": "off"}})";
  Root() {
    write_report(baseline, fixture_report());
    std::ofstream(baseline + "/rules.json") << rules;
  }
  Outcome update(const std::string& args) const {
    return testing::run_shell(testing::qbench_binary() + " --root '" + dir.path() + "' baseline update " + args);
  }
  Outcome update_stderr(const std::string& args) const {
    return testing::run_shell("{ " + testing::qbench_binary() + " --root '" + dir.path() + "' baseline update " +
                              args + " 2>&1 >/dev/null; }");
  }
};

// A run of one suite on one target, with a changed figure, and a suite the baseline has
// not seen yet: alpha on host (replaces), gamma on host (added).
RunReport partial_run() {
  const RunReport full = fixture_report();
  RunReport run;
  run.meta = full.meta;
  run.meta.git_sha = "feedfacefeedfacefeedfacefeedfacefeedface";
  run.meta.repetitions = 5;
  for (const auto& r : full.runs) {
    if (r.suite == "alpha" && r.target == "host") run.runs.push_back(r);
  }
  for (auto& row : run.runs[0].rows) {
    if (row.layer == "fc") row.sqnr_db = 33.25;
  }
  SuiteTargetRun gamma = run.runs[0];
  gamma.suite = "gamma";
  for (auto& row : gamma.rows) row.suite = "gamma";
  run.runs.push_back(gamma);
  return run;
}

std::vector<std::string> csv_lines_of(const std::string& csv, const std::string& suite, const std::string& target) {
  std::vector<std::string> out;
  std::istringstream in(csv);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(suite + "," + target + ",", 0) == 0) out.push_back(line);
  }
  return out;
}

std::vector<std::string> pairs_of(const LoadedReport& r) {
  std::vector<std::string> pairs;
  for (const auto& run : r.runs) pairs.push_back(run.suite + "/" + run.target);
  return pairs;
}

TEST(BaselineMerge, ARunOfOneSuiteReplacesItsPairsAndKeepsEveryOther) {
  const Root root;
  const std::string old_csv = read_text(root.baseline + "/report.csv");
  const std::string from = write_report(root.dir.path() + "/run", partial_run());
  const Outcome o = root.update("--from '" + from + "'");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("(suite, target) pairs 1 replaced, 1 added, 3 kept; now 3 suites x 2 targets"),
            std::string::npos)
      << o.output;

  // Both files load, and hold the same pairs: the baseline's in order, then the new one.
  const LoadedReport json = load_report(root.baseline + "/report.json");
  const LoadedReport csv = load_report(root.baseline + "/report.csv");
  EXPECT_EQ(pairs_of(json), (std::vector<std::string>{"alpha/host", "beta/host", "alpha/cortex-m4",
                                                      "beta/cortex-m4", "gamma/host"}));
  EXPECT_EQ(json.rows.size(), csv.rows.size());
  for (const LoadedReport* r : {&json, &csv}) {
    const LoadedRow* fc = r->find({"alpha", "host", "fc"});
    ASSERT_NE(fc, nullptr) << r->file;
    EXPECT_DOUBLE_EQ(*fc->value("sqnr_db"), 33.25) << r->file;
    EXPECT_NE(r->find({"gamma", "host", "TOTAL"}), nullptr) << r->file;
    EXPECT_NE(r->find({"beta", "cortex-m4", "TOTAL"}), nullptr) << r->file;
  }
  // Kept rows are the old baseline's, byte for byte.
  const std::string new_csv = read_text(root.baseline + "/report.csv");
  for (const auto& [suite, target] : std::vector<std::pair<std::string, std::string>>{
           {"beta", "host"}, {"alpha", "cortex-m4"}, {"beta", "cortex-m4"}}) {
    EXPECT_EQ(csv_lines_of(new_csv, suite, target), csv_lines_of(old_csv, suite, target)) << suite << " " << target;
    EXPECT_FALSE(csv_lines_of(new_csv, suite, target).empty());
  }
  // Test outputs once per suite, as qbench run writes them; the provenance says what was kept.
  const nlohmann::json doc = nlohmann::json::parse(read_text(root.baseline + "/report.json"));
  std::map<std::string, int> outputs;
  for (const auto& run : doc["runs"]) outputs[run["suite"]] += run.contains("test_outputs") ? 1 : 0;
  EXPECT_EQ(outputs, (std::map<std::string, int>{{"alpha", 1}, {"beta", 1}, {"gamma", 1}}));
  EXPECT_EQ(doc["qbench"]["git_sha"], "feedfacefeedfacefeedfacefeedfacefeedface");
  EXPECT_EQ(doc["qbench"]["repetitions"], 5) << "the fewer repetitions of the two runs";
  EXPECT_EQ(doc["baseline_merge"]["kept_pairs"], 3);
  EXPECT_EQ(read_text(root.baseline + "/rules.json"), root.rules);
  EXPECT_FALSE(fs::exists(root.baseline + "/.qbench.lock"));

  // compare reads the merged baseline like any other.
  const Outcome same = testing::run_shell(testing::qbench_binary() + " compare '" + root.baseline + "' '" +
                                          root.baseline + "'");
  EXPECT_EQ(same.exit_code, 0) << same.output;
}

TEST(BaselineMerge, ReplaceMakesTheBaselineTheRunAndSaysWhatItDropped) {
  const Root root;
  const std::string from = write_report(root.dir.path() + "/run", partial_run());
  const Outcome o = root.update("--from '" + from + "' --replace");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("(suite, target) pairs 1 replaced, 1 added, 3 dropped (--replace)"), std::string::npos)
      << o.output;
  EXPECT_EQ(read_text(root.baseline + "/report.json"), read_text(from + "/report.json"));
  EXPECT_EQ(read_text(root.baseline + "/report.csv"), read_text(from + "/report.csv"));
  EXPECT_EQ(read_text(root.baseline + "/rules.json"), root.rules);
}

TEST(BaselineMerge, ARunOfEveryPairIsTakenAsItIs) {
  const Root root;
  RunReport run = fixture_report();
  run.meta.git_sha = "feedfacefeedfacefeedfacefeedfacefeedface";
  const std::string from = write_report(root.dir.path() + "/run", run);
  const Outcome o = root.update("--from '" + from + "'");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("pairs 4 replaced, 0 added, 0 kept"), std::string::npos) << o.output;
  EXPECT_EQ(read_text(root.baseline + "/report.json"), read_text(from + "/report.json"));
  EXPECT_EQ(read_text(root.baseline + "/report.csv"), read_text(from + "/report.csv"));
}

TEST(BaselineMerge, ABaselineThatDoesNotLoadIsReplacedOnlyWithReplace) {
  const Root root;
  // An older column set: report.csv without est_us.
  std::istringstream in(read_text(root.baseline + "/report.csv"));
  std::ostringstream older;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream parts(line);
    std::string field;
    while (std::getline(parts, field, ',')) fields.push_back(field);
    if (line.back() == ',') fields.emplace_back();
    fields.erase(fields.begin() + 10);
    for (size_t i = 0; i < fields.size(); ++i) older << (i ? "," : "") << fields[i];
    older << "\n";
  }
  ASSERT_NE(read_text(root.baseline + "/report.csv").find(",est_us,"), std::string::npos);
  std::ofstream(root.baseline + "/report.csv", std::ios::trunc) << older.str();
  const std::string old_csv = read_text(root.baseline + "/report.csv");
  const std::string old_json = read_text(root.baseline + "/report.json");
  const std::string from = write_report(root.dir.path() + "/run", partial_run());

  const Outcome refused = root.update_stderr("--from '" + from + "'");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_EQ(std::count(refused.output.begin(), refused.output.end(), '\n'), 1) << refused.output;
  EXPECT_NE(refused.output.find("the baseline does not load"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("missing column 'est_us'"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("--replace"), std::string::npos) << refused.output;
  EXPECT_EQ(read_text(root.baseline + "/report.csv"), old_csv);
  EXPECT_EQ(read_text(root.baseline + "/report.json"), old_json);

  const Outcome replaced = root.update("--from '" + from + "' --replace");
  ASSERT_EQ(replaced.exit_code, 0) << replaced.output;
  EXPECT_NE(replaced.output.find("the previous baseline (which did not load) dropped"), std::string::npos)
      << replaced.output;
  EXPECT_EQ(read_text(root.baseline + "/report.json"), read_text(from + "/report.json"));
  EXPECT_EQ(read_text(root.baseline + "/report.csv"), read_text(from + "/report.csv"));
}

// A baseline of a qbench from before the host wall-time quartiles (the committed one is):
// a run merges into it, and the pairs it keeps get the two columns, empty, every other
// cell as it was.
TEST(BaselineMerge, ABaselineWithoutQuartilesMergesWithThemEmpty) {
  const Root root;
  without_quartiles(root.baseline);
  const std::string old_csv = read_text(root.baseline + "/report.csv");
  ASSERT_EQ(old_csv.find("time_ns_q1"), std::string::npos);
  const std::string from = write_report(root.dir.path() + "/run", partial_run());
  const Outcome o = root.update("--from '" + from + "'");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("(suite, target) pairs 1 replaced, 1 added, 3 kept"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("predates the column(s) time_ns_q1, time_ns_q3"), std::string::npos) << o.output;

  const std::string new_csv = read_text(root.baseline + "/report.csv");
  EXPECT_EQ(new_csv.substr(0, new_csv.find('\n')), read_text(from + "/report.csv").substr(0, new_csv.find('\n')))
      << "the run's columns";
  // A kept host row: the old cells, and two empty ones after time_ns_iqr.
  const std::vector<std::string> old_rows = csv_lines_of(old_csv, "beta", "host");
  const std::vector<std::string> new_rows = csv_lines_of(new_csv, "beta", "host");
  ASSERT_EQ(old_rows.size(), new_rows.size());
  ASSERT_FALSE(old_rows.empty());
  for (size_t i = 0; i < old_rows.size(); ++i) {
    std::vector<std::string> fields = testing::split(old_rows[i], ',');
    if (old_rows[i].back() == ',') fields.emplace_back();
    fields.insert(fields.begin() + 13, {"", ""});  // after time_ns (11) and time_ns_iqr (12)
    std::string widened;
    for (size_t k = 0; k < fields.size(); ++k) widened += (k ? "," : "") + fields[k];
    EXPECT_EQ(new_rows[i], widened);
  }
  for (const std::string file : {"report.json", "report.csv"}) {
    const LoadedReport merged = load_report(root.baseline + "/" + file);
    const LoadedRow* kept = merged.find({"beta", "host", "hidden"});
    const LoadedRow* ran = merged.find({"alpha", "host", "conv1"});
    ASSERT_TRUE(kept && ran) << file;
    EXPECT_FALSE(kept->value("time_ns_q1")) << file;
    EXPECT_TRUE(kept->value("time_ns_iqr")) << file;
    EXPECT_NEAR(*ran->value("time_ns_q3"), 9630.0, 1e-6) << file;
  }
  const nlohmann::json doc = nlohmann::json::parse(read_text(root.baseline + "/report.json"));
  for (const auto& run : doc["runs"]) {
    EXPECT_TRUE(run["total"].contains("time_ns_q1")) << run["suite"] << " " << run["target"];
  }
  const Outcome same = testing::run_shell(testing::qbench_binary() + " compare '" + root.baseline + "' '" +
                                          root.baseline + "'");
  EXPECT_EQ(same.exit_code, 0) << same.output;
}

TEST(BaselineMerge, AMismatchedPairInTheBaselineIsABaselineThatDoesNotLoad) {
  const Root root;
  // A CSV of another run beside the JSON, as an update stopped between two renames left it.
  write_report(root.dir.path() + "/other", partial_run());
  fs::copy_file(root.dir.path() + "/other/report.csv", root.baseline + "/report.csv",
                fs::copy_options::overwrite_existing);
  const std::string from = write_report(root.dir.path() + "/run", fixture_report());
  const Outcome refused = root.update_stderr("--from '" + from + "'");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("different runs"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("--replace"), std::string::npos) << refused.output;
}

TEST(BaselineMerge, HelpSaysItMergesAndWhatReplaceDoes) {
  const Outcome o = testing::qbench("baseline update --help");
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("--replace"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("every other pair is kept"), std::string::npos) << o.output;
}

}  // namespace
}  // namespace qb::harness
