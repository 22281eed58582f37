#include "harness/targets/elf_file.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "harness/targets/target.h"

namespace qb::harness {
namespace {

constexpr uint16_t kMachineArm = 40;
constexpr uint32_t kSectionSymtab = 2;
constexpr uint8_t kSymbolFunc = 2;

// Bounds-checked little-endian reads from the whole file; a damaged or truncated image
// becomes one clear error instead of a read past the buffer.
class Reader {
 public:
  Reader(const std::vector<uint8_t>& bytes, const std::string& path) : bytes_(bytes), path_(path) {}

  uint64_t get(uint64_t offset, uint32_t size) const {
    if (offset > bytes_.size() || size > bytes_.size() - offset) fail("truncated");
    uint64_t v = 0;
    for (uint32_t i = 0; i < size; ++i) v |= static_cast<uint64_t>(bytes_[offset + i]) << (8 * i);
    return v;
  }
  std::string string_at(uint64_t offset) const {
    if (offset >= bytes_.size()) fail("string table entry outside the file");
    const char* begin = reinterpret_cast<const char*>(bytes_.data() + offset);
    return std::string(begin, strnlen(begin, bytes_.size() - offset));
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw TargetError(path_ + ": not a usable ELF image (" + what + ")");
  }

 private:
  const std::vector<uint8_t>& bytes_;
  const std::string& path_;
};

}  // namespace

ElfFile ElfFile::read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TargetError("cannot open the image " + path);
  const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const Reader r(bytes, path);
  if (bytes.size() < 16 || std::memcmp(bytes.data(), "\x7f" "ELF", 4) != 0) r.fail("no ELF magic");
  const bool is64 = bytes[4] == 2;
  if ((bytes[4] != 1 && bytes[4] != 2) || bytes[5] != 1) r.fail("not little-endian ELF32/ELF64");
  const uint32_t word = is64 ? 8 : 4;  // address and offset width

  ElfFile elf;
  elf.machine_ = static_cast<uint16_t>(r.get(18, 2));
  const uint64_t phoff = r.get(is64 ? 32 : 28, word);
  const uint64_t shoff = r.get(is64 ? 40 : 32, word);
  const uint64_t header_tail = is64 ? 54 : 42;
  const uint32_t phentsize = static_cast<uint32_t>(r.get(header_tail, 2));
  const uint32_t phnum = static_cast<uint32_t>(r.get(header_tail + 2, 2));
  const uint32_t shentsize = static_cast<uint32_t>(r.get(header_tail + 4, 2));
  const uint32_t shnum = static_cast<uint32_t>(r.get(header_tail + 6, 2));
  const uint32_t shstrndx = static_cast<uint32_t>(r.get(header_tail + 8, 2));

  for (uint32_t i = 0; i < phnum; ++i) {
    const uint64_t p = phoff + static_cast<uint64_t>(i) * phentsize;
    ElfSegment s;
    s.type = static_cast<uint32_t>(r.get(p, 4));
    if (is64) {
      s.virtual_address = r.get(p + 16, 8);
      s.physical_address = r.get(p + 24, 8);
      s.file_size = r.get(p + 32, 8);
      s.memory_size = r.get(p + 40, 8);
    } else {
      s.virtual_address = r.get(p + 8, 4);
      s.physical_address = r.get(p + 12, 4);
      s.file_size = r.get(p + 16, 4);
      s.memory_size = r.get(p + 20, 4);
    }
    elf.segments_.push_back(s);
  }

  struct Raw {
    uint32_t name, type, link;
    uint64_t flags, address, offset, size, entsize;
  };
  std::vector<Raw> raw;
  for (uint32_t i = 0; i < shnum; ++i) {
    const uint64_t h = shoff + static_cast<uint64_t>(i) * shentsize;
    Raw s{};
    s.name = static_cast<uint32_t>(r.get(h, 4));
    s.type = static_cast<uint32_t>(r.get(h + 4, 4));
    s.flags = r.get(h + 8, word);
    s.address = r.get(h + (is64 ? 16 : 12), word);
    s.offset = r.get(h + (is64 ? 24 : 16), word);
    s.size = r.get(h + (is64 ? 32 : 20), word);
    s.link = static_cast<uint32_t>(r.get(h + (is64 ? 40 : 24), 4));
    s.entsize = r.get(h + (is64 ? 56 : 36), word);
    raw.push_back(s);
  }
  if (shstrndx >= raw.size()) r.fail("no section name table");
  for (const Raw& s : raw) {
    elf.sections_.push_back({r.string_at(raw[shstrndx].offset + s.name), s.type, s.flags, s.address, s.size});
  }

  for (const Raw& s : raw) {
    if (s.type != kSectionSymtab) continue;
    if (s.link >= raw.size() || s.entsize == 0) r.fail("bad symbol table");
    const uint64_t strtab = raw[s.link].offset;
    for (uint64_t e = s.offset; e + s.entsize <= s.offset + s.size; e += s.entsize) {
      Symbol sym;
      sym.name = r.string_at(strtab + r.get(e, 4));
      const uint8_t info = static_cast<uint8_t>(r.get(e + (is64 ? 4 : 12), 1));
      sym.value = r.get(e + (is64 ? 8 : 4), word);
      sym.function = (info & 0xF) == kSymbolFunc;
      if (!sym.name.empty()) elf.symbols_.push_back(std::move(sym));
    }
  }
  return elf;
}

std::optional<uint64_t> ElfFile::function_address(const std::string& name) const {
  for (const Symbol& s : symbols_) {
    if (s.name != name || !s.function) continue;
    // Arm marks Thumb functions by setting bit 0 of the symbol value; the instruction
    // itself is at the even address.
    return machine_ == kMachineArm ? (s.value & ~uint64_t{1}) : s.value;
  }
  return std::nullopt;
}

std::optional<uint64_t> ElfFile::symbol_address(const std::string& name) const {
  for (const Symbol& s : symbols_) {
    if (s.name == name) return s.value;
  }
  return std::nullopt;
}

}  // namespace qb::harness
