#include "harness/targets/qemu_system_target.h"

#include <cstdio>
#include <filesystem>

#include "harness/targets/runner_protocol.h"

namespace qb::harness {
namespace {

// The application image beside the runner (targets/cortex_m/app_main.cc).
constexpr const char* kApplicationImage = "qb_app.elf";

std::string hex(uint64_t value) {
  char text[32];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

QemuSystemTarget::QemuSystemTarget(TargetInfo info)
    : QemuTarget(std::move(info)), machine_(row_string("machine", "the QEMU board name")) {}

std::vector<std::string> QemuSystemTarget::command_line(const QemuLaunch& launch) const {
  // The model file goes where a device keeps it: into the code memory after the image
  // (cortex_m_sections.ld's model region), placed by QEMU's generic loader before the core
  // starts, and the runner reads it there in place ("@flash").
  const auto start = launch.image->symbol_address("__qb_model_start");
  const auto end = launch.image->symbol_address("__qb_model_end");
  if (!start || !end || *end < *start) {
    throw TargetError(info().name + ": " + launch.image_path + " has no model region (__qb_model_start/_end)");
  }
  if (launch.model_bytes > *end - *start) {
    throw TargetError(info().name + ": the model file (" + std::to_string(launch.model_bytes) +
                      " bytes) is larger than the code memory the runner image leaves on the " + machine_ +
                      " machine (" + std::to_string(*end - *start) + " bytes)");
  }
  std::vector<std::string> runner_args = launch.runner_args;
  const std::string model_file = runner_args.at(0);
  runner_args[0] = "@flash";

  // Semihosting hands the guest its command line, argv[0] first; the runner opens the
  // files by these relative names in QEMU's working directory, the work folder.
  std::string semihosting = "enable=on,target=native,arg=qb_runner";
  for (const std::string& arg : runner_args) semihosting += ",arg=" + qemu_option_escape(arg);
  return {launch.emulator, "-M", machine_, "-nographic", "-semihosting-config", semihosting,
          "-plugin", launch.plugin_option, "-kernel", launch.image_path,
          "-device", "loader,file=" + qemu_option_escape(model_file) + ",addr=" + hex(*start) + ",force-raw=on"};
}

void QemuSystemTarget::measure_bytes(const ElfFile& image, const std::string& image_path, const RunRequest& request,
                                     RunResult* result) const {
  const std::string app_path = (std::filesystem::path(image_path).parent_path() / kApplicationImage).string();
  if (!std::filesystem::exists(app_path)) {
    throw TargetError(info().name + ": application image " + app_path + " is not built; run cmake --build on this build folder");
  }
  const DeploymentFootprint d =
      deployment_footprint(ElfFile::read(app_path), image, static_cast<int64_t>(request.model->size()),
                           model_arena_bytes(*request.model), result->stack_bytes.value_or(0));
  result->flash_bytes = d.flash_bytes;
  result->ram_bytes = d.ram_bytes;
  result->harness_flash_bytes = d.harness_flash_bytes;
  result->harness_ram_bytes = d.harness_ram_bytes;
}

}  // namespace qb::harness
