#include "harness/cli/merge_command.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include <spdlog/spdlog.h>

#include "harness/report/atomic_file.h"
#include "harness/report/report_folder_lock.h"
#include "harness/suite/input_error.h"
#include "harness/targets/interrupts.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read the file");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// CSV records at the newlines outside quotes (a quoted field may hold one), as text.
std::vector<std::string> csv_records(const std::string& text) {
  std::vector<std::string> records;
  std::string record;
  bool quoted = false;
  for (const char c : text) {
    if (c == '"') quoted = !quoted;  // a doubled quote toggles twice
    if (c == '\n' && !quoted) {
      if (!record.empty() && record.back() == '\r') record.pop_back();
      if (!record.empty()) records.push_back(std::move(record));
      record.clear();
    } else {
      record += c;
    }
  }
  if (!record.empty()) records.push_back(std::move(record));
  return records;
}

// The suite and target of a CSV record: its first two fields, unquoted.
ReportPair csv_pair(const std::string& record) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < record.size() && fields.size() <= 2; ++i) {
    const char c = record[i];
    if (quoted) {
      if (c == '"' && i + 1 < record.size() && record[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  fields.resize(2);
  return {fields[0], fields[1]};
}

// A CSV record's fields as written, quotes and all: split at the commas outside quotes.
std::vector<std::string> raw_fields(const std::string& record) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (const char c : record) {
    if (c == '"') quoted = !quoted;  // a doubled quote toggles twice
    if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// ---- qbench merge ---------------------------------------------------------------------

constexpr int kMaxShards = 64;  // as qbench run --shard

struct Shard {
  ReportFiles files;
  int index = 0, count = 0;
  std::string assignment;
  std::vector<ReportPair> plan;  // every pair of the full plan, in run order
};

std::string pair_text(const ReportPair& p) { return p.first + " on " + p.second; }

// The "shard" block that `qbench run --shard K/N` writes at the top of report.json.
Shard read_shard(const std::string& dir) {
  Shard s;
  s.files = read_report_files(dir);
  const std::string file = (fs::path(dir) / "report.json").string();
  const json& doc = s.files.doc;
  if (!doc.contains("shard")) {
    throw InputError(file + ": not a shard's report (no \"shard\" block): qbench merge joins the reports of "
                            "qbench run --shard K/N");
  }
  const json& b = doc["shard"];
  auto integer = [&](const char* key) {
    if (!b.is_object() || !b.contains(key) || !b[key].is_number_integer()) {
      throw InputError(file, std::string("/shard/") + key, "expected an integer");
    }
    return b[key].get<int>();
  };
  s.index = integer("index");
  s.count = integer("count");
  if (s.count < 1 || s.count > kMaxShards || s.index < 1 || s.index > s.count) {
    throw InputError(file, "/shard", "expected 1 <= index <= count <= " + std::to_string(kMaxShards) + ", got " +
                                         std::to_string(s.index) + "/" + std::to_string(s.count));
  }
  if (b.contains("assignment") && b["assignment"].is_string()) s.assignment = b["assignment"];
  if (!b.contains("pairs") || !b["pairs"].is_array()) throw InputError(file, "/shard/pairs", "expected an array");
  for (size_t i = 0; i < b["pairs"].size(); ++i) {
    const json& p = b["pairs"][i];
    if (!p.is_object() || !p.contains("suite") || !p["suite"].is_string() || !p.contains("target") ||
        !p["target"].is_string()) {
      throw InputError(file, "/shard/pairs/" + std::to_string(i), "expected {\"suite\": ..., \"target\": ...}");
    }
    s.plan.emplace_back(p["suite"].get<std::string>(), p["target"].get<std::string>());
  }
  return s;
}

std::string meta_text(const ReportFiles& f, const char* key) {
  const json& meta = f.doc["qbench"];
  if (!meta.contains(key)) return "(none)";
  return meta[key].is_string() ? meta[key].get<std::string>() : meta[key].dump();
}

// Everything that makes the shards one run: one build, one source tree, the same options
// and plan. Throws InputError naming both folders.
void check_same_run(const Shard& a, const Shard& b) {
  const std::string who = a.files.dir + " and " + b.files.dir;
  const std::pair<const char*, const char*> fields[] = {
      {"git_sha", "git sha (and dirty state)"}, {"version", "qbench version"}, {"compiler", "compiler"},
      {"cxx_flags", "compiler flags"},          {"build_type", "build type"},  {"repetitions", "--repetitions"}};
  for (const auto& [key, what] : fields) {
    const std::string x = meta_text(a.files, key), y = meta_text(b.files, key);
    if (x != y) throw InputError(who + ": shards of different runs: " + what + " " + x + " vs " + y);
  }
  if (a.files.csv_header != b.files.csv_header) {
    throw InputError(who + ": shards of different runs: report.csv columns differ");
  }
  if (a.count != b.count) {
    throw InputError(who + ": shards of different splits: " + std::to_string(a.index) + "/" + std::to_string(a.count) +
                     " vs " + std::to_string(b.index) + "/" + std::to_string(b.count));
  }
  if (a.plan != b.plan || a.assignment != b.assignment) {
    throw InputError(who + ": shards of different plans (the \"shard\" blocks list different (suite, target) pairs "
                           "or assignments): run every shard with the same --preset/--suite/--target/--board");
  }
  if (a.index == b.index) {
    throw InputError(who + ": overlapping shards: both are shard " + std::to_string(a.index) + "/" +
                     std::to_string(a.count));
  }
}

std::string run_hash(const json& run, const char* key) {
  return run.contains(key) && run[key].is_string() ? run[key].get<std::string>() : "";
}

}  // namespace

ReportFiles read_report_files(const std::string& dir) {
  ReportFiles f;
  f.dir = dir;
  const std::string json_file = (fs::path(dir) / "report.json").string();
  const std::string csv_file = (fs::path(dir) / "report.csv").string();
  std::error_code ec;
  for (const auto& file : {json_file, csv_file}) {
    if (!fs::is_regular_file(file, ec)) {
      throw InputError(file + ": missing (a report folder holds both report.json and report.csv)");
    }
  }
  f.loaded = load_report(json_file);
  load_report(csv_file);  // must parse too: compare may be given either
  f.json_text = read_file(json_file);
  f.csv_text = read_file(csv_file);
  f.doc = json::parse(f.json_text);  // load_report has checked it
  for (const json& run : f.doc["runs"]) {
    const ReportPair p{run["suite"].get<std::string>(), run["target"].get<std::string>()};
    if (f.runs.emplace(p, run).second) f.order.push_back(p);
  }
  std::vector<std::string> records = csv_records(f.csv_text);
  f.csv_header = records.empty() ? "" : records.front();
  for (size_t i = 1; i < records.size(); ++i) f.csv_rows[csv_pair(records[i])].push_back(std::move(records[i]));
  for (const auto& [pair, rows] : f.csv_rows) {
    if (!f.runs.count(pair)) {
      throw InputError(csv_file + ": has rows of " + pair.first + " on " + pair.second +
                       ", which report.json beside it does not hold (the two are from different runs)");
    }
  }
  for (const ReportPair& pair : f.order) {
    if (!f.csv_rows.count(pair) && !f.runs.at(pair).contains("error")) {
      throw InputError(json_file + ": holds " + pair.first + " on " + pair.second +
                       ", which report.csv beside it does not (the two are from different runs)");
    }
  }
  return f;
}

bool widen_to_header(ReportFiles* files, const std::string& header, std::vector<std::string>* added) {
  const std::vector<std::string> have = raw_fields(files->csv_header), want = raw_fields(header);
  // Where each wanted column is in the folder's CSV; -1 for one added later.
  std::vector<long> from;
  std::vector<std::string> missing;
  size_t next = 0;  // the old columns must come in the same order
  for (const std::string& column : want) {
    if (next < have.size() && have[next] == column) {
      from.push_back(static_cast<long>(next++));
    } else if (column_added_later(column) && std::find(have.begin(), have.end(), column) == have.end()) {
      from.push_back(-1);
      missing.push_back(column);
    } else {
      return false;
    }
  }
  if (next != have.size()) return false;  // a column `header` does not have
  std::map<ReportPair, std::vector<std::string>> rows;
  for (const auto& [pair, records] : files->csv_rows) {
    for (const std::string& record : records) {
      const std::vector<std::string> fields = raw_fields(record);
      if (fields.size() != have.size()) return false;  // load_report has checked; never here
      std::string out;
      for (size_t i = 0; i < from.size(); ++i) {
        if (i > 0) out += ',';
        if (from[i] >= 0) out += fields[static_cast<size_t>(from[i])];
      }
      rows[pair].push_back(std::move(out));
    }
  }
  files->csv_rows = std::move(rows);
  files->csv_header = header;
  for (auto& [pair, run] : files->runs) {
    auto fill = [&](json& row) {
      if (!row.is_object()) return;
      for (const std::string& column : missing) {
        if (!row.contains(column)) row[column] = nullptr;
      }
    };
    if (run.contains("layers") && run["layers"].is_array()) {
      for (json& row : run["layers"]) fill(row);
    }
    if (run.contains("total")) fill(run["total"]);
  }
  if (added != nullptr) *added = missing;
  return true;
}

JoinedRuns join_runs(const std::vector<std::pair<ReportPair, const ReportFiles*>>& order,
                     const std::vector<const ReportFiles*>& outputs_from, const std::string& csv_header) {
  std::map<std::string, json> outputs;
  for (const ReportFiles* f : outputs_from) {
    for (const ReportPair& p : f->order) {
      const json& run = f->runs.at(p);
      if (run.contains("test_outputs")) outputs.emplace(p.first, run["test_outputs"]);
    }
  }
  JoinedRuns j;
  j.csv = csv_header + "\n";
  std::set<std::string> placed;
  for (const auto& [p, from] : order) {
    json run = from->runs.at(p);
    run.erase("test_outputs");
    if (outputs.count(p.first) && placed.insert(p.first).second) run["test_outputs"] = outputs[p.first];
    j.runs.push_back(std::move(run));
    if (const auto it = from->csv_rows.find(p); it != from->csv_rows.end()) {
      for (const std::string& row : it->second) j.csv += row + "\n";
      j.rows += it->second.size();
    }
    j.suites.insert(p.first);
    j.targets.insert(p.second);
  }
  return j;
}

int merge_command(const MergeOptions& o) {
  // Ctrl-C never leaves half a report, and removes the lock on OUT.
  install_interrupt_handlers();
  if (o.dirs.empty()) throw InputError("qbench merge OUT DIR...: give the shards' report folders");
  for (const auto& dir : o.dirs) {
    std::error_code ec;
    if (fs::equivalent(dir, o.out, ec)) {
      throw InputError(o.out + ": is also a shard given (" + dir + "): merge into another folder, not over a shard");
    }
  }
  const ReportFolderLock out_lock(o.out, o.out);

  std::vector<Shard> shards;
  for (const auto& dir : o.dirs) shards.push_back(read_shard(dir));
  std::stable_sort(shards.begin(), shards.end(), [](const Shard& a, const Shard& b) { return a.index < b.index; });
  for (size_t i = 1; i < shards.size(); ++i) check_same_run(shards[i - 1], shards[i]);
  const Shard& first = shards.front();
  const std::set<ReportPair> planned(first.plan.begin(), first.plan.end());

  // Each pair from exactly one shard, each suite one version of it, every pair of the plan.
  std::map<ReportPair, const Shard*> holder;
  std::map<std::string, std::pair<std::string, const Shard*>> suite_hashes;  // suite -> (hashes, shard)
  for (const Shard& s : shards) {
    for (const ReportPair& p : s.files.order) {
      if (!planned.count(p)) {
        throw InputError(s.files.dir + ": holds " + pair_text(p) + ", which is not a pair of the plan in its \"shard\" block");
      }
      if (const auto [it, fresh] = holder.emplace(p, &s); !fresh) {
        throw InputError(it->second->files.dir + " and " + s.files.dir + ": overlapping shards: both hold " + pair_text(p));
      }
      const json& run = s.files.runs.at(p);
      const std::string hashes = "suite hash " + run_hash(run, "suite_hash_fnv1a64") + ", model hash " +
                                 run_hash(run, "model_hash_fnv1a64");
      if (run.contains("error")) continue;  // a failed target may have hashed nothing
      const auto [it, fresh] = suite_hashes.emplace(p.first, std::make_pair(hashes, &s));
      if (!fresh && it->second.first != hashes) {
        throw InputError(it->second.second->files.dir + " and " + s.files.dir + ": shards ran different versions of suite " +
                         p.first + " (" + it->second.first + " vs " + hashes + ")");
      }
    }
  }
  std::vector<std::pair<ReportPair, const ReportFiles*>> order;
  std::vector<ReportPair> missing;
  for (const ReportPair& p : first.plan) {
    if (const auto it = holder.find(p); it != holder.end()) {
      order.emplace_back(p, &it->second->files);
    } else {
      missing.push_back(p);
    }
  }
  std::string given;
  for (const Shard& s : shards) given += (given.empty() ? "" : ", ") + std::to_string(s.index);
  given += " of " + std::to_string(first.count);
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + pair_text(missing[i]);
    if (missing.size() > 5) list += " and " + std::to_string(missing.size() - 5) + " more";
    const std::string what = std::to_string(missing.size()) + " of the plan's " + std::to_string(first.plan.size()) +
                             " (suite, target) pairs are missing (shards given: " + given + "): " + list;
    if (!o.allow_partial) {
      throw InputError("qbench merge: " + what + "; --allow-partial writes the report without them");
    }
    spdlog::warn("{} (--allow-partial: the merged report does not hold them)", what);
  }

  std::vector<const ReportFiles*> outputs_from;
  for (const Shard& s : shards) outputs_from.push_back(&s.files);
  JoinedRuns joined = join_runs(order, outputs_from, first.files.csv_header);

  // The lowest shard's provenance, columns and model notes (the shards agree on all but
  // the date); the date of the last shard to finish.
  json doc = first.files.doc;
  doc.erase("shard");
  std::string date;
  json from = json::array();
  for (const Shard& s : shards) {
    date = std::max(date, meta_text(s.files, "date_utc"));
    from.push_back({{"index", s.index}, {"dir", s.files.dir}, {"date_utc", meta_text(s.files, "date_utc")},
                    {"pairs", s.files.order.size()}});
  }
  doc["qbench"]["date_utc"] = date;
  size_t failed = 0;
  for (const json& run : joined.runs) failed += run.value("passed", false) ? 0 : 1;
  doc["runs"] = std::move(joined.runs);
  doc["shard_merge"] = {{"note", "joined by qbench merge from the reports of qbench run --shard K/N"},
                        {"count", first.count},
                        {"assignment", first.assignment},
                        {"shards", from}};
  if (!missing.empty()) {
    json list = json::array();
    for (const ReportPair& p : missing) list.push_back({{"suite", p.first}, {"target", p.second}});
    doc["shard_merge"]["missing_pairs"] = list;
  }
  write_report_pair(o.out, joined.csv, doc.dump(2) + "\n");

  if (failed > 0) {
    spdlog::warn("{} of the {} runs did not pass (gates, goldens or targets); the report holds them as they are",
                 failed, order.size());
  }
  std::printf("merge: wrote %s/report.json and report.csv from shards %s: %zu of %zu (suite, target) pairs, "
              "%zu suites x %zu targets, %zu rows (git %s)\n",
              o.out.c_str(), given.c_str(), order.size(), first.plan.size(), joined.suites.size(),
              joined.targets.size(), joined.rows, meta_text(first.files, "git_sha").c_str());
  return 0;
}

}  // namespace qb::harness
