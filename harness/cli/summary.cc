#include "harness/cli/summary.h"

#include <cmath>
#include <string>

#include <fmt/core.h>

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

void print_summary(const RunReport& report) {
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
  // Each broken gate once more, with the numbers, so a CI log says why without the CSV.
  for (const auto& run : report.runs) {
    for (const auto& g : run.gates) {
      if (g.passed) continue;
      const bool is_minimum = g.gate.rfind("min_", 0) == 0;
      fmt::print("gate failed: {} on {}: {} = {:.4g}, needs {} {:.4g}\n", run.suite, run.target,
                 g.gate, g.value, is_minimum ? ">=" : "<=", g.threshold);
    }
  }
  fmt::print("\n");
}

}  // namespace qb::harness
