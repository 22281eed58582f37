// CRC-32 as IEEE 802.3 / zlib define it (reflected polynomial 0xEDB88320, initial value
// and final xor 0xFFFFFFFF): the .qbm checksum, computed by the host writer and checked by
// the target reader with this one function. Freestanding.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qb::runtime {

// Like zlib's crc32(): start with crc = 0, or pass a previous result to continue the same
// checksum over a further chunk. crc32("123456789") == 0xCBF43926.
uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc = 0);

}  // namespace qb::runtime
