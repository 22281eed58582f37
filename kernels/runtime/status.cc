#include "kernels/runtime/status.h"

namespace qb::runtime {

const char* status_name(Status status) {
  switch (status) {
    case Status::kOk:
      return "ok";
    case Status::kTruncated:
      return "truncated";
    case Status::kBadMagic:
      return "bad_magic";
    case Status::kBadVersion:
      return "bad_version";
    case Status::kBadChecksum:
      return "bad_checksum";
    case Status::kMisaligned:
      return "misaligned";
    case Status::kBadTable:
      return "bad_table";
    case Status::kBadBuffer:
      return "bad_buffer";
    case Status::kBadTensor:
      return "bad_tensor";
    case Status::kBadLayer:
      return "bad_layer";
    case Status::kArenaTooSmall:
      return "arena_too_small";
  }
  // A value cast from an integer outside the enum: still a printable answer.
  return "unknown";
}

}  // namespace qb::runtime
