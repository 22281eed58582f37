// Shared by the suite tests: where the repository is, scratch directories, a small valid
// suite to mutate.
#pragma once

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

namespace qb::harness::testing {

// ctest sets QB_SOURCE_DIR; running the binary by hand falls back to the configured tree.
inline std::string source_dir() {
  if (const char* env = std::getenv("QB_SOURCE_DIR"); env != nullptr && *env != '\0') return env;
#ifdef QB_SOURCE_DIR
  return QB_SOURCE_DIR;
#else
  return ".";
#endif
}

// A gtest parameter name from a target name ("cortex-m4" -> "cortex_m4"): gtest allows
// only letters, digits and underscores there.
struct TargetParamName {
  template <typename Info>
  std::string operator()(const Info& info) const {
    std::string name = info.param;
    for (char& c : name) c = c == '-' ? '_' : c;
    return name;
  }
};

// A fresh directory under the system temp dir, removed with the object.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("qb_suite_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string path() const { return path_.string(); }
  std::string write(const std::string& name, const std::string& text) const {
    const std::filesystem::path file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

// 8x8x1 -> conv 3x3 same relu [8,8,4] -> max pool 2 [4,4,4] -> dense [1,1,1,3].
inline nlohmann::json tiny_suite() {
  return nlohmann::json::parse(R"({
    "name": "tiny",
    "input": {"shape": [8, 8, 1]},
    "layers": [
      {"name": "conv1", "op": "conv2d", "filters": 4, "kernel": 3, "padding": "same",
       "activation": "relu"},
      {"name": "pool", "op": "max_pool2d", "pool": 2},
      {"name": "fc", "op": "dense", "units": 3}
    ],
    "data": {
      "calibration": {"samples": 4, "inputs": {"generator": "uniform", "seed": 1}},
      "test": {"samples": 2, "inputs": {"generator": "uniform", "seed": 2}, "labels": [0, 2]}
    },
    "gates": {"min_sqnr_db": 20}
  })");
}

}  // namespace qb::harness::testing
