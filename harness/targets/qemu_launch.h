// Launching the target runner under QEMU with the instruction-count plugin: finding the
// emulator, the plugin and the runner image (each missing piece named with what to
// install or build), the plugin's marker arguments, and running the guest under a time
// limit. Shared by every QEMU-based target kind (through QemuTarget, qemu_target.h); the
// kinds differ only in the emulator's own options.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "harness/targets/elf_file.h"
#include "harness/targets/target.h"
#include "harness/targets/work_dir.h"

namespace qb::harness {

// A row's runner description (targets.json "runners"): how its image is built and run.
struct RunnerSpec {
  std::string name;              // e.g. "cortex_m"
  std::string compiler;          // the cross compiler the image needs, e.g. arm-none-eabi-gcc
  std::string packages;          // Debian packages that provide it
  std::string emulator;          // e.g. qemu-system-arm
  std::string emulator_package;  // Debian package that provides it
  std::chrono::seconds timeout{120};
};

// Throws InputError when the row's runner section lacks a field.
RunnerSpec runner_spec(const TargetInfo& info);

// The emulator's full path; TargetError naming the Debian package when it is not installed.
std::string require_emulator(const TargetInfo& info, const RunnerSpec& spec);

// The target's runner image, built with qbench; TargetError saying what to install or
// build when it is missing.
std::string require_runner_image(const TargetInfo& info, const RunnerSpec& spec);

// The -plugin option value: the instruction counter, its log file (relative to the work
// folder) and the marker addresses taken from the image's symbol table.
std::string insn_count_plugin_option(const TargetInfo& info, const ElfFile& image,
                                     const std::string& image_path);

// QEMU's -opt key=value lists split at commas; a comma inside a value is written twice.
std::string qemu_option_escape(const std::string& value);

// Runs the assembled command line in the work folder, then reads the runner's results.
// A timeout, a crash or a non-zero exit becomes a TargetError carrying the guest's last
// output.
RunResult run_runner_under_qemu(const TargetInfo& info, const RunnerSpec& spec,
                                const std::vector<std::string>& argv, const WorkDir& dir,
                                const RunRequest& request);

}  // namespace qb::harness
