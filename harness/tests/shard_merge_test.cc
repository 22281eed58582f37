// A run split across machines: `qbench run --shard K/N` runs part of the plan, `qbench
// merge` joins the parts into the report one unsharded run writes (host time and dates
// aside), and refuses parts that do not belong together.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/tests/cli_test_support.h"
#include "harness/tests/compare_test_support.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ScratchDir;
using testing::source_dir;

using testing::Outcome;
using testing::qbench;
using testing::read_text;
using testing::split;

json read_json(const std::string& dir) { return json::parse(read_text(dir + "/report.json")); }

void write_json(const std::string& dir, const json& doc) { std::ofstream(dir + "/report.json") << doc.dump(2) << "\n"; }

// A copy of a report folder, to edit.
std::string copy_of(const std::string& dir, const std::string& to) {
  fs::copy(dir, to, fs::copy_options::recursive);
  return to;
}

// Moves a suite's rows in DIR/report.csv to another target, as an edited report.json
// beside it says.
void retarget_csv(const std::string& dir, const std::string& suite, const std::string& from, const std::string& to) {
  std::string csv = read_text(dir + "/report.csv");
  const std::string old_prefix = "\n" + suite + "," + from + ",", new_prefix = "\n" + suite + "," + to + ",";
  for (size_t at = csv.find(old_prefix); at != std::string::npos; at = csv.find(old_prefix, at + 1)) {
    csv.replace(at, old_prefix.size(), new_prefix);
  }
  std::ofstream(dir + "/report.csv") << csv;
}

// One error line, nothing more.
bool one_line(const std::string& text) {
  return !text.empty() && text.back() == '\n' && text.find('\n') == text.size() - 1;
}

// The report.json of a run with what differs between two runs of the same plan on one
// machine taken out: host wall time, the date, each pair's seconds, the merge note.
json comparable(json doc) {
  doc["qbench"].erase("date_utc");
  doc.erase("shard_merge");
  for (json& run : doc["runs"]) {
    run.erase("seconds");
    for (const char* column : {"time_ns", "time_ns_iqr", "time_ns_q1", "time_ns_q3"}) {
      if (run.contains("total")) run["total"][column] = nullptr;
      for (json& row : run["layers"]) row[column] = nullptr;
    }
  }
  return doc;
}

// report.csv with the host time columns blanked, line by line.
std::vector<std::string> comparable_csv(const std::string& dir) {
  std::vector<std::string> lines = split(read_text(dir + "/report.csv"), '\n');
  if (lines.empty()) return lines;
  const std::vector<std::string> header = split(lines[0], ',');
  std::set<size_t> time_columns;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i].rfind("time_ns", 0) == 0) time_columns.insert(i);
  }
  EXPECT_EQ(time_columns.size(), 4u) << lines[0];  // time_ns, time_ns_iqr, time_ns_q1, time_ns_q3
  for (size_t l = 1; l < lines.size(); ++l) {
    std::vector<std::string> fields = split(lines[l], ',');
    std::string out;
    for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + (time_columns.count(i) ? "" : fields[i]);
    lines[l] = out;
  }
  return lines;
}

void expect_same_report(const std::string& unsharded, const std::string& merged) {
  const json a = read_json(unsharded), b = read_json(merged);
  EXPECT_FALSE(b.contains("shard")) << "a merged report is not a shard";
  EXPECT_TRUE(b.contains("shard_merge"));
  ASSERT_EQ(a["runs"].size(), b["runs"].size());
  for (size_t i = 0; i < a["runs"].size(); ++i) {
    EXPECT_EQ(a["runs"][i]["suite"], b["runs"][i]["suite"]) << "run " << i << ": not in the unsharded order";
    EXPECT_EQ(a["runs"][i]["target"], b["runs"][i]["target"]) << "run " << i << ": not in the unsharded order";
  }
  EXPECT_EQ(comparable(a), comparable(b)) << "report.json differs beyond host time and dates";
  const std::vector<std::string> ca = comparable_csv(unsharded), cb = comparable_csv(merged);
  ASSERT_EQ(ca.size(), cb.size());
  for (size_t i = 0; i < ca.size(); ++i) EXPECT_EQ(ca[i], cb[i]) << "report.csv line " << i + 1;
}

