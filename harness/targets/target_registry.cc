#include "harness/targets/target_registry.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "harness/suite/input_error.h"
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

}  // namespace

std::vector<TargetInfo> load_targets(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "", "cannot open the target table");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path, "", std::string("not valid JSON: ") + e.what());
  }
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
    result.push_back(std::move(info));
  }
  return result;
}

const TargetInfo& find_target(const std::vector<TargetInfo>& targets, const std::string& name) {
  std::string known;
  for (const auto& t : targets) {
    if (t.name == name) return t;
    known += (known.empty() ? "" : ", ") + t.name;
  }
  throw InputError("unknown target \"" + name + "\" (known: " + known + ")");
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
