// The comparison's rules in-process: exact counts, percentages, SQNR drops, goldens, new
// and vanished rows, and how rules are parsed and layered.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "harness/compare/comparison.h"
#include "harness/compare/report_loader.h"
#include "harness/compare/rules.h"
#include "harness/suite/input_error.h"
#include "harness/tests/compare_test_support.h"

namespace qb::harness {
namespace {

using testing::fixture_report;
using testing::fixture_row;
using testing::ScratchDir;
using testing::without_quartiles;
using testing::write_report;

struct Pair {
  ScratchDir dir;
  LoadedReport baseline, current;
  // The fixture as baseline; `edit` turns it into the current report.
  template <typename Edit>
  Pair(Edit edit, const char* file = "report.json") {
    RunReport base = fixture_report();
    RunReport cur = fixture_report();
    edit(cur);
    baseline = load_report(write_report(dir.path() + "/base", base) + "/" + file);
    current = load_report(write_report(dir.path() + "/cur", cur) + "/" + file);
  }
  Comparison compare(const RuleSet& rules = default_rules()) const {
    return compare_reports(baseline, current, rules);
  }
};

const Finding* find(const Comparison& c, const std::string& layer, const std::string& metric,
                    const std::string& target = "cortex-m4") {
  for (const auto& f : c.findings) {
    if (f.key.layer == layer && f.metric == metric && f.key.target == target) return &f;
  }
  return nullptr;
}

TEST(CompareRules, IdenticalReportsPass) {
  const Pair p([](RunReport&) {});
  const Comparison c = p.compare();
  EXPECT_EQ(c.broken(), 0u);
  EXPECT_TRUE(c.findings.empty());
  EXPECT_EQ(c.rows_matched, 14u);  // (3 + 1 TOTAL) + (2 + 1 TOTAL), on two targets
  EXPECT_EQ(c.figures_compared, c.figures_unchanged);
}

TEST(CompareRules, OneMoreInstructionBreaksTheExactRule) {
  const Pair p([](RunReport& r) { *fixture_row(r, "alpha", "cortex-m4", "pool").insns += 1; });
  const Comparison c = p.compare();
  const Finding* f = find(c, "pool", "insns");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->verdict, Verdict::kBroken);
  EXPECT_EQ(f->old_text, "3100");
  EXPECT_EQ(f->new_text, "3101");
  EXPECT_EQ(f->rule, "exact");
  EXPECT_EQ(c.broken(), 1u);
}

TEST(CompareRules, FewerInstructionsAlsoBreakExactButPassAPercentRule) {
  const Pair p([](RunReport& r) { *fixture_row(r, "alpha", "cortex-m4", "conv1").insns -= 100; });
  EXPECT_EQ(find(p.compare(), "conv1", "insns")->verdict, Verdict::kBroken);
  RuleSet rules = default_rules();
  apply_rule_override("insns=0%", "--rule", &rules);
  EXPECT_EQ(find(p.compare(rules), "conv1", "insns")->verdict, Verdict::kBetter);
  EXPECT_EQ(p.compare(rules).broken(), 0u);
}

TEST(CompareRules, PercentRuleAllowsUpToItsLimit) {
  // conv1: 41000 instructions; +2% is 41820.
  RuleSet rules = default_rules();
  apply_rule_override("insns=2%", "--rule", &rules);
  const Pair within([](RunReport& r) { fixture_row(r, "alpha", "cortex-m4", "conv1").insns = 41820; });
  EXPECT_EQ(find(within.compare(rules), "conv1", "insns")->verdict, Verdict::kWorse);
  const Pair beyond([](RunReport& r) { fixture_row(r, "alpha", "cortex-m4", "conv1").insns = 41821; });
  const Comparison c = beyond.compare(rules);  // the finding points into it
  const Finding* f = find(c, "conv1", "insns");
  EXPECT_EQ(f->verdict, Verdict::kBroken);
  ASSERT_TRUE(f->ratio.has_value());
  EXPECT_NEAR(*f->ratio, 41821.0 / 41000.0, 1e-12);
}

TEST(CompareRules, SqnrMayDropOnlyByTheGivenDecibels) {
  const Pair p([](RunReport& r) { fixture_row(r, "alpha", "host", "fc").sqnr_db = 30.9; });  // -0.3 dB
  EXPECT_EQ(find(p.compare(), "fc", "sqnr_db", "host")->verdict, Verdict::kBroken);  // default 0.01 dB
  RuleSet loose = default_rules();
  apply_rule_override("sqnr_db=0.5dB", "--rule", &loose);
  EXPECT_EQ(find(p.compare(loose), "fc", "sqnr_db", "host")->verdict, Verdict::kWorse);
  RuleSet tight = default_rules();
  apply_rule_override("sqnr_db=0.2dB", "--rule", &tight);
  EXPECT_EQ(find(p.compare(tight), "fc", "sqnr_db", "host")->verdict, Verdict::kBroken);
  // A better SQNR never fails.
  const Pair better([](RunReport& r) { fixture_row(r, "alpha", "host", "fc").sqnr_db = 35.0; });
  EXPECT_EQ(better.compare().broken(), 0u);
}

TEST(CompareRules, LosingAnExactSqnrIsAnInfiniteDrop) {
  RunReport base = fixture_report(), cur = fixture_report();
  fixture_row(base, "alpha", "host", "pool").sqnr_db = INFINITY;
  ScratchDir dir;
  const Comparison c = compare_reports(load_report(write_report(dir.path() + "/b", base)),
                                       load_report(write_report(dir.path() + "/c", cur)), default_rules());
  const Finding* f = find(c, "pool", "sqnr_db", "host");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->old_text, "inf");
  EXPECT_EQ(f->verdict, Verdict::kBroken);
}

