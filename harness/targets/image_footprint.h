// Flash and RAM a bare-metal image occupies, from its ELF sections.
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

}  // namespace qb::harness
