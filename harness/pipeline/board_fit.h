// A (suite, board) run held against the board's datasheet (targets.json /boards): does the
// model fit the part's flash and RAM, and how long would one inference take at its clock.
#pragma once

#include <string>

#include "harness/report/run_report.h"
#include "harness/targets/target.h"

namespace qb::harness {

// Sets run->board (the verdict, from the TOTAL row's deployable flash_bytes and ram_bytes),
// the TOTAL row's flash_used_pct, ram_used_pct and fits, and every row's est_us (est_cycles
// at the board's clock). A run that failed (no rows) gets nothing.
void assess_board(const std::string& board_name, const BoardSpec& board, SuiteTargetRun* run);

// "71.2 KiB", "20 KiB", "1.5 MiB": a byte count as a reader compares it with a datasheet.
std::string format_kib(int64_t bytes);

}  // namespace qb::harness
