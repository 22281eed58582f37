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

}  // namespace qb::harness
