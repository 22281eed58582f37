#include "kernels/runtime/crc32.h"

namespace qb::runtime {
namespace {

inline constexpr uint32_t kPolynomial = 0xEDB88320u;

// Four bits per step: a 64-byte table instead of zlib's 1 KiB, which matters more in a
// Cortex-M's flash than the second lookup per byte costs in time.
struct NibbleTable {
  uint32_t entry[16];
};

constexpr NibbleTable make_table() {
  NibbleTable table{};
  for (uint32_t i = 0; i < 16; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 4; ++bit) c = (c & 1u) != 0 ? (c >> 1) ^ kPolynomial : c >> 1;
    table.entry[i] = c;
  }
  return table;
}

constexpr NibbleTable kTable = make_table();

}  // namespace

uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc) {
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    crc = (crc >> 4) ^ kTable.entry[crc & 15u];
    crc = (crc >> 4) ^ kTable.entry[crc & 15u];
  }
  return ~crc;
}

}  // namespace qb::runtime
