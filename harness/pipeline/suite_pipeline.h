// One suite from file to verdict: load, build the graph, generate data, calibrate on the
// host, compile and serialize the integer model; then turn a target's raw outputs into
// report rows, gate results and the golden text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/pipeline/calibration.h"
#include "harness/pipeline/model_compiler.h"
#include "harness/report/run_report.h"
#include "harness/suite/graph.h"
#include "harness/suite/suite.h"
#include "harness/targets/target.h"

namespace qb::harness {

struct PreparedSuite {
  Suite suite;
  Graph graph;
  Calibration calibration;
  CompiledModel compiled;
  std::vector<uint8_t> model_file;  // .qbm
  uint32_t arena_bytes = 0;
  int32_t test_samples = 0;
  int32_t grid_samples = 0;         // decision-surface inputs, run after the test samples
  std::vector<int8_t> inputs;       // test then grid samples, quantized with the input scale
  std::vector<std::vector<float>> float_outputs;  // per node, test samples concatenated
  std::vector<std::optional<double>> local_sqnr_db;  // per node (harness/diagnostics/local_error.h)
  std::string suite_hash, model_hash;
  std::string float_reference;  // what the float outputs come from, for the report
  std::vector<int32_t> source_operator;  // model suites: per layer, its operator in the file
  int32_t samples() const { return test_samples + grid_samples; }
};

// Throws InputError for a bad suite.
PreparedSuite prepare_suite(const std::string& path, const CalibrationOptions& options = {});

// The same for a suite already in memory (e.g. `qbench run --model FILE`); `file_bytes` is
// what its hash covers besides the model files.
PreparedSuite prepare_suite(Suite suite, const std::string& file_bytes,
                            const CalibrationOptions& options = {});

// What a target is asked to run for this suite: its model file and every sample's input
// (the request points into `prepared`, which must outlive it).
RunRequest run_request(const PreparedSuite& prepared, int32_t repetitions);

// Rows, gates and decision surface of one target's run (golden status is the caller's).
SuiteTargetRun evaluate_run(const PreparedSuite& prepared, const std::string& target,
                            const RunResult& result);

// The golden file's text: every layer's checksum and every sample's int8 output. It
// depends only on the integers, so every target must produce the same bytes.
std::string golden_text(const PreparedSuite& prepared, const RunResult& result);

}  // namespace qb::harness
