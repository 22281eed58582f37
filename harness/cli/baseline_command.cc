#include "harness/cli/baseline_command.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/cli/merge_command.h"
#include "harness/cli/run_command.h"
#include "harness/compare/compare_table.h"
#include "harness/compare/comparison.h"
#include "harness/compare/report_loader.h"
#include "harness/report/atomic_file.h"
#include "harness/report/report_folder_lock.h"
#include "harness/suite/input_error.h"
#include "harness/targets/interrupts.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using Pair = ReportPair;  // (suite, target)

// A baseline is only worth gating against when every run passed with a matching golden.
std::string why_not_a_baseline(const LoadedReport& r) {
  if (r.runs.empty()) return r.file + ": has no runs";
  for (const auto& run : r.runs) {
    const std::string who = r.file + ": " + run.suite + " on " + run.target;
    if (!run.error.empty()) return who + ": target failed: " + run.error;
    if (!run.passed) return who + ": did not pass (gates or golden)";
    if (run.golden != "match" && run.golden != "updated") {
      return who + ": golden is '" + run.golden + "', expected match (run with --require-golden)";
    }
  }
  return "";
}

// The report limited to some pairs: what the update changes for them, without the pairs
// it keeps showing up as vanished rows.
LoadedReport only_pairs(const LoadedReport& r, const std::set<Pair>& pairs) {
  LoadedReport out = r;
  out.rows.clear();
  out.runs.clear();
  for (const auto& row : r.rows) {
    if (pairs.count({row.key.suite, row.key.target})) out.rows.push_back(row);
  }
  for (const auto& run : r.runs) {
    if (pairs.count({run.suite, run.target})) out.runs.push_back(run);
  }
  return out;
}

struct Merged {
  std::string json_text, csv_text;
  size_t replaced = 0, added = 0, kept = 0;
  std::set<std::string> suites, targets;
  size_t rows = 0;
};

// The baseline's pairs in their order, each taken from the run when it holds it, then the
// run's new pairs in the run's order; the CSV follows the same order.
Merged merge(const ReportFiles& old, const ReportFiles& fresh) {
  Merged m;
  std::vector<std::pair<Pair, const ReportFiles*>> order;
  for (const Pair& p : old.order) {
    const bool ran = fresh.runs.count(p) > 0;
    order.emplace_back(p, ran ? &fresh : &old);
    ++(ran ? m.replaced : m.kept);
  }
  for (const Pair& p : fresh.order) {
    if (!old.runs.count(p)) {
      order.emplace_back(p, &fresh);
      ++m.added;
    }
  }
  // test_outputs: the run's where it has them (they may have changed with the model).
  JoinedRuns joined = join_runs(order, {&fresh, &old}, old.csv_header);
  m.suites = std::move(joined.suites);
  m.targets = std::move(joined.targets);
  m.rows = joined.rows;
  json doc = fresh.doc;  // the newer qbench's provenance, columns and model notes
  doc["runs"] = std::move(joined.runs);
  // The kept rows come from another run: say which, and claim no more timing repetitions
  // than the fewer of the two (compare's time rule asks for a minimum).
  const int old_reps = old.doc["qbench"]["repetitions"].get<int>();
  const int new_reps = fresh.doc["qbench"]["repetitions"].get<int>();
  doc["qbench"]["repetitions"] = std::min(old_reps, new_reps);
  doc["baseline_merge"] = {{"note", "pairs kept from the previous baseline by qbench baseline update"},
                           {"kept_pairs", m.kept},
                           {"kept_pairs_from", old.doc["qbench"]}};
  m.json_text = doc.dump(2) + "\n";
  m.csv_text = std::move(joined.csv);
  return m;
}

}  // namespace

