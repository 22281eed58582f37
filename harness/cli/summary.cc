#include "harness/cli/summary.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include <fmt/core.h>
#include <spdlog/spdlog.h>

namespace qb::harness {
namespace {


std::string number(const std::optional<double>& v, const char* format) {
  if (!v) return "-";
  if (std::isinf(*v)) return *v > 0 ? "exact" : "-inf";
  return fmt::format(fmt::runtime(format), *v);
}

std::string count(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "-"; }

std::string gate_text(const SuiteTargetRun& run) {
  if (!run.error.empty()) return "ERROR";
  size_t failed = 0;
  std::string names;
  for (const auto& g : run.gates) {
    if (!g.passed) {
      ++failed;
      names += (names.empty() ? "" : ",") + g.gate;
    }
  }
  if (failed == 0) return fmt::format("{} ok", run.gates.size());
  return "FAIL " + names;
}

// The (suite, board) pairs: the deployable bytes against the board's, and est_us, which is
// est_cycles at the board's clock and so an estimate as well.
void print_board_table(const RunReport& report) {
  bool any = false;
  for (const auto& run : report.runs) any = any || run.board.has_value();
  if (!any) return;
  fmt::print("\n{:<16} {:<15} {:<11} {:>11} {:>7} {:>10} {:>7} {:>14}  {}\n", "suite", "board", "core", "flash_B",
             "flash%", "ram_B", "ram%", "est_us (model)", "fits");
  for (const auto& run : report.runs) {
    if (!run.board) continue;
    const BoardVerdict& b = *run.board;
    const ReportRow& t = run.rows.back();
    fmt::print("{:<16} {:<15} {:<11} {:>11} {:>7} {:>10} {:>7} {:>14}  {}\n", run.suite, run.target, b.core,
               b.flash_needed, number(t.flash_used_pct, "{:.1f}"), b.ram_needed, number(t.ram_used_pct, "{:.1f}"),
               number(t.est_us, "{:.0f}"), b.fits ? "yes" : "NO: " + b.why);
  }
}

}  // namespace

std::string outcome_line(const RunReport& report, bool require_golden, double seconds) {
  size_t passed = 0, failed = 0, gate = 0, golden = 0, target = 0, board = 0;
  for (const auto& run : report.runs) {
    const bool target_failed = !run.error.empty();
    bool gate_failed = false;
    for (const auto& g : run.gates) gate_failed = gate_failed || !g.passed;
    gate_failed = gate_failed && !target_failed;
    const bool golden_failed = !target_failed && (run.golden == GoldenStatus::kMismatch ||
                                                  (require_golden && run.golden == GoldenStatus::kMissing));
    const bool board_failed = !target_failed && run.board && !run.board->fits;
    gate += gate_failed;
    golden += golden_failed;
    target += target_failed;
    board += board_failed;
    if (target_failed || gate_failed || golden_failed || board_failed) {
      ++failed;
    } else {
      ++passed;
    }
  }
  std::string line = fmt::format("qbench: {} passed", passed);
  if (failed > 0) {
    std::string kinds;
    const std::pair<size_t, const char*> counts[] = {
        {gate, "gate"}, {golden, "golden"}, {target, "target"}, {board, "board"}};
    for (const auto& [n, kind] : counts) {
      if (n > 0) kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", n, kind);
    }
    line += fmt::format(", {} failed ({})", failed, kinds);
  }
  return line + fmt::format(" in {:.1f} s", seconds);
}

void print_summary(const RunReport& report, bool require_golden, double seconds) {
  // est_cycles is a model's estimate (docs/cycle-model.md); its column says so.
  fmt::print("\n{:<16} {:<15} {:>6} {:>9} {:>8} {:>12} {:>14} {:>12} {:>9} {:>6} {:>6}  {:<10} {}\n",
             "suite", "target", "layers", "MACs", "arena_B", "insns", "est_cycles", "time_ns",
             "sqnr_dB", "top1", "label", "golden", "gates");
  for (const auto& run : report.runs) {
    if (run.rows.empty()) {
      fmt::print("{:<16} {:<15} target failed: {}\n", run.suite, run.target, run.error);
      continue;
    }
    const ReportRow& t = run.rows.back();
    fmt::print("{:<16} {:<15} {:>6} {:>9} {:>8} {:>12} {:>14} {:>12} {:>9} {:>6} {:>6}  {:<10} {}\n",
               run.suite, run.target, run.rows.size() - 1, count(t.macs), count(t.arena_bytes),
               count(t.insns), count(t.est_cycles), number(t.time_ns, "{:.0f}"), number(t.sqnr_db, "{:.1f}"),
               number(t.top1_agreement, "{:.2f}"), number(t.label_accuracy, "{:.2f}"),
               golden_status_name(run.golden), gate_text(run));
  }
  print_board_table(report);
  fmt::print("\n");
  // Each broken gate once more, with the numbers, so a CI log says why without the CSV;
  // errors, so on stderr, after the table (flushed first, for a terminal showing both).
  std::fflush(stdout);
  for (const auto& run : report.runs) {
    for (const auto& g : run.gates) {
      if (g.passed) continue;
      const bool is_minimum = g.gate.rfind("min_", 0) == 0;
      spdlog::error("gate failed: {} on {}: {} = {:.4g}, needs {} {:.4g}", run.suite, run.target, g.gate, g.value,
                    is_minimum ? ">=" : "<=", g.threshold);
    }
  }
  fmt::print("{}\n", outcome_line(report, require_golden, seconds));
  std::fflush(stdout);
}

}  // namespace qb::harness
