#include "harness/targets/qemu_target.h"

#include "harness/suite/input_error.h"
#include "harness/targets/runner_protocol.h"
#include "harness/targets/work_dir.h"

namespace qb::harness {

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
  QemuLaunch launch;
  launch.emulator = emulator;
  launch.image_path = image_path;
  launch.plugin_option = insn_count_plugin_option(info_, image, image_path);
  launch.image = &image;
  launch.runner_args = prepare_runner(dir, request);
  launch.model_bytes = request.model->size();

  RunResult result = run_runner_under_qemu(info_, spec_, command_line(launch), dir, request);
  measure_bytes(image, image_path, request, &result);
  return result;
}

}  // namespace qb::harness
