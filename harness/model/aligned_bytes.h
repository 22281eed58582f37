// Memory the runtime reads with 16-byte alignment: a model file's copy and an arena.
// The runtime requires that alignment of both (its kernels use aligned vector loads), and
// a std::vector<uint8_t> does not promise it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

namespace qb::harness {

class AlignedBytes {
 public:
  // size bytes (uninitialised), rounded up to whole 16-byte blocks plus one spare block,
  // so a vector load at the last byte stays inside the allocation.
  explicit AlignedBytes(size_t size)
      : bytes_(static_cast<uint8_t*>(std::aligned_alloc(16, (size + 15) / 16 * 16 + 16))) {
    if (bytes_ == nullptr) throw std::bad_alloc();
  }
  // A copy of a model file.
  explicit AlignedBytes(const std::vector<uint8_t>& file) : AlignedBytes(file.size()) {
    if (!file.empty()) std::memcpy(bytes_, file.data(), file.size());
  }
  ~AlignedBytes() { std::free(bytes_); }
  AlignedBytes(const AlignedBytes&) = delete;
  AlignedBytes& operator=(const AlignedBytes&) = delete;

  uint8_t* data() const { return bytes_; }

 private:
  uint8_t* bytes_;
};

}  // namespace qb::harness
