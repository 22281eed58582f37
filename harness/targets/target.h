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

// A part people ship (targets.json /boards): the memory and clock of its datasheet, run on
// the Cortex-M target of its core. Its results are held against these figures.
struct BoardSpec {
  std::string part;    // e.g. "STM32L4R5ZI"
  std::string core;    // the target whose images and emulator it runs on, e.g. "cortex-m4"
  int64_t flash_bytes = 0;
  int64_t ram_bytes = 0;
  int64_t clock_hz = 0;
  std::string source;  // where the figures come from (datasheet, product page)
};

struct TargetInfo {
  std::string name;
  std::string description;
  std::string kind;       // how it runs: "in_process", "qemu_system", "qemu_user"
  nlohmann::json config;  // the whole row, for kind-specific settings
  nlohmann::json runner;  // the row's entry of the table's "runners" (empty if it names none)
  std::string images;     // the folder of its built images: its own name, or a board's core
  std::optional<BoardSpec> board;  // set for a board, whose row is then its core's
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
  // Host wall time per inference in nanoseconds, over the timing repetitions: the median,
  // the first and third quartiles (nearest rank, as summarize() in host_target.cc picks
  // them) and the interquartile range, time_ns_q3 - time_ns_q1.
  std::optional<double> time_ns;      // median over repetitions
  std::optional<double> time_ns_iqr;  // interquartile range of the same repetitions: q3 - q1
  std::optional<double> time_ns_q1, time_ns_q3;  // first and third quartiles of the same repetitions
};

struct RunResult {
  std::vector<std::vector<int8_t>> layer_outputs;  // per layer: every sample's output, in order
  std::vector<LayerCostMeasured> layers;
  LayerCostMeasured total;  // one whole inference
  // Embedded targets: what a deployment needs (the application's code and the model file;
  // its static RAM, the arena and the stack high-water mark) and, apart, what only the test
  // harness adds (semihosting, stdio and its buffers, the runner's I/O loop).
  std::optional<int64_t> flash_bytes, ram_bytes, stack_bytes;
  std::optional<int64_t> harness_flash_bytes, harness_ram_bytes;
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
