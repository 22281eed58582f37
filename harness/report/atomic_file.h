// Writing report files so that a failed or interrupted run never leaves half a file:
// write beside the destination, flush it to disk, then rename over it. An interrupt
// (harness/targets/interrupts.h) waits for a write under way to finish.
#pragma once

#include <string>

namespace qb::harness {

// Creates parent folders as needed. Throws std::runtime_error naming the path on failure.
void write_file_atomically(const std::string& path, const std::string& contents);

// report.csv and report.json of one run, written into `dir` so that nobody ever finds the
// two from different runs side by side, whatever stops the writing (a kill, a full disk).
//
// Why not one rename per file: a stop between the two renames leaves a new CSV beside an
// old JSON. Why not a fresh folder swapped in: --out holds more than the pair
// (report.html, plots, dashboard JSON, a baseline's rules.json), and a folder cannot be
// replaced by rename while it is not empty. So report.json is the commit mark: both
// files are written in full beside their destinations first (nothing changes if either
// fails), then the old report.json is removed, report.csv renamed into place, and
// report.json renamed last. At every moment the folder holds the old pair, a CSV alone
// (old or new), or the new pair: where both files are present they come from one run.
// Temporary files of a qbench that died before renaming (report.*.tmp.<pid> of a process
// that no longer exists) are removed. Throws std::runtime_error naming the path.
void write_report_pair(const std::string& dir, const std::string& csv, const std::string& json);

}  // namespace qb::harness
