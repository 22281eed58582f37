// Error codes of the model runtime: no exceptions on the target, every failure is a value.
#pragma once

#include <cstdint>

namespace qb::runtime {

enum class Status : int32_t {
  kOk = 0,
  kTruncated,         // the file is shorter than its header or tables say
  kBadMagic,
  kBadVersion,
  kBadChecksum,
  kMisaligned,        // file or arena base not 16-byte aligned, or a table/buffer offset not aligned
  kBadTable,          // a record table lies outside the file or overlaps the header
  kBadBuffer,         // a buffer lies outside the file, or its size does not fit its use
  kBadTensor,         // dimensions, zero point or arena placement out of range
  kBadLayer,          // unknown op, bad tensor index, parameters out of range, shapes that disagree
  kArenaTooSmall,
};

const char* status_name(Status status);

}  // namespace qb::runtime
