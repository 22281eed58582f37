#include "harness/targets/image_footprint.h"

namespace qb::harness {
namespace {

// Initialised data is stored in flash and copied to RAM by the startup code: its load
// segment has a load (physical) address different from its run (virtual) address.
bool copied_to_ram(const ElfFile& image, const ElfSection& section) {
  for (const ElfSegment& seg : image.segments()) {
    if (seg.type != kElfSegmentLoad) continue;
    if (section.address >= seg.virtual_address &&
        section.address + section.size <= seg.virtual_address + seg.memory_size) {
      return seg.virtual_address != seg.physical_address;
    }
  }
  return false;
}

int64_t section_size(const ElfFile& image, const std::string& name) {
  for (const ElfSection& s : image.sections()) {
    if (s.name == name) return static_cast<int64_t>(s.size);
  }
  return 0;
}

}  // namespace

ImageFootprint image_footprint(const ElfFile& image) {
  ImageFootprint f;
  for (const ElfSection& s : image.sections()) {
    if ((s.flags & kElfFlagAlloc) == 0 || s.size == 0) continue;
    if (s.name == ".heap" || s.name == ".stack") continue;
    const auto size = static_cast<int64_t>(s.size);
    if (s.type == kElfSectionNobits) {
      f.ram_bytes += size;
    } else if (copied_to_ram(image, s)) {
      f.flash_bytes += size;
      f.ram_bytes += size;
    } else {
      f.flash_bytes += size;
    }
  }
  return f;
}

ImageFootprint hosted_image_footprint(const ElfFile& image) {
  ImageFootprint f;
  for (const ElfSection& s : image.sections()) {
    if ((s.flags & kElfFlagAlloc) == 0 || s.size == 0) continue;
    const auto size = static_cast<int64_t>(s.size);
    if (s.type != kElfSectionNobits) f.flash_bytes += size;
    if ((s.flags & kElfFlagWrite) != 0) f.ram_bytes += size;
  }
  return f;
}

DeploymentFootprint deployment_footprint(const ElfFile& application, const ElfFile& runner, int64_t model_file_bytes,
                                         int64_t arena_bytes, int64_t stack_bytes) {
  const ImageFootprint app = image_footprint(application);
  const ImageFootprint test = image_footprint(runner);
  DeploymentFootprint d;
  d.flash_bytes = app.flash_bytes + model_file_bytes;
  d.ram_bytes = app.ram_bytes + arena_bytes + stack_bytes;
  d.harness_flash_bytes = test.flash_bytes - app.flash_bytes;
  d.harness_ram_bytes = test.ram_bytes + section_size(runner, ".heap") - app.ram_bytes;
  return d;
}

}  // namespace qb::harness
