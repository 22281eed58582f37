// Base64 (RFC 4648, with padding): how the report page embeds its PNGs as data: URIs, so
// the page is one file that needs no network and no neighbours.
#pragma once

#include <string>

namespace qb::harness {

std::string base64_encode(const std::string& bytes);

}  // namespace qb::harness
