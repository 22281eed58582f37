// `qbench merge OUT DIR...`: joins the report folders of a run split across machines
// (`qbench run --shard K/N`) into one report folder, as if one machine had run the whole
// plan. Also what joins report folders pair by pair for `qbench baseline update`.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/compare/report_loader.h"

namespace qb::harness {

struct MergeOptions {
  std::string out;                // the merged report folder
  std::vector<std::string> dirs;  // the shards' report folders
  bool allow_partial = false;     // write even when pairs of the plan are missing (a warning)
};

// Writes OUT/report.json and OUT/report.csv as a pair: the runs in the order of the
// unsharded plan, no "shard" block, and a "shard_merge" note saying what was joined.
// Returns 0 once written (`qbench compare` is the gate). Throws InputError (exit 2, one
// line naming the folders) for shards that do not belong together: different git sha or
// dirty state, build, repetitions, columns, shard count or plan, a suite hashed
// differently, the same pair twice, or (without allow_partial) pairs of the plan missing.
int merge_command(const MergeOptions& options);

// ---- Report folders split and joined by (suite, target) pair -------------------------

using ReportPair = std::pair<std::string, std::string>;  // (suite, target)

// Both files of a report folder, checked and split by (suite, target). The CSV records are
// kept as text, so the rows of a pair stay byte for byte.
struct ReportFiles {
  std::string dir;
  std::string json_text, csv_text;
  LoadedReport loaded;  // report.json as compare reads it
  nlohmann::json doc;
  std::string csv_header;
  std::vector<ReportPair> order;  // the runs, in file order
  std::map<ReportPair, nlohmann::json> runs;
  std::map<ReportPair, std::vector<std::string>> csv_rows;
};

// Throws InputError naming what does not load: each file as `qbench compare` reads it,
// and the two must hold the same pairs (a pair written half-way is no report).
ReportFiles read_report_files(const std::string& dir);

// A report folder of an older qbench whose CSV lacks only columns added later
// (column_added_later: the host wall-time quartiles) is widened to `header`: those cells
// empty in its CSV rows, null in its JSON rows, every other cell as it was, byte for byte.
// Then its pairs can be joined with a newer run's. Returns false, changing nothing, when
// its columns differ from `header` in any other way (a column missing that is no later
// addition, one `header` lacks, another order). `added` gets the columns it filled in.
bool widen_to_header(ReportFiles* files, const std::string& header, std::vector<std::string>* added);

struct JoinedRuns {
  nlohmann::json runs = nlohmann::json::array();  // report.json's "runs"
  std::string csv;                                // header and rows
  size_t rows = 0;                                // CSV rows, header aside
  std::set<std::string> suites, targets;
};

// The runs of `order`, each pair's JSON run and CSV rows taken from the report given with
// it, in that order. test_outputs, which json_report writes on the first run of each suite
// only, go there again, from the first report of `outputs_from` that has them.
JoinedRuns join_runs(const std::vector<std::pair<ReportPair, const ReportFiles*>>& order,
                     const std::vector<const ReportFiles*>& outputs_from, const std::string& csv_header);

}  // namespace qb::harness