// The quick preset (xor and kws on the host) unsharded and as two shards.
struct QuickRuns {
  ScratchDir dir;
  std::string full = dir.path() + "/full", s1 = dir.path() + "/shard-1", s2 = dir.path() + "/shard-2";
  std::string run_args = "run --preset quick --repetitions 3 -q";
  QuickRuns() {
    for (const auto& [out, shard] : {std::pair{full, std::string()}, {s1, std::string("--shard 1/2")},
                                     {s2, std::string("--shard 2/2")}}) {
      const Outcome o = qbench(run_args + " " + shard + " --out '" + out + "'");
      EXPECT_EQ(o.exit_code, 0) << shard << "\n" << o.output;
    }
  }
  std::string out(const std::string& name) const { return dir.path() + "/" + name; }
};

TEST(ShardMerge, ShardsHoldDisjointPartsAndRecordTheWholePlan) {
  QuickRuns q;
  const json a = read_json(q.s1), b = read_json(q.s2);
  for (const json* doc : {&a, &b}) {
    ASSERT_TRUE(doc->contains("shard"));
    EXPECT_EQ((*doc)["shard"]["count"], 2);
    EXPECT_EQ((*doc)["shard"]["pairs"],
              json::parse(R"([{"suite": "xor", "target": "host"}, {"suite": "kws", "target": "host"}])"));
    ASSERT_EQ((*doc)["runs"].size(), 1u);
  }
  EXPECT_EQ(a["shard"]["index"], 1);
  EXPECT_EQ(b["shard"]["index"], 2);
  EXPECT_EQ(a["runs"][0]["suite"], "xor");
  EXPECT_EQ(b["runs"][0]["suite"], "kws");
  EXPECT_FALSE(read_json(q.full).contains("shard"));
}

TEST(ShardMerge, TwoShardsMergeIntoTheUnshardedReport) {
  QuickRuns q;
  const std::string merged = q.out("merged");
  // Given in any order: the merged runs follow the plan.
  const Outcome o = qbench("merge '" + merged + "' '" + q.s2 + "' '" + q.s1 + "'");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  expect_same_report(q.full, merged);

  // Accepted wherever a single run's report is.
  const Outcome compared = qbench("compare '" + q.full + "' '" + merged + "' --no-time");
  EXPECT_EQ(compared.exit_code, 0) << compared.output;
  const Outcome exported = qbench("export '" + merged + "'");
  EXPECT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_TRUE(fs::is_regular_file(merged + "/benchmark-github.json"));
  const Outcome page = qbench("report '" + merged + "' --baseline '" + q.full + "'");
  EXPECT_EQ(page.exit_code, 0) << page.output;
  EXPECT_TRUE(fs::is_regular_file(merged + "/report.html"));

  // Shards of a qbench from before the host wall-time quartiles merge as they are.
  const std::string old1 = testing::without_quartiles(copy_of(q.s1, q.out("old-1")));
  const std::string old2 = testing::without_quartiles(copy_of(q.s2, q.out("old-2")));
  const std::string old_merged = q.out("old-merged");
  const Outcome old = qbench("merge '" + old_merged + "' '" + old1 + "' '" + old2 + "'");
  ASSERT_EQ(old.exit_code, 0) << old.output;
  EXPECT_EQ(read_text(old_merged + "/report.csv").find("time_ns_q1"), std::string::npos);
  const Outcome old_compared = qbench("compare '" + q.full + "' '" + old_merged + "' --no-time");
  EXPECT_EQ(old_compared.exit_code, 0) << old_compared.output;
}

