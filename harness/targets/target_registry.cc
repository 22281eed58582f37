#include "harness/targets/target_registry.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "harness/suite/input_error.h"
#include "harness/suite/json_input.h"
#include "harness/targets/host_target.h"
#include "harness/targets/qemu_system_target.h"
#include "harness/targets/qemu_user_target.h"

namespace qb::harness {
namespace {

using Factory = std::function<std::unique_ptr<Target>(const TargetInfo&)>;

const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> table = {
      {"in_process", [](const TargetInfo& info) { return std::make_unique<HostTarget>(info); }},
      {"qemu_system", [](const TargetInfo& info) { return std::make_unique<QemuSystemTarget>(info); }},
      {"qemu_user", [](const TargetInfo& info) { return std::make_unique<QemuUserTarget>(info); }},
  };
  return table;
}

int64_t positive_integer(const std::string& path, const std::string& where, const nlohmann::json& row,
                         const std::string& key) {
  if (!row.contains(key) || !row[key].is_number_integer() || row[key].get<int64_t>() < 1) {
    throw InputError(path, where + "/" + key, "expected a positive integer");
  }
  return row[key].get<int64_t>();
}

std::string nonempty_string(const std::string& path, const std::string& where, const nlohmann::json& row,
                            const std::string& key) {
  if (!row.contains(key) || !row[key].is_string() || row[key].get<std::string>().empty()) {
    throw InputError(path, where + "/" + key, "expected a non-empty string");
  }
  return row[key].get<std::string>();
}

// A board becomes one more row: its core's, under the board's name, with its budget.
void load_boards(const std::string& path, const nlohmann::json& doc, std::vector<TargetInfo>* targets) {
  if (!doc.contains("boards")) return;
  if (!doc["boards"].is_object()) throw InputError(path, "/boards", "expected an object of boards");
  const size_t target_count = targets->size();
  for (const auto& [name, row] : doc["boards"].items()) {
    const std::string where = "/boards/" + name;
    if (!row.is_object()) throw InputError(path, where, "expected an object");
    BoardSpec board;
    board.part = nonempty_string(path, where, row, "part");
    board.core = nonempty_string(path, where, row, "core");
    board.source = nonempty_string(path, where, row, "source");
    board.flash_bytes = positive_integer(path, where, row, "flash_bytes");
    board.ram_bytes = positive_integer(path, where, row, "ram_bytes");
    board.clock_hz = positive_integer(path, where, row, "clock_hz");
    const TargetInfo* core = nullptr;
    for (size_t i = 0; i < target_count; ++i) {
      if ((*targets)[i].name == name) throw InputError(path, where, "a target has the same name");
      if ((*targets)[i].name == board.core) core = &(*targets)[i];
    }
    if (core == nullptr || core->kind != "qemu_system") {
      throw InputError(path, where + "/core", "expected a Cortex-M target of /targets (kind qemu_system), got \"" +
                                                 board.core + "\"");
    }
    TargetInfo info = *core;
    info.name = name;
    info.description = row.value("description", board.part + " (" + board.core + ")");
    info.board = board;
    targets->push_back(std::move(info));
  }
}

}  // namespace

std::vector<TargetInfo> load_targets(const std::string& path) {
  // Bounded, regular files only, strict JSON: the same reader as suites.
  const nlohmann::json doc = json_input::parse_text(json_input::read_text_file(path, path), path);
  if (!doc.is_object() || !doc.contains("targets") || !doc["targets"].is_object()) {
    throw InputError(path, "/targets", "expected an object of targets");
  }
  std::vector<TargetInfo> result;
  for (const auto& [name, row] : doc["targets"].items()) {
    const std::string where = "/targets/" + name;
    if (!row.is_object()) throw InputError(path, where, "expected an object");
    if (!row.contains("kind") || !row["kind"].is_string()) {
      throw InputError(path, where + "/kind", "expected a string");
    }
    TargetInfo info;
    info.name = name;
    info.kind = row["kind"].get<std::string>();
    if (!factories().count(info.kind)) {
      throw InputError(path, where + "/kind", "unknown kind \"" + info.kind + "\"");
    }
    info.description = row.value("description", "");
    info.config = row;
    // A per-core cycle model table (targets/cycle_models/): a file of the source tree, named
    // relative to it; resolved here so that a run from any folder finds it.
    if (row.contains("cycle_model")) {
      if (!row["cycle_model"].is_string()) throw InputError(path, where + "/cycle_model", "expected a string");
      const std::filesystem::path root = std::filesystem::path(path).parent_path().parent_path();
      const std::filesystem::path table = root / row["cycle_model"].get<std::string>();
      std::error_code ec;
      if (!std::filesystem::is_regular_file(table, ec)) {
        throw InputError(path, where + "/cycle_model", "no such file: " + table.string());
      }
      info.config["cycle_model"] = table.lexically_normal().string();
    }
    // Targets built from the same runner sources share one "runners" entry: how the image
    // is built and which emulator runs it.
    if (row.contains("runner")) {
      if (!row["runner"].is_string()) throw InputError(path, where + "/runner", "expected a string");
      const std::string runner = row["runner"].get<std::string>();
      if (!doc.contains("runners") || !doc["runners"].is_object() || !doc["runners"].contains(runner) ||
          !doc["runners"][runner].is_object()) {
        throw InputError(path, where + "/runner", "no runner \"" + runner + "\" under /runners");
      }
      info.runner = doc["runners"][runner];
    }
    info.images = name;
    result.push_back(std::move(info));
  }
  load_boards(path, doc, &result);
  return result;
}

namespace {

const TargetInfo& find_row(const std::vector<TargetInfo>& targets, const std::string& name, bool board) {
  std::string known;
  for (const auto& t : targets) {
    if (t.board.has_value() != board) continue;
    if (t.name == name) return t;
    known += (known.empty() ? "" : ", ") + t.name;
  }
  const char* what = board ? "board" : "target";
  for (const auto& t : targets) {
    if (t.name == name) {
      throw InputError(name + " is a " + (board ? "target" : "board") + ", not a " + what + " (use --" +
                       (board ? "target" : "board") + ")");
    }
  }
  throw InputError(std::string("unknown ") + what + " \"" + name + "\" (known: " + known + ")");
}

}  // namespace

const TargetInfo& find_target(const std::vector<TargetInfo>& targets, const std::string& name) {
  return find_row(targets, name, false);
}

const TargetInfo& find_board(const std::vector<TargetInfo>& targets, const std::string& name) {
  return find_row(targets, name, true);
}

std::unique_ptr<Target> make_target(const TargetInfo& info) {
  const auto it = factories().find(info.kind);
  if (it == factories().end()) {
    throw TargetError("target " + info.name + ": kind \"" + info.kind +
                      "\" is not supported by this build");
  }
  return it->second(info);
}

}  // namespace qb::harness
