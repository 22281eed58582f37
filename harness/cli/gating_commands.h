// The commands that read reports back: compare, baseline update, export and report.
// main() creates one of these before parsing and asks it to run after.
#pragma once

#include <optional>

#include <CLI/CLI.hpp>

#include "harness/cli/baseline_command.h"
#include "harness/cli/compare_command.h"
#include "harness/cli/export_command.h"
#include "harness/cli/paths.h"
#include "harness/cli/report_command.h"

namespace qb::harness {

class GatingCommands {
 public:
  explicit GatingCommands(CLI::App& app);
  // The exit code of the command that was given, or nothing when none of these was.
  std::optional<int> run(const Paths& paths) const;

 private:
  CLI::App* compare_ = nullptr;
  CLI::App* baseline_update_ = nullptr;
  CLI::App* export_ = nullptr;
  CLI::App* report_ = nullptr;
  CompareOptions compare_options_;
  BaselineOptions baseline_options_;
  ExportOptions export_options_;
  ReportPageOptions report_options_;
};

}  // namespace qb::harness