TEST(CompareRules, ErrorMetricsUseAnAbsoluteMargin) {
  const Pair p([](RunReport& r) { fixture_row(r, "beta", "host", "out").max_abs_err = 0.0505; });
  EXPECT_EQ(find(p.compare(), "out", "max_abs_err", "host")->verdict, Verdict::kWorse);  // +0.0005 <= 0.001
  const Pair q([](RunReport& r) { fixture_row(r, "beta", "host", "out").max_abs_err = 0.06; });
  EXPECT_EQ(find(q.compare(), "out", "max_abs_err", "host")->verdict, Verdict::kBroken);
}

TEST(CompareRules, BytesAreExactAndTheBytesAliasCoversEveryByteColumn) {
  const Pair p([](RunReport& r) { *fixture_row(r, "alpha", "cortex-m4", "TOTAL").stack_bytes += 4; });
  EXPECT_EQ(find(p.compare(), "TOTAL", "stack_bytes")->verdict, Verdict::kBroken);
  RuleSet rules = default_rules();
  apply_rule_override("bytes=1%", "--rule", &rules);
  EXPECT_EQ(p.compare(rules).broken(), 0u);
}

TEST(CompareRules, TimeNeedsEnoughRepetitionsAndRespectsItsTolerance) {
  const Pair slow([](RunReport& r) { fixture_row(r, "alpha", "host", "conv1").time_ns = 9000 * 1.5; });
  const Comparison strict = slow.compare();
  const Finding* f = find(strict, "conv1", "time_ns", "host");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->verdict, Verdict::kBroken);  // +50% > 20%
  RuleSet loose = default_rules();
  apply_rule_override("time_ns=60%", "--rule", &loose);
  EXPECT_EQ(slow.compare(loose).broken(), 0u);
  RuleSet off = default_rules();
  apply_rule_override("time_ns=off", "--no-time", &off);
  EXPECT_EQ(slow.compare(off).broken(), 0u);
  // 15 repetitions in the fixture: asking for 20 leaves time ungated, with a note.
  RuleSet more = default_rules();
  more.min_repetitions = 20;
  const Comparison c = slow.compare(more);
  EXPECT_EQ(c.broken(), 0u);
  ASSERT_FALSE(c.notes.empty());
  EXPECT_NE(c.notes[0].find("15 repetition(s)"), std::string::npos) << c.notes[0];
}

TEST(CompareRules, VanishedRowsFailAndNewRowsDoNot) {
  const Pair vanished([](RunReport& r) {
    auto& rows = r.runs[0].rows;  // alpha on host
    rows.erase(rows.begin() + 1);  // pool
  });
  const Comparison c = vanished.compare();
  ASSERT_EQ(c.vanished_rows.size(), 1u);
  EXPECT_EQ(c.vanished_rows[0].layer, "pool");
  EXPECT_EQ(c.vanished_rows[0].target, "host");
  EXPECT_EQ(c.broken(), 1u);

  const Pair added([](RunReport& r) {
    SuiteTargetRun extra = r.runs[0];
    extra.target = "cortex-m55";
    for (auto& row : extra.rows) row.target = "cortex-m55";
    r.runs.push_back(extra);
  });
  const Comparison d = added.compare();
  EXPECT_EQ(d.new_rows.size(), 4u);
  EXPECT_EQ(d.broken(), 0u);
}

