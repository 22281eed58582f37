#include "harness/compare/comparison.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace qb::harness {
namespace {

bool integral(double v) { return std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.0e15; }

// Equal as far as the reports can tell: counts exactly, other figures at the CSV's six
// significant digits (a CSV baseline against a JSON run must not differ in the 7th digit).
bool same_figure(double a, double b) {
  if (a == b) return true;
  if (integral(a) && integral(b)) return false;
  char ta[32], tb[32];
  std::snprintf(ta, sizeof ta, "%.6g", a);
  std::snprintf(tb, sizeof tb, "%.6g", b);
  return std::string(ta) == tb;
}

std::string rule_text(const std::string& metric, const Rule& rule) {
  std::string text = rule.spec();
  if (metric == "sqnr_db" && rule.kind == Rule::Kind::kAbsolute) text += " dB";
  return text;
}

std::string percent_text(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%+.3g%%", fraction * 100.0);
  return text;
}

// Judges one moved figure against its rule.
void judge(const MetricInfo& metric, const Rule& rule, double old_v, double new_v, Finding* f) {
  const double delta = new_v - old_v;
  const bool worse = metric.better == Better::kSmaller ? delta > 0 : delta < 0;
  const double worse_by = std::fabs(delta);  // inf when SQNR leaves or reaches "exact"
  f->verdict = worse ? Verdict::kWorse : Verdict::kBetter;
  switch (rule.kind) {
    case Rule::Kind::kOff:
      return;
    case Rule::Kind::kExact:
      f->verdict = Verdict::kBroken;
      f->why = worse ? "worse, and the rule is exact" : "better, but the rule is exact: update the baseline";
      return;
    case Rule::Kind::kPercent: {
      if (!worse) return;
      const double allowed = std::fabs(old_v) * rule.limit / 100.0;
      if (worse_by > allowed) {
        f->verdict = Verdict::kBroken;
        f->why = (old_v != 0 && std::isfinite(old_v) ? percent_text(worse_by / std::fabs(old_v)) : std::string("worse")) +
                 " > " + rule.spec();
      }
      return;
    }
    case Rule::Kind::kAbsolute: {
      if (!worse) return;
      if (worse_by > rule.limit) {
        f->verdict = Verdict::kBroken;
        char text[64];
        std::snprintf(text, sizeof text, "%s by %.4g > %g%s",
                      metric.better == Better::kBigger ? "dropped" : "grew", worse_by, rule.limit,
                      metric.name == "sqnr_db" ? " dB" : "");
        f->why = text;
      }
      return;
    }
  }
}

bool time_is_gated(const LoadedReport& baseline, const LoadedReport& current, const RuleSet& rules,
                   std::vector<std::string>* notes) {
  const Rule& rule = rules.rule_for("", "time_ns");
  bool any_suite_on = rule.kind != Rule::Kind::kOff;
  for (const auto& [suite, overrides] : rules.suites) {
    if (auto it = overrides.find("time_ns"); it != overrides.end() && it->second.kind != Rule::Kind::kOff) any_suite_on = true;
  }
  if (!any_suite_on) {
    notes->push_back("time_ns not compared: its rule is off" +
                     (rules.source.empty() ? std::string() : " (see " + rules.source + " and --rule)"));
    return false;
  }
  for (const LoadedReport* r : {&baseline, &current}) {
    if (!r->repetitions) {
      notes->push_back("time_ns not gated: " + r->file + " records no repetition count (give report.json)");
      return false;
    }
    if (*r->repetitions < rules.min_repetitions) {
      notes->push_back("time_ns not gated: " + r->file + " has " + std::to_string(*r->repetitions) +
                       " repetition(s), the rule needs >= " + std::to_string(rules.min_repetitions));
      return false;
    }
  }
  return true;
}

}  // namespace

std::string format_figure(const std::optional<double>& v) {
  if (!v) return "-";
  if (std::isinf(*v)) return *v > 0 ? "inf" : "-inf";
  char text[40];
  if (integral(*v)) std::snprintf(text, sizeof text, "%.0f", *v);
  else std::snprintf(text, sizeof text, "%.6g", *v);
  return text;
}

size_t Comparison::broken() const {
  size_t n = vanished_rows.size();
  for (const auto& f : findings) n += f.verdict == Verdict::kBroken ? 1 : 0;
  return n;
}