int baseline_update_command(const BaselineOptions& o, const Paths& paths) {
  // Ctrl-C stops a preset run cleanly and never leaves half a baseline.
  install_interrupt_handlers();
  const fs::path dir = fs::path(paths.root) / "reports" / "baseline";
  // Held from the start: two updates at once would each merge into the same old baseline.
  const ReportFolderLock baseline_lock(dir.string(), dir.string());

  std::string from = o.from;
  if (from.empty()) {
    RunOptions run;
    run.preset = o.preset;
    run.require_golden = true;
    run.repetitions = o.repetitions;
    run.paths = paths;
    run.paths.out = paths.out + "/" + o.preset;
    std::printf("baseline: running the %s preset into %s\n", o.preset.c_str(), run.paths.out.c_str());
    std::fflush(stdout);
    const int code = run_command(run);
    if (code != 0) {
      std::fprintf(stderr, "baseline not updated: the %s run failed (exit %d)\n", o.preset.c_str(), code);
      return code;
    }
    from = run.paths.out;
  }
  std::error_code ec;
  if (!fs::is_directory(from, ec)) throw InputError(from + ": expected a report folder (from qbench run --out)");
  for (const char* name : {"report.json", "report.csv"}) {
    const std::string f = (fs::path(from) / name).string();
    if (!fs::is_regular_file(f, ec)) throw InputError(f + ": missing (a baseline needs both report.json and report.csv)");
  }
  const LoadedReport fresh_loaded = load_report((fs::path(from) / "report.json").string());
  load_report((fs::path(from) / "report.csv").string());
  if (const std::string why = why_not_a_baseline(fresh_loaded); !why.empty()) {
    std::fprintf(stderr, "baseline not updated: %s\n", why.c_str());
    return 1;
  }
  const ReportFiles fresh = read_report_files(from);
  std::set<Pair> fresh_pairs(fresh.order.begin(), fresh.order.end());

  // The previous baseline: absent (the run becomes it), loading, or not loading, which
  // only --replace may overwrite: merging needs to read it, and dropping it unread is a
  // decision to state.
  std::optional<ReportFiles> old;
  std::string old_problem;
  std::vector<std::string> widened;  // columns the previous baseline predates
  if (fs::exists(dir / "report.json", ec) || fs::exists(dir / "report.csv", ec)) {
    try {
      old = read_report_files(dir);
      // A baseline of an older qbench that lacks only columns added since (the host
      // wall-time quartiles) merges, with those cells empty in the pairs it keeps.
      if (old->csv_header != fresh.csv_header && !widen_to_header(&*old, fresh.csv_header, &widened)) {
        old_problem = (dir / "report.csv").string() + ": its columns are not this qbench's (an older column set)";
        old.reset();
      }
    } catch (const InputError& e) {
      old_problem = e.what();
    }
    if (!old_problem.empty() && !o.replace) {
      throw InputError("baseline not updated: the baseline does not load (" + old_problem +
                       "); `qbench baseline update --replace` replaces it with the run");
    }
  }

  // What the update changes, for the commit message; the old baseline's rules apply. A
  // merge shows the run's pairs only: the others stay as they are.
  if (old) {
    RuleSet rules = default_rules();
    if (fs::is_regular_file(dir / "rules.json", ec)) load_rules_file((dir / "rules.json").string(), &rules);
    const LoadedReport before = o.replace ? old->loaded : only_pairs(old->loaded, fresh_pairs);
    const Comparison c = compare_reports(before, fresh.loaded, rules);
    std::printf("baseline: changes against the previous baseline:\n%s\n",
                format_comparison(c, before, fresh.loaded, rules).c_str());
  } else if (!old_problem.empty()) {
    std::printf("baseline: the previous baseline does not load (%s); replacing it (--replace)\n", old_problem.c_str());
  }

  size_t replaced = 0, added = 0, other = 0;  // other: kept, or dropped with --replace
  std::set<std::string> suites, targets;
  size_t rows = fresh_loaded.rows.size();
  for (const Pair& p : fresh.order) {
    suites.insert(p.first);
    targets.insert(p.second);
    ++(old && old->runs.count(p) ? replaced : added);
  }
  if (old) {
    for (const Pair& p : old->order) other += fresh_pairs.count(p) ? 0 : 1;
  }
  if (old && other > 0 && !o.replace) {
    if (!widened.empty()) {
      std::string list;
      for (const auto& c : widened) list += (list.empty() ? "" : ", ") + c;
      std::printf("baseline: the previous baseline predates the column(s) %s: the pairs it keeps have them empty\n",
                  list.c_str());
    }
    const Merged m = merge(*old, fresh);
    write_report_pair(dir.string(), m.csv_text, m.json_text);
    suites = m.suites;
    targets = m.targets;
    rows = m.rows;
  } else {
    // Nothing of the old baseline stays: the run's files as they are, byte for byte.
    write_report_pair(dir.string(), fresh.csv_text, fresh.json_text);
  }

  std::string pairs = std::to_string(replaced) + " replaced, " + std::to_string(added) + " added, ";
  if (!old_problem.empty()) {
    pairs += "the previous baseline (which did not load) dropped";
  } else if (o.replace) {
    pairs += std::to_string(other) + " dropped (--replace)";
  } else {
    pairs += std::to_string(other) + " kept";
  }
  std::printf("baseline: wrote %s/report.json and report.csv from %s: (suite, target) pairs %s; now %zu suites x "
              "%zu targets, %zu rows (run: git %s, %s). Commit them deliberately.\n",
              dir.string().c_str(), from.c_str(), pairs.c_str(), suites.size(), targets.size(), rows,
              fresh_loaded.git_sha.c_str(), fresh_loaded.date_utc.c_str());
  return 0;
}

}  // namespace qb::harness
