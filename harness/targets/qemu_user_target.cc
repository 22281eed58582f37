#include "harness/targets/qemu_user_target.h"

#include "harness/targets/runner_protocol.h"

namespace qb::harness {

QemuUserTarget::QemuUserTarget(TargetInfo info)
    : QemuTarget(std::move(info)), cpu_(row_string("qemu_cpu", "the QEMU CPU model, e.g. \"max\"")) {}

std::vector<std::string> QemuUserTarget::command_line(const QemuLaunch& launch) const {
  // The guest is an ordinary process in QEMU's working directory, the work folder: its
  // argv[0] is the image, and it opens the files by their relative names there.
  std::vector<std::string> argv = {launch.emulator, "-cpu", cpu_, "-plugin", launch.plugin_option, launch.image_path};
  argv.insert(argv.end(), launch.runner_args.begin(), launch.runner_args.end());
  return argv;
}

void QemuUserTarget::measure_bytes(const ElfFile& image, const std::string&, const RunRequest& request,
                                   RunResult* result) const {
  const ImageFootprint f = hosted_image_footprint(image);
  result->flash_bytes = f.flash_bytes;
  // The activation arena comes from the runner's memory pool at the size the model's plan
  // asks for, so it is added here rather than being part of the image's .bss.
  result->ram_bytes = f.ram_bytes + model_arena_bytes(*request.model);
}

}  // namespace qb::harness
