#include "harness/targets/qemu_user_target.h"

namespace qb::harness {

QemuUserTarget::QemuUserTarget(TargetInfo info)
    : QemuTarget(std::move(info)), cpu_(row_string("qemu_cpu", "the QEMU CPU model, e.g. \"max\"")) {}

std::vector<std::string> QemuUserTarget::command_line(const std::string& emulator, const std::string& image_path,
                                                      const std::string& plugin_option,
                                                      const std::vector<std::string>& runner_args) const {
  // The guest is an ordinary process in QEMU's working directory, the work folder: its
  // argv[0] is the image, and it opens the files by their relative names there.
  std::vector<std::string> argv = {emulator, "-cpu", cpu_, "-plugin", plugin_option, image_path};
  argv.insert(argv.end(), runner_args.begin(), runner_args.end());
  return argv;
}

ImageFootprint QemuUserTarget::footprint(const ElfFile& image) const { return hosted_image_footprint(image); }

}  // namespace qb::harness
