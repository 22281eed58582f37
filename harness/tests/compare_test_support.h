// Shared by the compare, plot and page tests: a small two-suite, two-target report built
// with the real CSV/JSON writers (running the binary: cli_test_support.h).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/report/csv_report.h"
#include "harness/report/json_report.h"
#include "harness/report/run_report.h"
#include "harness/tests/cli_test_support.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness::testing {

// alpha: conv1, pool, fc; beta (a 2-input MLP with a decision surface): hidden, out.
// host has time_ns and no insns; cortex-m4 has insns, est_cycles and image sizes. Host
// quartiles lie unevenly about the median: q1 = 97%, q3 = 107% of it (TOTAL: -20, +30 ns).
inline RunReport fixture_report() {
  RunReport report;
  report.meta = {"0.1.0", "0123456789abcdef0123456789abcdef01234567", "GNU 12.2.0", "-O3", "Release",
                 "2026-01-02T03:04:05Z", 15};
  struct Layer {
    const char* name;
    const char* op;
    int64_t macs, insns, weights, activations;
    double time_ns, sqnr;
  };
  const std::vector<std::pair<std::string, std::vector<Layer>>> suites = {
      {"alpha", {{"conv1", "conv2d+relu", 2304, 41000, 36, 256, 9000, 38.5},
                 {"pool", "max_pool2d", 0, 3100, 0, 64, 700, 38.5},
                 {"fc", "dense", 192, 2900, 192, 3, 400, 31.2}}},
      {"beta", {{"hidden", "dense+relu", 8, 310, 8, 4, 90, 40.1},
                {"out", "dense+sigmoid", 4, 420, 4, 1, 80, 28.6}}},
  };
  for (const std::string target : {"host", "cortex-m4"}) {
    const bool emulated = target != "host";
    for (const auto& [suite, layers] : suites) {
      SuiteTargetRun run;
      run.suite = suite;
      run.target = target;
      run.suite_file = "suites/" + suite + ".json";
      run.suite_hash = "00000000000000aa";
      run.model_hash = "00000000000000bb";
      run.golden = GoldenStatus::kMatch;
      run.gates.push_back({"min_sqnr_db", 25.0, layers.back().sqnr, true});
      ReportRow total;
      total.suite = suite;
      total.target = target;
      total.layer = "TOTAL";
      total.macs = total.weight_bytes = total.bias_bytes = total.quant_param_bytes = total.activation_bytes = 0;
      total.arena_bytes = 512;
      if (emulated) {
        total.insns = 0;
        total.est_cycles = 0;
        total.flash_bytes = 24576;
        total.ram_bytes = 8192;
        total.stack_bytes = 1100;
      } else {
        total.time_ns = 0.0;
        total.time_ns_iqr = 50.0;
      }
      for (size_t i = 0; i < layers.size(); ++i) {
        const Layer& l = layers[i];
        ReportRow row;
        row.suite = suite;
        row.target = target;
        row.layer_index = static_cast<int32_t>(i);
        row.layer = l.name;
        row.op = l.op;
        row.out_shape = "1x1x1x1";
        row.macs = l.macs;
        row.weight_bytes = l.weights;
        row.bias_bytes = 16;
        row.quant_param_bytes = 8;
        row.activation_bytes = l.activations;
        if (emulated) {
          row.insns = l.insns;
          row.est_cycles = l.insns * 3 / 2;
          *total.insns += l.insns;
          *total.est_cycles += *row.est_cycles;
        } else {
          row.time_ns = l.time_ns;
          row.time_ns_q1 = l.time_ns * 0.97;
          row.time_ns_q3 = l.time_ns * 1.07;
          row.time_ns_iqr = *row.time_ns_q3 - *row.time_ns_q1;
          *total.time_ns += l.time_ns;
        }
        row.sqnr_db = l.sqnr;
        row.max_abs_err = 0.05;
        row.err_pct_range = 1.5;
        row.output_crc32 = 0x1000u + static_cast<uint32_t>(i) + static_cast<uint32_t>(suite.size());
        *total.macs += l.macs;
        *total.weight_bytes += l.weights;
        *total.bias_bytes += 16;
        *total.quant_param_bytes += 8;
        *total.activation_bytes += l.activations;
        run.rows.push_back(row);
      }
      if (!emulated) {
        total.time_ns_q1 = *total.time_ns - 20.0;
        total.time_ns_q3 = *total.time_ns + 30.0;
      }
      total.sqnr_db = layers.back().sqnr;
      total.max_abs_err = 0.05;
      total.err_pct_range = 1.5;
      total.top1_agreement = 1.0;
      total.label_accuracy = 1.0;
      run.rows.push_back(total);
      run.output_values_per_sample = 1;
      for (int s = 0; s < 16; ++s) {
        const float f = static_cast<float>(s) / 15.0f;
        run.test_output_float.push_back(f);
        run.test_output_int8.push_back(static_cast<float>(static_cast<int>(f * 32.0f)) / 32.0f);
      }
      if (suite == "beta") {
        run.decision_grid = 8;
        for (int j = 0; j < 8; ++j) {
          for (int i = 0; i < 8; ++i) {
            const bool one = (i < 4) != (j < 4);  // XOR of the halves
            run.decision_surface.push_back(one ? 0.9f : 0.1f);
          }
        }
      }
      report.runs.push_back(run);
    }
  }
  return report;
}

