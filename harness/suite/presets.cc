#include "harness/suite/presets.h"

#include <algorithm>
#include <filesystem>

#include "harness/suite/input_error.h"
#include "harness/suite/json_input.h"

namespace qb::harness {
namespace {

using json_input::child;
using json_input::quoted_list;
using json_input::Reader;
using json_input::show;
using nlohmann::json;

std::vector<std::string> name_list(const Reader& r, const json& preset, const std::string& p,
                                   const std::string& key, const std::string& what) {
  const std::string expected = "a non-empty array of " + what + " names";
  const json& list = r.require(preset, p, key, expected);
  const std::string lp = child(p, key);
  if (!list.is_array() || list.empty()) r.fail(lp, expected, show(list));
  std::vector<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string name = r.identifier(list[i], child(lp, i), "a " + what + " name");
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      r.fail(child(lp, i), "each " + what + " once", json(name).dump() + " again");
    }
    names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

std::vector<Preset> parse_presets(const json& doc, const std::string& file_label) {
  const Reader r(file_label);
  r.object(doc, "", "an object with \"presets\"");
  r.allow_keys(doc, "", {"$schema", "presets"}, "the presets file");
  if (const json* schema = Reader::find(doc, "$schema")) r.string(*schema, "/$schema");
  const std::string expected = "a non-empty object of presets by name";
  const json& presets = r.require(doc, "", "presets", expected);
  if (!presets.is_object() || presets.empty()) r.fail("/presets", expected, show(presets));

  std::vector<Preset> out;
  for (auto it = presets.begin(); it != presets.end(); ++it) {
    const std::string p = child("/presets", it.key());
    Preset preset;
    preset.name = r.identifier(json(it.key()), p, "a preset name");
    const json& body =
        r.object(it.value(), p, "an object with \"suites\" and \"targets\" and/or \"boards\"");
    r.allow_keys(body, p, {"description", "suites", "targets", "boards"}, "a preset");
    if (const json* d = Reader::find(body, "description")) {
      preset.description = r.string(*d, child(p, "description"));
    }
    preset.suites = name_list(r, body, p, "suites", "suite");
    // Targets, boards or both; at least one of them.
    if (Reader::find(body, "targets") || !Reader::find(body, "boards")) {
      preset.targets = name_list(r, body, p, "targets", "target");
    }
    if (Reader::find(body, "boards")) preset.boards = name_list(r, body, p, "boards", "board");
    out.push_back(std::move(preset));
  }
  return out;
}

std::vector<Preset> load_presets(const std::string& path) {
  return parse_presets(json_input::parse_text(json_input::read_text_file(path, path), path),
                       path);
}

const Preset& find_preset(const std::vector<Preset>& presets, const std::string& name,
                          const std::string& file_label) {
  std::vector<std::string> known;
  for (const Preset& preset : presets) {
    if (preset.name == name) return preset;
    known.push_back(preset.name);
  }
  const std::string from = file_label.empty() ? "" : " (" + file_label + ")";
  throw InputError("preset " + json(name).dump() + ": expected one of " + quoted_list(known) +
                   from + ", got no such preset");
}

std::string suite_file_for(const std::string& suites_dir, const std::string& name_or_path) {
  namespace fs = std::filesystem;
  const bool is_path = name_or_path.find('/') != std::string::npos ||
                       (name_or_path.size() > 5 &&
                        name_or_path.compare(name_or_path.size() - 5, 5, ".json") == 0);
  const std::string label = "suite " + json(name_or_path).dump();
  if (!is_path && !Reader::is_identifier(name_or_path)) {
    throw InputError(label + ": expected a suite name (letters, digits, '_', '.', '-') or a "
                             "path to a .json file, got neither");
  }
  const std::string path =
      is_path ? name_or_path
              : (fs::path(suites_dir) / (name_or_path + ".json")).lexically_normal().generic_string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw InputError(label + ": expected a file " + path + ", got " +
                     (fs::exists(path, ec) ? "something that is not a regular file"
                                           : "no such file"));
  }
  return path;
}

}  // namespace qb::harness
