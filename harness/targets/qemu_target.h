// What every QEMU target kind does the same way: find the emulator, the runner image and
// the plugin, write the runner's files into a work folder, run the guest under a time
// limit, read back outputs and instruction counts, and add the image's bytes. A kind
// (qemu_system_target, qemu_user_target) says only how its emulator is started and how
// its kind of image occupies memory.
#pragma once

#include <string>
#include <vector>

#include "harness/targets/elf_file.h"
#include "harness/targets/image_footprint.h"
#include "harness/targets/qemu_launch.h"
#include "harness/targets/target.h"

namespace qb::harness {

// What a launch is made of. runner_args are the runner's arguments without argv[0], file
// names relative to the work folder QEMU is started in; the first is the model file.
struct QemuLaunch {
  std::string emulator, image_path, plugin_option;
  const ElfFile* image = nullptr;
  std::vector<std::string> runner_args;
  size_t model_bytes = 0;
};

class QemuTarget : public Target {
 public:
  RunResult run(const RunRequest& request) final;

 protected:
  // Throws InputError when the row's runner section lacks a field.
  explicit QemuTarget(TargetInfo info);

  // The whole command line, emulator first.
  virtual std::vector<std::string> command_line(const QemuLaunch& launch) const = 0;
  // The byte figures of a finished run (flash, RAM and, where they differ, the harness's).
  virtual void measure_bytes(const ElfFile& image, const std::string& image_path, const RunRequest& request,
                             RunResult* result) const = 0;

  // A string field of this target's row; InputError saying what it should hold otherwise.
  std::string row_string(const std::string& key, const std::string& expected) const;

  const TargetInfo& info() const { return info_; }

 private:
  TargetInfo info_;
  RunnerSpec spec_;
};

}  // namespace qb::harness