TEST(CompareRules, AValueThatVanishesFailsAndANewValueDoesNot) {
  const Pair gone([](RunReport& r) { fixture_row(r, "alpha", "cortex-m4", "fc").insns.reset(); });
  EXPECT_EQ(find(gone.compare(), "fc", "insns")->verdict, Verdict::kBroken);
  const Pair fresh([](RunReport& r) { fixture_row(r, "alpha", "host", "fc").insns = 5000; });
  EXPECT_EQ(find(fresh.compare(), "fc", "insns", "host")->verdict, Verdict::kNewValue);
  EXPECT_EQ(fresh.compare().broken(), 0u);
}

// The host wall-time quartiles are the whisker's ends, not a gated figure: off by default,
// compared when a rule asks (one-sided, like time_ns); a report without them (an older
// qbench) compares as before, its missing quartiles new values at most.
TEST(CompareRules, QuartilesAreComparedOnlyWhenARuleAsksAndMayBeAbsent) {
  const Pair wider([](RunReport& r) { fixture_row(r, "alpha", "host", "conv1").time_ns_q3 = 9630 * 2.0; });
  EXPECT_EQ(find(wider.compare(), "conv1", "time_ns_q3", "host"), nullptr) << "off by default";
  EXPECT_EQ(wider.compare().broken(), 0u);
  RuleSet asked = default_rules();
  apply_rule_override("time_ns_q3=25%", "--rule", &asked);
  const Comparison widened = wider.compare(asked);  // find() points into it
  const Finding* f = find(widened, "conv1", "time_ns_q3", "host");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->verdict, Verdict::kBroken);
  EXPECT_NE(describe_rules(default_rules()).find("time_ns_q1 off, time_ns_q3 off, *_bytes exact"), std::string::npos)
      << describe_rules(default_rules());

  for (const std::string file : {"report.json", "report.csv"}) {
    ScratchDir dir;
    const LoadedReport older = load_report(without_quartiles(write_report(dir.path() + "/old", fixture_report())) +
                                           "/" + file);
    const LoadedReport newer = load_report(write_report(dir.path() + "/new", fixture_report()) + "/" + file);
    const LoadedRow* conv1 = older.find({"alpha", "host", "conv1"});
    ASSERT_NE(conv1, nullptr) << file;
    EXPECT_FALSE(conv1->value("time_ns_q1")) << file;
    EXPECT_FALSE(conv1->value("time_ns_q3")) << file;
    EXPECT_TRUE(conv1->value("time_ns_iqr")) << file;
    EXPECT_EQ(compare_reports(older, newer, default_rules()).broken(), 0u) << file;
    EXPECT_EQ(compare_reports(newer, older, default_rules()).broken(), 0u) << file;
    EXPECT_TRUE(compare_reports(older, newer, default_rules()).findings.empty()) << file;
    const Comparison c = compare_reports(older, newer, asked);
    EXPECT_EQ(c.broken(), 0u) << file;
    const Finding* fresh = find(c, "conv1", "time_ns_q3", "host");
    ASSERT_NE(fresh, nullptr) << file;
    EXPECT_EQ(fresh->verdict, Verdict::kNewValue) << file;
  }
}

TEST(CompareRules, GoldensAreComparedByteForByte) {
  const Pair p([](RunReport& r) {
    fixture_row(r, "beta", "cortex-m4", "hidden").output_crc32 = 0xdeadbeef;
    r.runs[3].golden = GoldenStatus::kMismatch;  // beta on cortex-m4
  });
  const Comparison c = p.compare();
  const Finding* crc = find(c, "hidden", "output_crc32");
  ASSERT_NE(crc, nullptr);
  EXPECT_EQ(crc->verdict, Verdict::kBroken);
  EXPECT_EQ(crc->new_text, "deadbeef");
  const Finding* golden = find(c, "TOTAL", "golden");
  ASSERT_NE(golden, nullptr);
  EXPECT_EQ(golden->new_text, "mismatch");
  EXPECT_EQ(golden->verdict, Verdict::kBroken);
  RuleSet off = default_rules();
  apply_rule_override("golden=off", "--rule", &off);
  EXPECT_EQ(p.compare(off).broken(), 0u);
}

