// The host side of the target runner's file protocol (targets/runner/runner_main.cc):
// what goes into the work folder, the runner's arguments, and how its outputs and the
// instruction-count plugin's log (targets/qemu_plugin/insn_count.c) become a RunResult.
// Shared by every target kind that runs the runner image under QEMU.
#pragma once

#include <string>
#include <vector>

#include "harness/targets/target.h"
#include "harness/targets/work_dir.h"

namespace qb::harness {

// File names inside the work folder; the runner is started there and opens them by
// these relative names, so no host path ever has to pass through the guest.
inline constexpr const char* kRunnerModelFile = "model.qbm";
inline constexpr const char* kRunnerInputsFile = "inputs.bin";
inline constexpr const char* kRunnerOutputsFile = "outputs.bin";
inline constexpr const char* kRunnerResultFile = "result.txt";
inline constexpr const char* kRunnerCyclesFile = "cycles.bin";  // only where cycles count
inline constexpr const char* kInsnCountFile = "insn_counts.txt";

// The marker functions of targets/runner/markers.h, in the order of the plugin's
// mark= arguments (so the log's marker index is the position here).
const std::vector<std::string>& runner_marker_symbols();

// The activation arena the model's plan asks for (its .qbm header).
uint32_t model_arena_bytes(const std::vector<uint8_t>& model);

// Writes the model and the inputs; returns the runner's arguments (without argv[0]).
std::vector<std::string> prepare_runner(const WorkDir& dir, const RunRequest& request);

// Reads the runner's outputs and result, and the plugin's log: per-layer outputs of every
// sample in the host target's layout, per-layer and total instructions (median over the
// samples; counts vary a little with the data through rounding and clamping branches),
// the stack high-water mark, and cycles where the runner's core counted them (never under
// QEMU). Throws TargetError when anything is missing or does not
// fit the model.
RunResult read_runner_results(const WorkDir& dir, const RunRequest& request);

}  // namespace qb::harness