inline ReportRow& fixture_row(RunReport& report, const std::string& suite, const std::string& target,
                              const std::string& layer) {
  for (auto& run : report.runs) {
    if (run.suite != suite || run.target != target) continue;
    for (auto& row : run.rows) {
      if (row.layer == layer) return row;
    }
  }
  std::abort();  // a test asked for a row the fixture does not have
}

// Writes report.csv and report.json into dir (created); returns dir.
inline std::string write_report(const std::string& dir, const RunReport& report) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/report.csv", std::ios::binary) << csv_report(report);
  std::ofstream(dir + "/report.json", std::ios::binary) << json_report(report);
  return dir;
}

// Makes a report folder one that a qbench from before the host wall-time quartiles wrote:
// no time_ns_q1 / time_ns_q3 column in report.csv (no quoted fields expected), no such key
// in report.json's rows or "columns". Returns dir.
inline std::string without_quartiles(const std::string& dir) {
  const std::set<std::string> later = {"time_ns_q1", "time_ns_q3"};
  std::vector<std::string> lines = split(read_text(dir + "/report.csv"), '\n');
  std::set<size_t> drop;
  const std::vector<std::string> header = split(lines.at(0), ',');
  for (size_t i = 0; i < header.size(); ++i) {
    if (later.count(header[i])) drop.insert(i);
  }
  std::string csv;
  for (const std::string& line : lines) {
    if (line.empty()) continue;
    // Split at every comma, so that a trailing empty field stays one.
    std::vector<std::string> fields(1);
    for (char c : line) {
      if (c == ',') fields.emplace_back();
      else fields.back() += c;
    }
    std::string out;
    bool first = true;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (drop.count(i)) continue;
      out += (first ? "" : ",") + fields[i];
      first = false;
    }
    csv += out + "\n";
  }
  std::ofstream(dir + "/report.csv", std::ios::binary | std::ios::trunc) << csv;

  nlohmann::json doc = nlohmann::json::parse(read_text(dir + "/report.json"));
  if (doc.contains("columns")) {
    nlohmann::json columns = nlohmann::json::array();
    for (const auto& c : doc["columns"]) {
      if (!later.count(c.get<std::string>())) columns.push_back(c);
    }
    doc["columns"] = columns;
  }
  for (auto& run : doc["runs"]) {
    for (const auto& c : later) {
      if (run.contains("total")) run["total"].erase(c);
      if (run.contains("layers")) {
        for (auto& row : run["layers"]) row.erase(c);
      }
    }
  }
  std::ofstream(dir + "/report.json", std::ios::binary | std::ios::trunc) << doc.dump(2) << "\n";
  return dir;
}

}  // namespace qb::harness::testing
