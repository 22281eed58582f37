#include "harness/targets/qemu_system_target.h"

#include "harness/suite/input_error.h"
#include "harness/targets/image_footprint.h"
#include "harness/targets/runner_protocol.h"
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

QemuSystemTarget::QemuSystemTarget(TargetInfo info) : info_(std::move(info)), spec_(runner_spec(info_)) {
  if (!info_.config.contains("machine") || !info_.config["machine"].is_string()) {
    throw InputError("targets.json: /targets/" + info_.name + "/machine: expected the QEMU board name");
  }
  machine_ = info_.config["machine"].get<std::string>();
}

RunResult QemuSystemTarget::run(const RunRequest& request) {
  const std::string emulator = require_emulator(info_, spec_);
  const std::string image_path = require_runner_image(info_, spec_);
  const ElfFile image = ElfFile::read(image_path);

  WorkDir dir(info_.name);
  // Semihosting hands the guest its command line, argv[0] first; the runner opens the
  // files by these relative names in QEMU's working directory, the work folder.
  std::string semihosting = "enable=on,target=native,arg=qb_runner";
  for (const std::string& arg : prepare_runner(dir, request)) semihosting += ",arg=" + qemu_option_escape(arg);
  const std::vector<std::string> argv = {
      emulator, "-M", machine_, "-nographic", "-semihosting-config", semihosting,
      "-plugin", insn_count_plugin_option(info_, image, image_path), "-kernel", image_path};

  RunResult result = run_runner_under_qemu(info_, spec_, argv, dir, request);
  const ImageFootprint footprint = image_footprint(image);
  result.flash_bytes = footprint.flash_bytes;
  // The activation arena comes from the runner's memory pool at the size the model's plan
  // asks for, so it is added here rather than being part of the image's .bss.
  result.ram_bytes = footprint.ram_bytes + model_arena_bytes(*request.model);
  return result;
}

}  // namespace qb::harness
