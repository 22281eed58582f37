// Running the qbench binary as a user does, for every test that drives the CLI: the binary
// (QBENCH_BIN overrides the build's), a shell command's exit code and output, and reading
// back what it wrote.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness/tests/suite_test_support.h"

namespace qb::harness::testing {

struct Outcome {
  int exit_code = -1;
  std::string output;  // the streams kept by the redirect: stdout and stderr together by default
};

inline std::string qbench_binary() {
  if (const char* env = std::getenv("QBENCH_BIN"); env != nullptr && *env != '\0') return env;
  return QBENCH_BIN;
}

// `redirect` picks the streams kept: both by default, " 2>&1 >/dev/null" for stderr alone.
inline Outcome run_shell(const std::string& command, const std::string& redirect = " 2>&1") {
  Outcome outcome;
  FILE* pipe = ::popen((command + redirect).c_str(), "r");
  if (pipe == nullptr) return outcome;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) outcome.output.append(buffer, n);
  const int status = ::pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

// qbench on the source tree (--root), with the given arguments.
inline Outcome qbench(const std::string& args, const std::string& redirect = " 2>&1") {
  return run_shell(qbench_binary() + " --root '" + source_dir() + "' " + args, redirect);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

}  // namespace qb::harness::testing
