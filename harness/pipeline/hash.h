// Content hashes for provenance (suite files, model files).
#pragma once

#include <cstdint>
#include <string>

namespace qb::harness {

// FNV-1a 64-bit, as 16 lower-case hex digits.
std::string fnv1a64_hex(const void* data, size_t size);

}  // namespace qb::harness