TEST(CompareRules, CsvReportsCompareTheSameFiguresWithoutGoldens) {
  const Pair p([](RunReport& r) { *fixture_row(r, "alpha", "cortex-m4", "pool").insns += 1; }, "report.csv");
  const Comparison c = p.compare();
  EXPECT_EQ(c.broken(), 1u);
  EXPECT_NE(find(c, "pool", "insns"), nullptr);
  bool noted = false;
  for (const auto& n : c.notes) noted |= n.find("goldens not compared") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(CompareRules, PerSuiteRulesFromAFileAndTheCommandLineWins) {
  ScratchDir dir;
  const std::string file = dir.write("rules.json", R"({
    "why": "alpha's pool may grow a little",
    "rules": {"time_ns": "off"},
    "suites": {"alpha": {"insns": "1%"}},
    "min_repetitions": 3})");
  RuleSet rules = default_rules();
  load_rules_file(file, &rules);
  EXPECT_EQ(rules.rule_for("alpha", "insns").spec(), "1%");
  EXPECT_EQ(rules.rule_for("beta", "insns").spec(), "exact");
  EXPECT_EQ(rules.rule_for("beta", "time_ns").spec(), "off");
  EXPECT_EQ(rules.min_repetitions, 3);
  apply_rule_override("insns=exact", "--rule", &rules);
  EXPECT_EQ(rules.rule_for("alpha", "insns").spec(), "exact");
}

TEST(CompareRules, BadRuleTextIsOneLineNamingIt) {
  RuleSet rules = default_rules();
  const auto message = [&](const std::string& text) {
    try {
      apply_rule_override(text, "--rule", &rules);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(message("insns").find("expected METRIC=SPEC"), std::string::npos);
  EXPECT_NE(message("instructions=0%").find("unknown metric 'instructions'"), std::string::npos);
  EXPECT_NE(message("insns=2dB").find("dB applies to sqnr_db only"), std::string::npos);
  EXPECT_NE(message("time_ns=fast").find("got 'fast'"), std::string::npos);
  EXPECT_NE(message("time_ns=-5%").find("got '-5%'"), std::string::npos);
  ScratchDir dir;
  try {
    load_rules_file(dir.write("rules.json", R"({"suites": {"alpha": {"insns": 3}}})"), &rules);
    FAIL() << "a number where a string belongs was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/suites/alpha/insns: expected a string"), std::string::npos) << e.what();
  }
}

TEST(CompareLoader, BadReportsAreOneLineNamingTheFileAndTheProblem) {
  ScratchDir dir;
  const std::string good = csv_report(fixture_report());
  const auto message = [&](const std::string& name, const std::string& text) {
    const std::string file = dir.write(name, text);
    try {
      load_report(file);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  std::string no_insns = good;
  no_insns.replace(no_insns.find(",insns,"), 7, ",instr,");
  EXPECT_EQ(message("a/report.csv", no_insns), dir.path() + "/a/report.csv: line 1: missing column 'insns'");
  // The quartiles may be absent (an older qbench), never malformed.
  std::string bad_q1 = good;
  bad_q1.replace(bad_q1.find(",8730,"), 6, ",87x0,");
  EXPECT_NE(message("a2/report.csv", bad_q1).find("column time_ns_q1: expected a number or empty, got '87x0'"),
            std::string::npos) << message("a2/report.csv", bad_q1);
  nlohmann::json text_q3 = nlohmann::json::parse(json_report(fixture_report()));
  text_q3["runs"][0]["layers"][0]["time_ns_q3"] = "fast";
  EXPECT_NE(message("a3/report.json", text_q3.dump()).find("/runs/0/layers/0/time_ns_q3: expected a number"),
            std::string::npos) << message("a3/report.json", text_q3.dump());
  std::string bad_number = good;
  bad_number.replace(bad_number.find(",3100,"), 6, ",31x0,");
  EXPECT_NE(message("b/report.csv", bad_number).find("column insns: expected a number or empty, got '31x0'"),
            std::string::npos);
  EXPECT_NE(message("c/report.json", "{\"qbench\": {}}").find("/qbench: missing 'repetitions'"), std::string::npos);
  EXPECT_NE(message("d/report.json", "not json").find("expected valid JSON"), std::string::npos);
  EXPECT_NE(message("e/report.txt", "x").find("expected report.json or report.csv"), std::string::npos);
  // Found by the report fuzzer (fuzz/): a number beyond double and a gate whose name is a
  // number escaped as nlohmann exceptions (exit 3) instead of one line.
  EXPECT_EQ(message("f/report.json", "{\"qbench\": 1e999}"),
            dir.path() + "/f/report.json: line 1, column 12: expected valid JSON with numbers a double can hold, got "
                         "number overflow parsing '1e999'");
  nlohmann::json doc = nlohmann::json::parse(json_report(fixture_report()));
  doc["runs"][0]["gates"] = nlohmann::json::array({{{"gate", 5}, {"passed", false}}});
  EXPECT_EQ(message("g/report.json", doc.dump()), dir.path() + "/g/report.json: /runs/0/gates/0/gate: expected a string, got 5");
  try {
    load_report(dir.path() + "/nowhere");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no such file or folder"), std::string::npos);
  }
}

}  // namespace
}  // namespace qb::harness