Comparison compare_reports(const LoadedReport& baseline, const LoadedReport& current,
                           const RuleSet& rules) {
  Comparison c;
  const bool time_gated = time_is_gated(baseline, current, rules, &c.notes);
  const bool crcs = rules.goldens && baseline.from_json && current.from_json;
  if (rules.goldens && !crcs) {
    c.notes.push_back("goldens not compared: a report.csv carries no layer checksums or golden status (give report.json)");
  }

  std::map<RowKey, size_t> order;  // baseline position, for a stable table
  for (size_t i = 0; i < baseline.rows.size(); ++i) order[baseline.rows[i].key] = i;
  size_t crcs_missing = 0;

  for (const auto& old_row : baseline.rows) {
    const LoadedRow* new_row = current.find(old_row.key);
    if (new_row == nullptr) {
      c.vanished_rows.push_back(old_row.key);
      continue;
    }
    ++c.rows_matched;
    for (const auto& metric : compared_metrics()) {
      const Rule& rule = rules.rule_for(old_row.key.suite, metric.name);
      if (rule.kind == Rule::Kind::kOff) continue;
      if (metric.name == "time_ns" && !time_gated) continue;
      const auto old_v = old_row.value(metric.name), new_v = new_row->value(metric.name);
      if (!old_v && !new_v) continue;
      ++c.figures_compared;
      Finding f;
      f.key = old_row.key;
      f.metric = metric.name;
      f.old_value = old_v;
      f.new_value = new_v;
      f.old_text = format_figure(old_v);
      f.new_text = format_figure(new_v);
      f.rule = rule_text(metric.name, rule);
      if (old_v && !new_v) {
        f.verdict = Verdict::kBroken;
        f.why = "value vanished";
      } else if (!old_v && new_v) {
        f.verdict = Verdict::kNewValue;
        f.why = "new value";
      } else if (same_figure(*old_v, *new_v)) {
        ++c.figures_unchanged;
        continue;
      } else {
        if (*old_v != 0 && std::isfinite(*old_v) && std::isfinite(*new_v)) f.ratio = *new_v / *old_v;
        judge(metric, rule, *old_v, *new_v, &f);
      }
      c.findings.push_back(std::move(f));
    }
    if (crcs && old_row.layer_index && (old_row.output_crc32.empty() || new_row->output_crc32.empty())) {
      ++crcs_missing;
    } else if (crcs && !old_row.output_crc32.empty() && !new_row->output_crc32.empty()) {
      ++c.figures_compared;
      if (old_row.output_crc32 == new_row->output_crc32) {
        ++c.figures_unchanged;
      } else {
        Finding f;
        f.key = old_row.key;
        f.metric = "output_crc32";
        f.old_text = old_row.output_crc32;
        f.new_text = new_row->output_crc32;
        f.rule = "byte for byte";
        f.verdict = Verdict::kBroken;
        f.why = "int8 output bytes differ from the baseline's";
        c.findings.push_back(std::move(f));
      }
    }
  }
  for (const auto& row : current.rows) {
    if (!order.count(row.key)) c.new_rows.push_back(row.key);
  }
  if (crcs_missing > 0) {
    c.notes.push_back(std::to_string(crcs_missing) + " layer(s) without output_crc32 in one of the reports (an older " +
                      "qbench): their output bytes were not compared");
  }

  // A failed target's rows show up as vanished; say why next to them.
  for (const auto& run : current.runs) {
    if (!run.error.empty()) c.notes.push_back(run.suite + " on " + run.target + ": target failed: " + run.error);
  }
  // A golden file that no longer matches fails even where the checksums could not be compared.
  if (crcs) {
    for (const auto& run : current.runs) {
      const LoadedRun* old_run = baseline.find_run(run.suite, run.target);
      if (!old_run || run.golden == old_run->golden) continue;
      Finding f;
      f.key = {run.suite, run.target, "TOTAL"};
      f.metric = "golden";
      f.old_text = old_run->golden;
      f.new_text = run.golden;
      f.rule = "byte for byte";
      f.verdict = run.golden == "mismatch" ? Verdict::kBroken : Verdict::kWorse;
      f.why = run.golden == "mismatch" ? "golden file differs" : "golden status changed";
      c.findings.push_back(std::move(f));
    }
  }

  auto position = [&](const Finding& f) {
    const auto it = order.find(f.key);
    return it == order.end() ? order.size() : it->second;
  };
  std::stable_sort(c.findings.begin(), c.findings.end(), [&](const Finding& a, const Finding& b) {
    const bool ab = a.verdict == Verdict::kBroken, bb = b.verdict == Verdict::kBroken;
    if (ab != bb) return ab;
    return position(a) < position(b);
  });
  return c;
}

}  // namespace qb::harness
