#include "harness/compare/compare_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include <fmt/core.h>

namespace qb::harness {
namespace {

std::string describe(const LoadedReport& r) {
  std::string text = r.file;
  if (r.from_json) {
    text += fmt::format(" (git {}, {}, {} repetitions)", r.git_sha.substr(0, 12) +
                        (r.git_sha.find("+dirty") != std::string::npos ? "+dirty" : ""),
                        r.date_utc, r.repetitions.value_or(0));
  } else {
    text += " (CSV: no provenance)";
  }
  return text;
}

std::string delta_text(const Finding& f) {
  if (!f.old_value || !f.new_value) return "-";
  const double d = *f.new_value - *f.old_value;
  if (!std::isfinite(d)) return d > 0 ? "+inf" : "-inf";
  const std::string v = format_figure(std::fabs(d));
  return (d >= 0 ? "+" : "-") + v;
}

std::string ratio_text(const Finding& f) {
  if (!f.ratio) return "-";
  // A one-instruction change in a million still has to show as a change.
  const double r = *f.ratio;
  if (std::fabs(r - 1.0) < 5e-4) return fmt::format("{:.6f}", r);
  return fmt::format("{:.3f}", r);
}

}  // namespace

std::vector<std::string> group_rows(const std::vector<RowKey>& keys, const LoadedReport& source) {
  std::map<std::pair<std::string, std::string>, size_t> in_source, listed;
  for (const auto& row : source.rows) ++in_source[{row.key.suite, row.key.target}];
  for (const auto& k : keys) ++listed[{k.suite, k.target}];
  std::vector<std::string> lines;
  std::map<std::pair<std::string, std::string>, bool> done;
  for (const auto& k : keys) {
    const auto pair = std::make_pair(k.suite, k.target);
    if (listed[pair] == in_source[pair] && listed[pair] > 1) {
      if (!done[pair]) lines.push_back(fmt::format("{} on {}: all {} rows", k.suite, k.target, listed[pair]));
      done[pair] = true;
    } else {
      lines.push_back(fmt::format("{} on {}: {}", k.suite, k.target, k.layer));
    }
  }
  return lines;
}

std::string verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kBroken: return "BROKEN";
    case Verdict::kWorse: return "worse";
    case Verdict::kBetter: return "better";
    case Verdict::kNewValue: return "new";
  }
  return "?";
}

std::string format_comparison(const Comparison& c, const LoadedReport& baseline,
                              const LoadedReport& current, const RuleSet& rules) {
  std::string out;
  out += "baseline: " + describe(baseline) + "\n";
  out += "current:  " + describe(current) + "\n";
  out += "rules:    " + describe_rules(rules) + "\n";
  if (!rules.source.empty()) out += "          (from " + rules.source + ", then --rule)\n";

  if (c.findings.empty()) {
    out += "\nnothing moved\n";
  } else {
    const std::vector<std::string> header = {"suite", "target", "layer", "metric", "old", "new",
                                             "delta", "ratio", "rule", "verdict"};
    std::vector<std::vector<std::string>> table;
    for (const auto& f : c.findings) {
      std::string verdict = verdict_name(f.verdict);
      if (!f.why.empty() && f.verdict == Verdict::kBroken) verdict += ": " + f.why;
      table.push_back({f.key.suite, f.key.target, f.key.layer, f.metric, f.old_text, f.new_text,
                       delta_text(f), ratio_text(f), f.rule, verdict});
    }
    std::vector<size_t> width(header.size());
    for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
    for (const auto& row : table) {
      for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    }
    // Text columns left, figures right, the verdict last and unpadded.
    auto line = [&](const std::vector<std::string>& row) {
      std::string text;
      for (size_t i = 0; i < row.size(); ++i) {
        const bool figure = i >= 4 && i <= 7;
        if (i + 1 == row.size()) text += row[i];
        else if (figure) text += fmt::format("{:>{}}  ", row[i], width[i]);
        else text += fmt::format("{:<{}}  ", row[i], width[i]);
      }
      return text + "\n";
    };
    out += "\n";
    out += line(header);
    for (const auto& row : table) out += line(row);
  }
  if (!c.vanished_rows.empty()) {
    out += "\nvanished rows (failing: in the baseline, not in the current report):\n";
    for (const auto& l : group_rows(c.vanished_rows, baseline)) out += "  " + l + "\n";
  }
  if (!c.new_rows.empty()) {
    out += "\nnew rows (reported, not failing: `qbench baseline update` adopts them):\n";
    for (const auto& l : group_rows(c.new_rows, current)) out += "  " + l + "\n";
  }
  if (!c.notes.empty()) {
    out += "\nnotes:\n";
    for (const auto& n : c.notes) out += "  " + n + "\n";
  }
  size_t broken = 0, worse = 0, better = 0;
  for (const auto& f : c.findings) {
    broken += f.verdict == Verdict::kBroken;
    worse += f.verdict == Verdict::kWorse;
    better += f.verdict == Verdict::kBetter;
  }
  out += fmt::format(
      "\ncompare: {} ({} broken rule(s), {} vanished row(s), {} new row(s); {} worse within rules, "
      "{} better; {} rows matched, {} of {} figures unchanged)\n",
      c.broken() ? "FAILED" : "ok", broken, c.vanished_rows.size(), c.new_rows.size(), worse, better,
      c.rows_matched, c.figures_unchanged, c.figures_compared);
  return out;
}

}  // namespace qb::harness
