// `qbench run`: suites x targets -> reports, goldens, gates, exit code.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/cli/paths.h"

namespace qb::harness {

struct RunOptions {
  std::vector<std::string> suite_files;
  std::string model_file, float_model_file;  // --model, --float-model
  std::string preset;
  std::vector<std::string> targets;
  std::vector<std::string> boards;  // --board: held against the board's flash and RAM
  Paths paths;
  int32_t repetitions = 15;
  int32_t jobs = 0;  // (suite, target) runs at once on emulated targets; 0: one per core
  bool update_golden = false;
  bool require_golden = false;
  // --shard K/N: run only the plan's (suite, target) pairs dealt to shard K of N (none:
  // all); the report records the whole plan so `qbench merge` can join the N reports.
  std::optional<std::string> shard;
};

// Returns the process exit code: 0 ok, 1 a gate or golden failed, 3 a target failed.
// Throws InputError for bad input (exit 2).
int run_command(const RunOptions& options);

}  // namespace qb::harness
