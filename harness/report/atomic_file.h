// Writing report files so that a failed or interrupted run never leaves half a file:
// write beside the destination, then rename over it.
#pragma once

#include <string>

namespace qb::harness {

// Creates parent folders as needed. Throws std::runtime_error naming the path on failure.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace qb::harness
