#include "harness/report/json_report.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "harness/report/csv_report.h"

namespace qb::harness {
namespace {

using nlohmann::json;

// Absent figures are null; an infinite SQNR (bit-exact tensor) is the string "inf",
// because JSON has no infinity.
template <typename T>
json value(const std::optional<T>& v) {
  if (!v) return nullptr;
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isinf(*v)) return *v > 0 ? "inf" : "-inf";
  }
  return *v;
}

json row_json(const ReportRow& r) {
  json j{{"layer_index", value(r.layer_index)},
         {"layer", r.layer},
         {"op", r.op},
         {"out_shape", r.out_shape},
         {"macs", value(r.macs)},
         {"insns", value(r.insns)},
         {"cycles", value(r.cycles)},
         {"est_cycles", value(r.est_cycles)},
         {"est_us", value(r.est_us)},
         {"time_ns", value(r.time_ns)},
         {"time_ns_iqr", value(r.time_ns_iqr)},
         {"time_ns_q1", value(r.time_ns_q1)},
         {"time_ns_q3", value(r.time_ns_q3)},
         {"weight_bytes", value(r.weight_bytes)},
         {"bias_bytes", value(r.bias_bytes)},
         {"quant_param_bytes", value(r.quant_param_bytes)},
         {"activation_bytes", value(r.activation_bytes)},
         {"arena_bytes", value(r.arena_bytes)},
         {"flash_bytes", value(r.flash_bytes)},
         {"ram_bytes", value(r.ram_bytes)},
         {"stack_bytes", value(r.stack_bytes)},
         {"harness_flash_bytes", value(r.harness_flash_bytes)},
         {"harness_ram_bytes", value(r.harness_ram_bytes)},
         {"flash_used_pct", value(r.flash_used_pct)},
         {"ram_used_pct", value(r.ram_used_pct)},
         {"fits", value(r.fits)},
         {"sqnr_db", value(r.sqnr_db)},
         {"max_abs_err", value(r.max_abs_err)},
         {"err_pct_range", value(r.err_pct_range)},
         {"local_sqnr_db", value(r.local_sqnr_db)},
         {"clip_pct", value(r.clip_pct)},
         {"range_used_pct", value(r.range_used_pct)},
         {"weight_sqnr_db", value(r.weight_sqnr_db)},
         {"weight_range_spread", value(r.weight_range_spread)},
         {"top1_agreement", value(r.top1_agreement)},
         {"label_accuracy", value(r.label_accuracy)}};
  if (r.output_crc32) {
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08" PRIx32, *r.output_crc32);
    j["output_crc32"] = crc;
  }
  return j;
}

// A float's nine significant digits, not the 17 of the double it widens to: the same
// value, a third of the bytes.
json short_floats(const std::vector<float>& values) {
  json out = json::array();
  for (float v : values) {
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", static_cast<double>(v));
    out.push_back(std::strtod(text, nullptr));
  }
  return out;
}

}  // namespace

std::string json_report(const RunReport& report) {
  json doc;
  const RunMetadata& m = report.meta;
  doc["qbench"] = {{"version", m.qbench_version},   {"git_sha", m.git_sha},
                   {"compiler", m.compiler},        {"cxx_flags", m.cxx_flags},
                   {"build_type", m.build_type},    {"date_utc", m.date_utc},
                   {"repetitions", m.repetitions}};
  // What est_cycles is, wherever it appears: a model's estimate, with its assumptions.
  doc["est_cycles_model"] = {
      {"version", 1},
      {"doc", "docs/cycle-model.md"},
      {"tables", "targets/cycle_models/<core>.csv (per Cortex-M core, each row citing its source)"},
      {"assumptions",
       "an estimate, not a measurement: per-instruction costs from Arm's timing tables and public "
       "scheduling models, zero-wait-state memory, no caches, taken branches from the executed path, "
       "divides at a fixed middle cost; M3/M4/M33 within a few percent of the tables, M7 and M55 "
       "approximate (dual issue and MVE beat overlap simplified)"}};
  doc["columns"] = csv_columns();
  json runs = json::array();
  std::set<std::string> suites_with_outputs;
  for (const auto& run : report.runs) {
    json j{{"suite", run.suite},
           {"target", run.target},
           {"suite_file", run.suite_file},
           {"suite_hash_fnv1a64", run.suite_hash},
           {"model_hash_fnv1a64", run.model_hash},
           {"float_reference", run.float_reference},
           {"passed", run.passed()},
           {"golden", golden_status_name(run.golden)},
           {"seconds", run.seconds}};
    if (!run.error.empty()) j["error"] = run.error;
    if (run.board) {
      const BoardVerdict& b = *run.board;
      j["board"] = {{"board", b.board},           {"part", b.part},
                    {"core", b.core},             {"flash_budget_bytes", b.flash_budget},
                    {"ram_budget_bytes", b.ram_budget}, {"clock_hz", b.clock_hz},
                    {"flash_needed_bytes", b.flash_needed}, {"ram_needed_bytes", b.ram_needed},
                    {"fits", b.fits}};
      if (!b.why.empty()) j["board"]["why"] = b.why;
    }
    if (!run.golden_diff.empty()) j["golden_diff"] = run.golden_diff;
    json gates = json::array();
    for (const auto& g : run.gates) {
      gates.push_back({{"gate", g.gate}, {"threshold", g.threshold}, {"value", value(std::optional<double>(g.value))}, {"passed", g.passed}});
    }
    j["gates"] = gates;
    json layers = json::array();
    for (const auto& r : run.rows) {
      if (r.layer_index) layers.push_back(row_json(r));
      else j["total"] = row_json(r);
    }
    j["layers"] = layers;
    if (run.decision_grid > 0) {
      j["decision_surface"] = {{"steps", run.decision_grid},
                               {"x1_x2_range", {0.0, 1.0}},
                               {"layout", "row-major, x1 varies fastest"},
                               {"output", run.decision_surface}};
    }
    // Once per suite: the int8 bytes are the same on every target (the goldens check that).
    if (!run.test_output_float.empty() && suites_with_outputs.insert(run.suite).second) {
      j["test_outputs"] = {{"values_per_sample", run.output_values_per_sample},
                           {"samples", run.test_output_float.size() /
                                          static_cast<size_t>(std::max(1, run.output_values_per_sample))},
                           {"float", short_floats(run.test_output_float)},
                           {"int8_dequantized", short_floats(run.test_output_int8)}};
    }
    runs.push_back(j);
  }
  doc["runs"] = runs;
  // A sharded run: which part of the plan this is, and the whole plan, for qbench merge.
  if (report.shard) {
    json pairs = json::array();
    for (const auto& [suite, target] : report.shard->pairs) pairs.push_back({{"suite", suite}, {"target", target}});
    doc["shard"] = {{"index", report.shard->index},
                    {"count", report.shard->count},
                    {"assignment", report.shard->assignment},
                    {"pairs", pairs}};
  }
  return doc.dump(2) + "\n";
}

}  // namespace qb::harness
