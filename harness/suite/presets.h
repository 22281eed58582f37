// Named lists of suites and targets (suites/presets.json), so that "qbench run quick" or
// "qbench run ci" means the same thing on every machine.
//
// {
//   "$schema": "...",                                   optional, ignored
//   "presets": {
//     "quick": {"description": "...",                   optional
//               "suites": ["xor", "kws"],               suite names: suites/<name>.json
//               "targets": ["host"],                    target names (the target table)
//               "boards": ["nucleo-l4r5zi"]}            board names (its /boards); targets,
//                                                        boards or both
//   }
// }
// Preset, suite and target names are [A-Za-z0-9_][A-Za-z0-9_.-]*; lists are non-empty and
// name each entry once. Whether a suite file exists is checked when it is resolved.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qb::harness {

struct Preset {
  std::string name, description;
  std::vector<std::string> suites, targets, boards;
};

// Sorted by name. Problems are InputErrors: "suites/presets.json: /presets/ci/suites/1: ...".
std::vector<Preset> load_presets(const std::string& path);
std::vector<Preset> parse_presets(const nlohmann::json& doc, const std::string& file_label);

// The preset called `name`; InputError listing the known ones otherwise (and naming
// file_label, where they came from, when given).
const Preset& find_preset(const std::vector<Preset>& presets, const std::string& name,
                          const std::string& file_label = "");

// A suite name resolves to <suites_dir>/<name>.json; something that looks like a path
// (contains '/' or ends in ".json") is taken as it is. InputError unless the file exists.
std::string suite_file_for(const std::string& suites_dir, const std::string& name_or_path);

}  // namespace qb::harness
