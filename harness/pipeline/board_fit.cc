#include "harness/pipeline/board_fit.h"

#include <cstdio>

namespace qb::harness {

std::string format_kib(int64_t bytes) {
  const bool mib = bytes >= 1024 * 1024;
  const double value = static_cast<double>(bytes) / (mib ? 1024.0 * 1024.0 : 1024.0);
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  std::string s = text;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s + (mib ? " MiB" : " KiB");
}

void assess_board(const std::string& board_name, const BoardSpec& board, SuiteTargetRun* run) {
  if (run->rows.empty() || !run->error.empty()) return;
  // est_us = est_cycles / clock: an estimate of an estimate, labelled so wherever it shows.
  for (ReportRow& row : run->rows) {
    if (row.est_cycles) row.est_us = static_cast<double>(*row.est_cycles) * 1e6 / static_cast<double>(board.clock_hz);
  }
  ReportRow& total = run->rows.back();
  if (!total.flash_bytes || !total.ram_bytes) return;

  BoardVerdict v;
  v.board = board_name;
  v.part = board.part;
  v.core = board.core;
  v.flash_budget = board.flash_bytes;
  v.ram_budget = board.ram_bytes;
  v.clock_hz = board.clock_hz;
  v.flash_needed = *total.flash_bytes;
  v.ram_needed = *total.ram_bytes;
  const bool flash_fits = v.flash_needed <= v.flash_budget;
  const bool ram_fits = v.ram_needed <= v.ram_budget;
  v.fits = flash_fits && ram_fits;
  auto over = [](const char* what, int64_t needed, int64_t available) {
    return std::string(what) + " " + format_kib(needed) + " needed, " + format_kib(available) + " available";
  };
  if (!flash_fits) v.why = over("flash", v.flash_needed, v.flash_budget);
  if (!ram_fits) v.why += (v.why.empty() ? "" : "; ") + over("RAM", v.ram_needed, v.ram_budget);

  total.flash_used_pct = 100.0 * static_cast<double>(v.flash_needed) / static_cast<double>(v.flash_budget);
  total.ram_used_pct = 100.0 * static_cast<double>(v.ram_needed) / static_cast<double>(v.ram_budget);
  total.fits = v.fits ? 1 : 0;
  run->board = v;
}

}  // namespace qb::harness
