#include "harness/targets/qemu_system_target.h"

namespace qb::harness {

QemuSystemTarget::QemuSystemTarget(TargetInfo info)
    : QemuTarget(std::move(info)), machine_(row_string("machine", "the QEMU board name")) {}

std::vector<std::string> QemuSystemTarget::command_line(const std::string& emulator, const std::string& image_path,
                                                        const std::string& plugin_option,
                                                        const std::vector<std::string>& runner_args) const {
  // Semihosting hands the guest its command line, argv[0] first; the runner opens the
  // files by these relative names in QEMU's working directory, the work folder.
  std::string semihosting = "enable=on,target=native,arg=qb_runner";
  for (const std::string& arg : runner_args) semihosting += ",arg=" + qemu_option_escape(arg);
  return {emulator, "-M", machine_, "-nographic", "-semihosting-config", semihosting,
          "-plugin", plugin_option, "-kernel", image_path};
}

ImageFootprint QemuSystemTarget::footprint(const ElfFile& image) const { return image_footprint(image); }

}  // namespace qb::harness
