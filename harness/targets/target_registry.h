// The table of targets (targets/targets.json): a target is a row, not an `if`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/targets/target.h"

namespace qb::harness {

// The targets, then the boards (each a copy of its core's row with the board's budget).
// Throws InputError on a malformed table.
std::vector<TargetInfo> load_targets(const std::string& path);

// Throws InputError naming the known targets when `name` is not one of them.
const TargetInfo& find_target(const std::vector<TargetInfo>& targets, const std::string& name);
// The same for the boards (rows with a BoardSpec).
const TargetInfo& find_board(const std::vector<TargetInfo>& targets, const std::string& name);

// Throws TargetError when the row's kind has no implementation on this build.
std::unique_ptr<Target> make_target(const TargetInfo& info);

}  // namespace qb::harness
