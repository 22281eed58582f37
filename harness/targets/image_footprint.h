// Flash and RAM a runner image occupies, from its ELF sections: a bare-metal image as the
// board holds it, or a static Linux executable as the loader maps it.
#pragma once

#include <cstdint>

#include "harness/targets/elf_file.h"

namespace qb::harness {

struct ImageFootprint {
  int64_t flash_bytes = 0;  // text + rodata + the initial values of data (vectors, tables too)
  int64_t ram_bytes = 0;    // data + bss
};

// Sections named .heap and .stack are left out: the runner's heap serves host I/O only,
// and the stack is reported as its measured high-water mark instead of its reserved size.
ImageFootprint image_footprint(const ElfFile& image);

// A static Linux executable (qemu_user targets) has no flash and no startup copy: its
// file-backed sections are mapped in place and the writable ones are private copies. So
// flash_bytes is what the file must hold (text, rodata, unwind tables and the initial
// values of data) and ram_bytes every writable section (data, relro, GOT, bss, TLS
// templates); both are dominated by the statically linked C library, not the runtime.
ImageFootprint hosted_image_footprint(const ElfFile& image);

// A model deployed on a Cortex-M core, from the application image (targets/cortex_m/
// app_main.cc: the runtime, kernels and startup, no test harness) and the test runner image:
//   flash_bytes = the application's flash + the model file (its constants live in flash)
//   ram_bytes   = the application's data + bss + the model's arena + the stack high-water
//                 mark (the input and output tensors are arena slots, so no further buffers)
//   harness_flash_bytes = the runner's flash - the application's (semihosting, stdio, the
//                 runner's I/O loop and markers)
//   harness_ram_bytes   = the runner's data + bss + its stdio heap - the application's
struct DeploymentFootprint {
  int64_t flash_bytes = 0, ram_bytes = 0;
  int64_t harness_flash_bytes = 0, harness_ram_bytes = 0;
};
DeploymentFootprint deployment_footprint(const ElfFile& application, const ElfFile& runner, int64_t model_file_bytes,
                                         int64_t arena_bytes, int64_t stack_bytes);

}  // namespace qb::harness