TEST(ShardMerge, ThreeWaySplitWithAnEmptyOrDoubleShardMergesInPlanOrder) {
  ScratchDir dir;
  // Four host pairs when the CPU has AVX2 (shard 2 then holds kws/host and xor/host-avx2,
  // runs that are not neighbours in the plan); else three suites on the host.
  const std::string plan = __builtin_cpu_supports("avx2")
                               ? "--preset quick --target host --target host-avx2"
                               : "--suite '" + source_dir() + "/suites/xor.json' --suite '" + source_dir() +
                                     "/suites/kws.json' --suite '" + source_dir() + "/suites/hello_world.json'";
  const std::string full = dir.path() + "/full";
  Outcome o = qbench("run " + plan + " --repetitions 3 -q --out '" + full + "'");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  std::string shards;
  size_t pairs = 0;
  for (int k = 1; k <= 3; ++k) {
    const std::string out = dir.path() + "/shard-" + std::to_string(k);
    o = qbench("run " + plan + " --repetitions 3 -q --shard " + std::to_string(k) + "/3 --out '" + out + "'");
    ASSERT_EQ(o.exit_code, 0) << o.output;
    pairs += read_json(out)["runs"].size();
    shards += " '" + out + "'";
  }
  EXPECT_EQ(pairs, read_json(full)["runs"].size());
  const std::string merged = dir.path() + "/merged";
  o = qbench("merge '" + merged + "'" + shards);
  ASSERT_EQ(o.exit_code, 0) << o.output;
  expect_same_report(full, merged);

  // More shards than pairs: the empty shards run nothing, exit 0, and merge as well.
  std::string many;
  for (int k = 1; k <= 6; ++k) {
    const std::string out = dir.path() + "/of6-" + std::to_string(k);
    o = qbench("run " + plan + " --repetitions 3 -q --shard " + std::to_string(k) + "/6 --out '" + out + "'");
    ASSERT_EQ(o.exit_code, 0) << o.output;
    many += " '" + out + "'";
  }
  o = qbench("merge '" + dir.path() + "/merged6'" + many);
  ASSERT_EQ(o.exit_code, 0) << o.output;
  expect_same_report(full, dir.path() + "/merged6");
}

