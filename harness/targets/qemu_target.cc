#include "harness/targets/qemu_target.h"

#include "harness/suite/input_error.h"
#include "harness/targets/runner_protocol.h"
#include "harness/targets/work_dir.h"
#include "kernels/runtime/qbm_format.h"

namespace qb::harness {
namespace {

uint32_t model_arena_bytes(const std::vector<uint8_t>& model) {
  const size_t at = runtime::qbm::header::kArenaSize;
  if (model.size() < at + 4) throw TargetError("the model file is too short to hold a header");
  return static_cast<uint32_t>(model[at]) | (static_cast<uint32_t>(model[at + 1]) << 8) |
         (static_cast<uint32_t>(model[at + 2]) << 16) | (static_cast<uint32_t>(model[at + 3]) << 24);
}

}  // namespace

QemuTarget::QemuTarget(TargetInfo info) : info_(std::move(info)), spec_(runner_spec(info_)) {}

std::string QemuTarget::row_string(const std::string& key, const std::string& expected) const {
  if (!info_.config.contains(key) || !info_.config[key].is_string() || info_.config[key].get<std::string>().empty()) {
    throw InputError("targets.json: /targets/" + info_.name + "/" + key + ": expected " + expected);
  }
  return info_.config[key].get<std::string>();
}

RunResult QemuTarget::run(const RunRequest& request) {
  const std::string emulator = require_emulator(info_, spec_);
  const std::string image_path = require_runner_image(info_, spec_);
  const ElfFile image = ElfFile::read(image_path);

  WorkDir dir(info_.name);
  const std::vector<std::string> argv = command_line(
      emulator, image_path, insn_count_plugin_option(info_, image, image_path), prepare_runner(dir, request));

  RunResult result = run_runner_under_qemu(info_, spec_, argv, dir, request);
  const ImageFootprint f = footprint(image);
  result.flash_bytes = f.flash_bytes;
  // The activation arena comes from the runner's memory pool at the size the model's plan
  // asks for, so it is added here rather than being part of the image's .bss.
  result.ram_bytes = f.ram_bytes + model_arena_bytes(*request.model);
  return result;
}

}  // namespace qb::harness
