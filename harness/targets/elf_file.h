// Reads what the harness needs from a target image: section sizes and flags, load
// segments, and function addresses. Little-endian ELF32 and ELF64 (Arm and AArch64
// images); no dependency on binutils at run time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qb::harness {

struct ElfSection {
  std::string name;
  uint32_t type = 0;   // SHT_*
  uint64_t flags = 0;  // SHF_*
  uint64_t address = 0;
  uint64_t size = 0;
};

struct ElfSegment {
  uint32_t type = 0;  // PT_*
  uint64_t virtual_address = 0, physical_address = 0;
  uint64_t file_size = 0, memory_size = 0;
};

inline constexpr uint32_t kElfSectionProgbits = 1;
inline constexpr uint32_t kElfSectionNobits = 8;
inline constexpr uint64_t kElfFlagWrite = 0x1;
inline constexpr uint64_t kElfFlagAlloc = 0x2;
inline constexpr uint32_t kElfSegmentLoad = 1;

class ElfFile {
 public:
  // Throws TargetError naming the file when it cannot be read or is not a supported ELF.
  static ElfFile read(const std::string& path);

  const std::vector<ElfSection>& sections() const { return sections_; }
  const std::vector<ElfSegment>& segments() const { return segments_; }
  // Where the function's first instruction is (on Arm, without the Thumb bit).
  std::optional<uint64_t> function_address(const std::string& name) const;
  // The value of any symbol (a linker script's address symbols included).
  std::optional<uint64_t> symbol_address(const std::string& name) const;

 private:
  struct Symbol {
    std::string name;
    uint64_t value = 0;
    bool function = false;
  };
  uint16_t machine_ = 0;
  std::vector<ElfSection> sections_;
  std::vector<ElfSegment> segments_;
  std::vector<Symbol> symbols_;
};

}  // namespace qb::harness
