#include "harness/cli/gating_commands.h"

namespace qb::harness {

GatingCommands::GatingCommands(CLI::App& app) {
  compare_ = app.add_subcommand(
      "compare",
      "Compare a report with a baseline row by row (suite, target, layer); exit 1 when a rule is broken.\n"
      "Default rules: insns, est_cycles, macs and every *_bytes exact (any change fails; a deliberate change "
      "comes with `qbench baseline update`); cycles 5%; time_ns 20% and only when both reports have >= 5 "
      "repetitions; sqnr_db may drop 0.01 dB; max_abs_err +0.001, err_pct_range +0.01; top1_agreement and "
      "label_accuracy may not drop; goldens (per-layer output CRC-32, golden status) byte for byte.\n"
      "reports/baseline/rules.json turns time_ns off against the committed baseline: it was recorded on "
      "another machine, and host wall time on a shared 2-core VM moves by 20-80% between back-to-back runs. CI gates "
      "instructions, bytes, error and goldens exactly and host time not at all.");
  compare_->add_option("baseline", compare_options_.baseline, "Baseline: a report folder, report.json or report.csv")
      ->required();
  compare_->add_option("current", compare_options_.current, "Current: a report folder, report.json or report.csv")
      ->required();
  add_rule_options(compare_, &compare_options_.rules);

  auto* baseline = app.add_subcommand("baseline", "Manage the committed baselines under reports/baseline/");
  baseline->require_subcommand(1);
  baseline_update_ = baseline->add_subcommand(
      "update",
      "Update reports/baseline/report.{json,csv} from a run of the ci preset (or --from DIR), refusing a run "
      "whose gates, goldens or targets failed. The run's (suite, target) pairs replace the baseline's and every "
      "other pair is kept, so a run of one suite updates that suite only; --replace makes the baseline the run "
      "and drops the pairs it does not hold. A baseline that does not load (e.g. an older column set) is "
      "replaced only with --replace; one that lacks only later columns (time_ns_q1/time_ns_q3, "
      "local_sqnr_db, clip_pct, range_used_pct, weight_sqnr_db, weight_range_spread) merges, "
      "with them empty in the pairs it keeps. rules.json is kept.");
  baseline_update_->add_option("--from", baseline_options_.from,
                               "Adopt this finished run's report folder instead of running the preset");
  baseline_update_->add_option("--preset", baseline_options_.preset, "Preset to run")->capture_default_str();
  baseline_update_->add_option("--repetitions", baseline_options_.repetitions, "Timing repetitions of the run")
      ->check(CLI::Range(1, 100000))->capture_default_str();
  baseline_update_->add_flag("--replace", baseline_options_.replace,
                             "Replace the whole baseline with the run, dropping every (suite, target) pair it "
                             "does not hold (default: merge the run's pairs in, keep the others)");

  export_ = app.add_subcommand(
      "export",
      "Write the per-suite TOTAL figures (insns, time_ns, bytes) as github-action-benchmark "
      "customSmallerIsBetter JSON and Bencher Metric Format (BMF) JSON");
  export_->add_option("report", export_options_.report, "A report folder, report.json or report.csv")->required();
  export_->add_option("--github", export_options_.github_file, "Output file (default REPORT_DIR/benchmark-github.json)");
  export_->add_option("--bencher", export_options_.bencher_file, "Output file (default REPORT_DIR/benchmark-bencher.json)");

  report_ = app.add_subcommand(
      "report",
      "Write DIR/report.html: one self-contained page (no network) with the summary, the comparison "
      "against reports/baseline (or --baseline) and the plots of scripts/plot_report.py (needs "
      "/usr/bin/python3 with matplotlib, exit 3 without). Exit 0 once written, whatever the comparison says.");
  report_->add_option("dir", report_options_.report_dir, "Report folder (from qbench run --out DIR)")->required();
  report_->add_option("--baseline", report_options_.baseline, "Baseline report folder or file (default reports/baseline)");
  report_->add_option("--history", report_options_.history,
                      "Folder of earlier report folders: adds the trend plot (TOTAL insns / time_ns per suite and target)");
  report_->add_option("--out", report_options_.out, "Page file (default DIR/report.html)");
  add_rule_options(report_, &report_options_.rules);
}

std::optional<int> GatingCommands::run(const Paths& paths) const {
  if (*compare_) return compare_command(compare_options_);
  if (*baseline_update_) {
    return baseline_update_command(baseline_options_, paths);
  }
  if (*export_) return export_command(export_options_);
  if (*report_) return report_page_command(report_options_, paths);
  return std::nullopt;
}

}  // namespace qb::harness
