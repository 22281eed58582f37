// What every target (in process, or under QEMU) takes and returns, and how one is made
// from a row of targets/targets.json.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qb::harness {

// A target or a tool it needs failed (missing toolchain or QEMU, guest crash, timeout):
// exit code 3.
class TargetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TargetInfo {
  std::string name;
  std::string description;
  std::string kind;       // how it runs: "in_process", "qemu_system", "qemu_user"
  nlohmann::json config;  // the whole row, for kind-specific settings
  nlohmann::json runner;  // the row's entry of the table's "runners" (empty if it names none)
};

struct RunRequest {
  const std::vector<uint8_t>* model = nullptr;  // the .qbm file
  const std::vector<int8_t>* inputs = nullptr;  // `samples` int8 input tensors, back to back
  int32_t samples = 0;
  int32_t repetitions = 0;  // timing repetitions, where the target measures time
};

// One layer's cost; a figure the target cannot measure stays empty.
struct LayerCostMeasured {
  std::optional<int64_t> insns;
  std::optional<int64_t> cycles;
  std::optional<int64_t> est_cycles;
  std::optional<double> time_ns;      // median over repetitions
  std::optional<double> time_ns_iqr;  // interquartile range of the same repetitions
};

struct RunResult {
  std::vector<std::vector<int8_t>> layer_outputs;  // per layer: every sample's output, in order
  std::vector<LayerCostMeasured> layers;
  LayerCostMeasured total;  // one whole inference
  std::optional<int64_t> flash_bytes, ram_bytes, stack_bytes;
};

// run() may be called from several threads at once, for different requests.
class Target {
 public:
  virtual ~Target() = default;
  virtual RunResult run(const RunRequest& request) = 0;
  // A target that measures wall time must have the machine to itself: the CLI runs it
  // before, not next to, the targets that run in parallel.
  virtual bool runs_alone() const { return false; }
};

}  // namespace qb::harness
