#include "harness/targets/qemu_launch.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "harness/suite/input_error.h"
#include "harness/targets/runner_protocol.h"
#include "harness/targets/subprocess.h"

namespace qb::harness {
namespace {

std::string required_string(const TargetInfo& info, const nlohmann::json& object, const std::string& key) {
  if (!object.contains(key) || !object[key].is_string() || object[key].get<std::string>().empty()) {
    throw InputError("targets.json: /runners/" + info.config.value("runner", std::string("?")) + "/" + key +
                     ": expected a non-empty string (needed by target " + info.name + ")");
  }
  return object[key].get<std::string>();
}

// One argument as a POSIX shell reads it back: as it is when it holds only characters no
// shell treats specially, else in single quotes (a quote inside as '\'').
std::string shell_quoted(const std::string& arg) {
  const bool plain = !arg.empty() && arg.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                           "0123456789@%+=:,./_-") == std::string::npos;
  if (plain) return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

RunnerSpec runner_spec(const TargetInfo& info) {
  RunnerSpec spec;
  spec.name = info.config.value("runner", std::string());
  spec.compiler = required_string(info, info.runner, "compiler");
  spec.packages = required_string(info, info.runner, "packages");
  spec.emulator = required_string(info, info.runner, "emulator");
  spec.emulator_package = required_string(info, info.runner, "emulator_package");
  const nlohmann::json& timeout = info.config.contains("timeout_s") ? info.config["timeout_s"]
                                                                    : info.runner.value("timeout_s", nlohmann::json(120));
  if (!timeout.is_number_integer() || timeout.get<int64_t>() < 1) {
    throw InputError("targets.json: /targets/" + info.name + "/timeout_s: expected a positive integer");
  }
  spec.timeout = std::chrono::seconds(timeout.get<int64_t>());
  return spec;
}

std::string require_emulator(const TargetInfo& info, const RunnerSpec& spec) {
  const std::string path = find_program(spec.emulator);
  if (path.empty()) {
    throw TargetError(info.name + ": " + spec.emulator + " not found on PATH; install the Debian package " +
                      spec.emulator_package);
  }
  return path;
}

std::string require_runner_image(const TargetInfo& info, const RunnerSpec& spec) {
  // QB_TARGET_IMAGES_DIR points qbench at images built elsewhere (a kernel under
  // development, built in its own folder); by default, the images of this build.
  const char* images = std::getenv("QB_TARGET_IMAGES_DIR");
  const std::string dir = images != nullptr && *images != '\0' ? images : QB_TARGET_IMAGES_DIR;
  const std::string path = dir + "/" + info.images + "/qb_runner.elf";
  if (std::filesystem::exists(path)) return path;
  if (find_program(spec.compiler).empty()) {
    throw TargetError(info.name + ": no runner image, because " + spec.compiler +
                      " is not installed; install the Debian packages " + spec.packages +
                      ", then re-run cmake and rebuild");
  }
  throw TargetError(info.name + ": runner image " + path + " is not built; run cmake --build on this build folder");
}

std::string qemu_option_escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

std::string insn_count_plugin_option(const TargetInfo& info, const ElfFile& image,
                                     const std::string& image_path) {
  const std::string plugin = QB_QEMU_PLUGIN;
  if (!std::filesystem::exists(plugin)) {
    throw TargetError(info.name + ": the instruction-count plugin " + plugin +
                      " is not built; run cmake --build on this build folder");
  }
  std::string option = qemu_option_escape(plugin) + ",out=" + kInsnCountFile;
  for (const std::string& symbol : runner_marker_symbols()) {
    const auto address = image.function_address(symbol);
    if (!address) throw TargetError(info.name + ": " + image_path + " has no marker function " + symbol);
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(*address));
    option += ",mark=" + std::string(hex);
  }
  // The core's timing table: the plugin then logs estimated cycles beside instructions.
  if (info.config.contains("cycle_model")) {
    option += ",model=" + qemu_option_escape(info.config["cycle_model"].get<std::string>());
  }
  return option;
}

RunResult run_runner_under_qemu(const TargetInfo& info, const RunnerSpec& spec,
                                const std::vector<std::string>& argv, const WorkDir& dir,
                                const RunRequest& request) {
  if (spdlog::should_log(spdlog::level::debug)) {
    // -v: the command line as it runs, to paste into a shell (from the work folder, its cwd).
    std::string line;
    for (const std::string& arg : argv) line += (line.empty() ? "" : " ") + shell_quoted(arg);
    spdlog::debug("{}: in {}: {}", info.name, shell_quoted(dir.path()), line);
  }
  const ProcessResult run = run_process(argv, dir.path(), spec.timeout);
  if (!run.ok()) {
    std::string what = run.timed_out ? "the guest did not finish within " + std::to_string(spec.timeout.count()) + " s"
                                     : "the guest failed (" + run.describe() + ")";
    const std::string said = last_lines(run.output, 4);
    throw TargetError(info.name + ": " + what + (said.empty() ? std::string(", no output") : "; last output: " + said));
  }
  try {
    return read_runner_results(dir, request);
  } catch (const TargetError& e) {
    // The protocol's messages say what is wrong with the files; this says whose they are.
    throw TargetError(info.name + ": " + e.what());
  }
}

}  // namespace qb::harness
