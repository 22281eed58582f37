// The results of one `qbench run`, in the measurement vocabulary of DESIGN.md: what the
// CSV, JSON and summary are written from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qb::harness {

// One CSV row: a layer of a suite on a target, or the TOTAL row (layer_index empty).
// An empty optional is a figure that does not exist for this row or target.
struct ReportRow {
  std::string suite, target;
  std::optional<int32_t> layer_index;
  std::string layer, op, out_shape;
  std::optional<int64_t> macs, insns, cycles, est_cycles;
  std::optional<double> est_us;  // boards: est_cycles at the board's clock (an estimate too)
  // Host wall time per inference, ns: median, interquartile range (q3 - q1), first and
  // third quartiles (nearest rank) over the timing repetitions.
  std::optional<double> time_ns, time_ns_iqr, time_ns_q1, time_ns_q3;
  std::optional<int64_t> weight_bytes, bias_bytes, quant_param_bytes, activation_bytes;
  std::optional<int64_t> arena_bytes, flash_bytes, ram_bytes, stack_bytes;
  std::optional<int64_t> harness_flash_bytes, harness_ram_bytes;  // the test harness's share, apart
  // Boards, TOTAL rows: flash_bytes and ram_bytes as a percentage of the board's, and 1 if
  // both fit, else 0.
  std::optional<double> flash_used_pct, ram_used_pct;
  std::optional<int64_t> fits;
  std::optional<double> sqnr_db, max_abs_err, err_pct_range;
  // Layers with one input: the output SQNR of the layer alone on its own float input
  // (harness/diagnostics/local_error.h), beside sqnr_db, which carries every error before.
  std::optional<double> local_sqnr_db;
  // Layers: the percentage of float outputs the output quantization saturates, and of the
  // int8 output range the float outputs span (harness/diagnostics/activation_range.h).
  std::optional<double> clip_pct, range_used_pct;
  // Weighted layers: how well the int8 weights keep the float ones, and the spread of the
  // output channels' ranges (harness/diagnostics/weight_quality.h).
  std::optional<double> weight_sqnr_db, weight_range_spread;
  std::optional<double> top1_agreement, label_accuracy;  // TOTAL rows only
  // JSON only (not a CSV column): CRC-32 of the layer's int8 output over every sample, the
  // same figure as the golden file's layer line, so `qbench compare` can check goldens.
  std::optional<uint32_t> output_crc32;
};

struct GateResult {
  std::string gate;  // e.g. "min_sqnr_db"
  double threshold = 0.0;
  double value = 0.0;
  bool passed = false;
};

enum class GoldenStatus { kMatch, kMismatch, kMissing, kUpdated, kNotChecked };
const char* golden_status_name(GoldenStatus status);

// A (suite, board) pair held against the board's memory (targets.json /boards).
struct BoardVerdict {
  std::string board, part, core;
  int64_t flash_budget = 0, ram_budget = 0, clock_hz = 0;
  int64_t flash_needed = 0, ram_needed = 0;
  bool fits = false;
  std::string why;  // when it does not fit: "RAM 71.2 KiB needed, 20 KiB available"
};

struct SuiteTargetRun {
  std::string suite, target;
  std::string suite_file, suite_hash;  // hash: FNV-1a 64 of the suite file's bytes, hex
  std::string model_hash;              // FNV-1a 64 of the .qbm bytes, hex
  std::string float_reference;         // what the int8 results are measured against
  std::vector<ReportRow> rows;         // layers in order, then TOTAL
  std::vector<GateResult> gates;
  GoldenStatus golden = GoldenStatus::kNotChecked;
  std::string golden_diff;             // readable, when golden == kMismatch
  std::string error;                   // non-empty: the target failed, rows may be empty
  std::optional<BoardVerdict> board;   // runs on a board: its verdict
  int32_t decision_grid = 0;           // steps per axis; 0 when the suite has none
  std::vector<float> decision_surface; // grid*grid int8 outputs, dequantized, row-major in x1
  // The first test samples' final outputs, float reference and dequantized int8, for the
  // parity plot (JSON only; capped so a large output does not bloat the report).
  int32_t output_values_per_sample = 0;
  std::vector<float> test_output_float, test_output_int8;
  double seconds = 0.0;                // wall time of this (suite, target)
  bool passed() const;                 // gates, golden and board fit, no error
};

struct RunMetadata {
  std::string qbench_version, git_sha, compiler, cxx_flags, build_type, date_utc;
  int32_t repetitions = 0;
};

// `qbench run --shard K/N`: the part of the plan a report holds, so that `qbench merge`
// can join the N reports and tell whether they hold the whole plan.
struct ShardInfo {
  int32_t index = 0, count = 0;  // K and N, 1 <= K <= N
  std::string assignment;        // the rule that deals the pairs out, in words
  // Every (suite, target) pair of the full plan, in run order (target-major, suite-minor).
  std::vector<std::pair<std::string, std::string>> pairs;
};

struct RunReport {
  RunMetadata meta;
  std::vector<SuiteTargetRun> runs;
  std::optional<ShardInfo> shard;  // a sharded run only
};

}  // namespace qb::harness
