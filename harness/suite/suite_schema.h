// The structural check every suite passes first: suites/suite.schema.json (compiled into
// the binary) through a JSON Schema validator, with every violation turned into the line a
// user reads: "/layers/0/kernel: expected two integers in 1..15, got [0, 3]".
//
// What a violation says was expected comes from the schema itself: the "title" of the
// schema node at that place when it has one, else words built from its type, bounds, enum
// or const. So the schema is the one place that states the format, for editors and for
// qbench alike; the loader (suite_loader.h) keeps only what a schema cannot say.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qb::harness {

struct SchemaViolation {
  std::string pointer;   // RFC 6901, "" for the whole document
  std::string expected;  // "an integer in 1..4096"
  std::string got;       // "\"4\"", "nothing", "unknown key \"kernal\""
};

// Every violation of the suite schema in `doc`, one per JSON pointer, in the order the
// validator meets them; empty when the document is a well-formed suite.
std::vector<SchemaViolation> check_suite_schema(const nlohmann::json& doc);

// JSON Schema counts 4.0 as an integer; the validator counts only 4. Integral doubles up
// to 2^53 become integers here (check_suite_schema applies it; the loader reads the result).
nlohmann::json with_integral_floats_as_integers(const nlohmann::json& v);

// The schema's text as compiled in (for tests and `qbench` to show).
const char* suite_schema_text();

}  // namespace qb::harness
