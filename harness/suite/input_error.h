// Bad user input (suite, preset, arguments): reported as one line and exit code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace qb::harness {

// what() is the whole line: "suites/kws.json: /layers/2/kernel: expected ..., got ...".
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  InputError(const std::string& file, const std::string& json_path, const std::string& problem)
      : std::runtime_error(file + ": " + (json_path.empty() ? std::string("/") : json_path) +
                           ": " + problem) {}
};

}  // namespace qb::harness