TEST(ShardMerge, BadShardIsOneLineAndExitTwoAndWritesNothing) {
  ScratchDir dir;
  for (const std::string bad : {"0/2", "3/2", "1/65", "2", "a/b", "1/2/3", "-1/2", "1/0", ""}) {
    const std::string out = dir.path() + "/out";
    const Outcome o = qbench("run --preset quick --shard '" + bad + "' --out '" + out + "'", " 2>&1 >/dev/null");
    EXPECT_EQ(o.exit_code, 2) << bad << ": " << o.output;
    EXPECT_TRUE(one_line(o.output)) << bad << ": " << o.output;
    EXPECT_NE(o.output.find("--shard"), std::string::npos) << o.output;
    EXPECT_FALSE(fs::exists(out + "/report.json")) << bad;
  }
  const Outcome ok = qbench("run --preset quick --repetitions 1 -q --shard 64/64 --out '" + dir.path() + "/ok'");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

// A refusal: exit 2, one line naming what is given, and no merged report.
void expect_refused(const QuickRuns& q, const std::string& dirs, const std::vector<std::string>& says) {
  const std::string out = q.out("refused");
  const Outcome o = qbench("merge '" + out + "' " + dirs, " 2>&1 >/dev/null");
  EXPECT_EQ(o.exit_code, 2) << dirs << "\n" << o.output;
  EXPECT_TRUE(one_line(o.output)) << o.output;
  for (const auto& s : says) EXPECT_NE(o.output.find(s), std::string::npos) << "expected '" << s << "' in: " << o.output;
  EXPECT_FALSE(fs::exists(out + "/report.json"));
}

TEST(ShardMerge, RefusesOverlappingShards) {
  QuickRuns q;
  // The same shard twice.
  const std::string again = copy_of(q.s1, q.out("shard-1-again"));
  expect_refused(q, "'" + q.s1 + "' '" + again + "' '" + q.s2 + "'", {"overlapping", q.s1, again});
  // A shard claiming another index but holding the same pair.
  json doc = read_json(again);
  doc["shard"]["index"] = 2;
  write_json(again, doc);
  expect_refused(q, "'" + q.s1 + "' '" + again + "'", {"overlapping", "xor on host", q.s1, again});
}

TEST(ShardMerge, RefusesShardsOfDifferentRuns) {
  QuickRuns q;
  const std::string s2 = "'" + q.s2 + "'";
  {  // another commit, or the same one dirty
    const std::string other = copy_of(q.s2, q.out("other-sha"));
    json doc = read_json(other);
    doc["qbench"]["git_sha"] = "0123456789abcdef0123456789abcdef01234567+dirty";
    write_json(other, doc);
    expect_refused(q, "'" + q.s1 + "' '" + other + "'", {"git sha", q.s1, other});
  }
  {  // a pair outside the plan its shard block states
    const std::string other = copy_of(q.s1, q.out("outside"));
    json doc = read_json(other);
    doc["shard"]["index"] = 2;
    doc["runs"][0]["target"] = "host-avx2";
    write_json(other, doc);
    retarget_csv(other, "xor", "host", "host-avx2");
    expect_refused(q, "'" + q.s1 + "' '" + other + "'", {"not a pair of the plan", other});
  }
  {  // other options
    const std::string other = q.out("other-reps");
    const Outcome o = qbench("run --preset quick --repetitions 2 -q --shard 2/2 --out '" + other + "'");
    ASSERT_EQ(o.exit_code, 0) << o.output;
    expect_refused(q, "'" + q.s1 + "' '" + other + "'", {"--repetitions", q.s1, other});
  }
  {  // another split
    const std::string other = q.out("of-3");
    const Outcome o = qbench("run --preset quick --repetitions 3 -q --shard 2/3 --out '" + other + "'");
    ASSERT_EQ(o.exit_code, 0) << o.output;
    expect_refused(q, "'" + q.s1 + "' '" + other + "'", {"different splits", q.s1, other});
  }
  {  // another plan
    const std::string other = q.out("other-plan");
    const Outcome o = qbench("run --suite '" + source_dir() + "/suites/xor.json' --suite '" + source_dir() +
                             "/suites/hello_world.json' --repetitions 3 -q --shard 2/2 --out '" + other + "'");
    ASSERT_EQ(o.exit_code, 0) << o.output;
    expect_refused(q, "'" + q.s1 + "' '" + other + "'", {"different plans", q.s1, other});
  }
  // Over one of the shards.
  const Outcome over = qbench("merge '" + q.s1 + "' '" + q.s1 + "' '" + q.s2 + "'", " 2>&1 >/dev/null");
  EXPECT_EQ(over.exit_code, 2) << over.output;
  EXPECT_TRUE(read_json(q.s1).contains("shard")) << "the shard is left as it was";
  // Not a shard at all.
  expect_refused(q, "'" + q.full + "' " + s2, {"not a shard", q.full});
}

TEST(ShardMerge, RefusesASuiteHashedDifferentlyAcrossShards) {
  QuickRuns q;
  // A plan of xor on two targets, one per shard, whose second shard ran another xor.json:
  // shard 1 is a copy of the quick shard 1 with that plan, shard 2 the same run moved to
  // the other target with another suite hash.
  const json plan = json::parse(R"([{"suite": "xor", "target": "host"}, {"suite": "xor", "target": "other"}])");
  const std::string a = copy_of(q.s1, q.out("plan-a")), b = copy_of(q.s1, q.out("plan-b"));
  json doc = read_json(q.s1);
  doc["shard"]["pairs"] = plan;
  write_json(a, doc);
  doc["shard"]["index"] = 2;
  doc["runs"][0]["target"] = "other";
  doc["runs"][0]["suite_hash_fnv1a64"] = "0123456789abcdef";
  write_json(b, doc);
  retarget_csv(b, "xor", "host", "other");
  expect_refused(q, "'" + a + "' '" + b + "'", {"different versions of suite xor", a, b});
  // With the same hash the two merge.
  doc["runs"][0]["suite_hash_fnv1a64"] = read_json(q.s1)["runs"][0]["suite_hash_fnv1a64"];
  write_json(b, doc);
  const Outcome o = qbench("merge '" + q.out("ab") + "' '" + a + "' '" + b + "'");
  EXPECT_EQ(o.exit_code, 0) << o.output;
}

TEST(ShardMerge, MissingPairsAreRefusedUnlessAllowPartial) {
  QuickRuns q;
  expect_refused(q, "'" + q.s1 + "'", {"missing", "kws on host", "--allow-partial"});
  const std::string partial = q.out("partial");
  const Outcome o = qbench("merge '" + partial + "' '" + q.s1 + "' --allow-partial", " 2>&1 >/dev/null");
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("kws on host"), std::string::npos) << "the warning names what is missing: " << o.output;
  const json doc = read_json(partial);
  ASSERT_EQ(doc["runs"].size(), 1u);
  EXPECT_EQ(doc["runs"][0]["suite"], "xor");
  EXPECT_EQ(doc["shard_merge"]["missing_pairs"], json::parse(R"([{"suite": "kws", "target": "host"}])"));
  // compare sees the missing pair's rows as vanished: the gate fails.
  EXPECT_EQ(qbench("compare '" + q.full + "' '" + partial + "' --no-time").exit_code, 1);
}

}  // namespace
}  // namespace qb::harness
