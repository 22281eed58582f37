#include "harness/compare/rules.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "harness/suite/input_error.h"
#include "harness/suite/json_input.h"

namespace qb::harness {
namespace {

bool is_bytes_metric(const std::string& name) {
  return name.size() > 6 && name.compare(name.size() - 6, 6, "_bytes") == 0;
}

std::string known_metrics_text() {
  std::string text;
  for (const auto& m : compared_metrics()) text += (text.empty() ? "" : ", ") + m.name;
  return text + ", bytes, golden";
}

// A spec for one metric; `where` prefixes the error ("--rule 'insns=x'" or "file: /rules/insns").
Rule parse_spec(const std::string& metric, const std::string& spec, const std::string& where) {
  Rule rule;
  if (spec == "off") return rule;
  if (spec == "exact") {
    rule.kind = Rule::Kind::kExact;
    return rule;
  }
  std::string number = spec;
  Rule::Kind kind = Rule::Kind::kAbsolute;
  if (!number.empty() && number.back() == '%') {
    kind = Rule::Kind::kPercent;
    number.pop_back();
  } else if (number.size() > 2 && number.compare(number.size() - 2, 2, "dB") == 0) {
    if (metric != "sqnr_db") throw InputError(where + ": dB applies to sqnr_db only, not " + metric);
    number.resize(number.size() - 2);
  }
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || errno == ERANGE || !(v >= 0) ||
      std::isinf(v)) {
    throw InputError(where + ": expected exact, off, N% or a margin >= 0" +
                     std::string(metric == "sqnr_db" ? " (e.g. 0.5dB)" : "") + ", got '" + spec + "'");
  }
  rule.kind = kind;
  rule.limit = v;
  return rule;
}

// Sets `rules[metric]` (or every *_bytes metric for "bytes").
void set_rule(const std::string& metric, const std::string& spec, const std::string& where,
              std::map<std::string, Rule>* rules, bool* goldens) {
  if (metric == "golden") {
    if (goldens == nullptr) throw InputError(where + ": golden can only be set for every suite");
    if (spec != "exact" && spec != "off") throw InputError(where + ": golden is exact or off, got '" + spec + "'");
    *goldens = spec == "exact";
    return;
  }
  if (metric == "bytes") {
    for (const auto& m : compared_metrics()) {
      if (is_bytes_metric(m.name)) (*rules)[m.name] = parse_spec(m.name, spec, where);
    }
    return;
  }
  if (find_metric(metric) == nullptr) {
    throw InputError(where + ": unknown metric '" + metric + "' (known: " + known_metrics_text() + ")");
  }
  (*rules)[metric] = parse_spec(metric, spec, where);
}

std::string format_limit(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

}  // namespace

const std::vector<MetricInfo>& compared_metrics() {
  static const std::vector<MetricInfo> metrics = {
      {"macs", Better::kSmaller, "MACs"},
      {"insns", Better::kSmaller, "instructions"},
      {"cycles", Better::kSmaller, "cycles"},
      {"est_cycles", Better::kSmaller, "modelled cycles"},
      {"est_us", Better::kSmaller, "modelled us"},
      {"time_ns", Better::kSmaller, "ns"},
      {"time_ns_iqr", Better::kSmaller, "ns"},
      {"time_ns_q1", Better::kSmaller, "ns"},
      {"time_ns_q3", Better::kSmaller, "ns"},
      {"weight_bytes", Better::kSmaller, "bytes"},
      {"bias_bytes", Better::kSmaller, "bytes"},
      {"quant_param_bytes", Better::kSmaller, "bytes"},
      {"activation_bytes", Better::kSmaller, "bytes"},
      {"arena_bytes", Better::kSmaller, "bytes"},
      {"flash_bytes", Better::kSmaller, "bytes"},
      {"ram_bytes", Better::kSmaller, "bytes"},
      {"stack_bytes", Better::kSmaller, "bytes"},
      {"harness_flash_bytes", Better::kSmaller, "bytes"},
      {"harness_ram_bytes", Better::kSmaller, "bytes"},
      {"flash_used_pct", Better::kSmaller, "% of the board's flash"},
      {"ram_used_pct", Better::kSmaller, "% of the board's RAM"},
      {"fits", Better::kBigger, "1 = fits the board"},
      {"sqnr_db", Better::kBigger, "dB"},
      {"max_abs_err", Better::kSmaller, "real units"},
      {"err_pct_range", Better::kSmaller, "% of range"},
      {"local_sqnr_db", Better::kBigger, "dB"},
      {"clip_pct", Better::kSmaller, "% of float outputs"},
      {"range_used_pct", Better::kBigger, "% of the int8 output range"},
      {"weight_sqnr_db", Better::kBigger, "dB"},
      {"weight_range_spread", Better::kSmaller, "max / median channel range"},
      {"top1_agreement", Better::kBigger, "fraction"},
      {"label_accuracy", Better::kBigger, "fraction"},
  };
  return metrics;
}

const MetricInfo* find_metric(const std::string& name) {
  for (const auto& m : compared_metrics()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::string Rule::spec() const {
  switch (kind) {
    case Kind::kOff: return "off";
    case Kind::kExact: return "exact";
    case Kind::kPercent: return format_limit(limit) + "%";
    case Kind::kAbsolute: return format_limit(limit);
  }
  return "?";
}

const Rule& RuleSet::rule_for(const std::string& suite, const std::string& metric) const {
  static const Rule off;
  if (const auto s = suites.find(suite); s != suites.end()) {
    if (const auto r = s->second.find(metric); r != s->second.end()) return r->second;
  }
  const auto r = rules.find(metric);
  return r == rules.end() ? off : r->second;
}

RuleSet default_rules() {
  RuleSet set;
  auto& r = set.rules;
  const Rule exact{Rule::Kind::kExact, 0.0};
  // Instruction counts under QEMU and every byte count are deterministic: any change is
  // either a bug or a deliberate change that comes with a baseline update.
  for (const auto& m : compared_metrics()) {
    if (is_bytes_metric(m.name)) r[m.name] = exact;
  }
  r["macs"] = exact;
  r["insns"] = exact;
  r["est_cycles"] = exact;
  // A real cycle counter jitters with caches and flash wait states.
  r["cycles"] = {Rule::Kind::kPercent, 5.0};
  // Wall time is noise-bound: only a loose, one-sided tolerance makes sense.
  r["time_ns"] = {Rule::Kind::kPercent, 20.0};
  r["time_ns_iqr"] = {};  // a spread, not a cost
  // The whisker's ends: time_ns, the median, is the figure compared; an older report
  // has no quartiles at all.
  r["time_ns_q1"] = {};
  r["time_ns_q3"] = {};
  // Error figures are deterministic too; the margins only absorb the CSV's six significant
  // digits and last-bit differences of the float reference between compilers.
  r["sqnr_db"] = {Rule::Kind::kAbsolute, 0.01};
  r["max_abs_err"] = {Rule::Kind::kAbsolute, 0.001};
  r["err_pct_range"] = {Rule::Kind::kAbsolute, 0.01};
  r["local_sqnr_db"] = {Rule::Kind::kAbsolute, 0.01};
  r["clip_pct"] = {Rule::Kind::kAbsolute, 0.001};
  r["range_used_pct"] = {Rule::Kind::kAbsolute, 0.001};
  r["weight_sqnr_db"] = {Rule::Kind::kAbsolute, 0.01};
  r["weight_range_spread"] = {Rule::Kind::kAbsolute, 0.001};
  r["top1_agreement"] = {Rule::Kind::kAbsolute, 0.0};
  r["label_accuracy"] = {Rule::Kind::kAbsolute, 0.0};
  return set;
}

void apply_rule_override(const std::string& text, const std::string& source, RuleSet* rules) {
  const std::string where = source + " '" + text + "'";
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw InputError(where + ": expected METRIC=SPEC, e.g. insns=exact, time_ns=25%, sqnr_db=0.5dB");
  }
  const std::string metric = text.substr(0, eq), spec = text.substr(eq + 1);
  set_rule(metric, spec, where, &rules->rules, &rules->goldens);
  // The command line has the last word, over the rules file's suite sections too.
  for (auto& [suite, overrides] : rules->suites) {
    for (auto it = overrides.begin(); it != overrides.end();) {
      const bool covered = it->first == metric || (metric == "bytes" && is_bytes_metric(it->first));
      it = covered ? overrides.erase(it) : std::next(it);
    }
  }
}

void load_rules_file(const std::string& file, RuleSet* rules) {
  // Bounded, regular files only, strict JSON: the same reader as suites.
  const nlohmann::json doc = json_input::parse_text(json_input::read_text_file(file, file), file);
  if (!doc.is_object()) throw InputError(file, "", "expected an object with \"rules\" and/or \"suites\"");
  auto read_section = [&](const nlohmann::json& section, const std::string& path,
                          std::map<std::string, Rule>* out, bool* goldens) {
    if (!section.is_object()) throw InputError(file, path, "expected an object of METRIC: SPEC, got " + section.dump());
    for (const auto& [metric, spec] : section.items()) {
      const std::string where = file + ": " + path + "/" + metric;
      if (!spec.is_string()) throw InputError(where + ": expected a string such as \"exact\", \"25%\" or \"0.5dB\", got " + spec.dump());
      set_rule(metric, spec.get<std::string>(), where, out, goldens);
    }
  };
  for (const auto& [key, value] : doc.items()) {
    if (key == "why") continue;  // a human note on why the rules are what they are
    if (key == "rules") {
      read_section(value, "/rules", &rules->rules, &rules->goldens);
    } else if (key == "suites") {
      if (!value.is_object()) throw InputError(file, "/suites", "expected an object of SUITE: {METRIC: SPEC}");
      for (const auto& [suite, section] : value.items()) {
        read_section(section, "/suites/" + suite, &rules->suites[suite], nullptr);
      }
    } else if (key == "min_repetitions") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1) {
        throw InputError(file, "/min_repetitions", "expected an integer >= 1, got " + value.dump());
      }
      rules->min_repetitions = value.get<int32_t>();
    } else {
      throw InputError(file, "/" + key, "unknown key (expected rules, suites, min_repetitions or why)");
    }
  }
  rules->source = file;
}

std::string describe_rules(const RuleSet& set) {
  std::string text;
  auto add = [&](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
  // Byte columns share one rule unless someone split them.
  std::string bytes_spec;
  bool bytes_same = true;
  for (const auto& m : compared_metrics()) {
    if (!is_bytes_metric(m.name)) continue;
    const std::string s = set.rule_for("", m.name).spec();
    if (bytes_spec.empty()) bytes_spec = s;
    else if (s != bytes_spec) bytes_same = false;
  }
  for (const auto& m : compared_metrics()) {
    if (is_bytes_metric(m.name) && bytes_same) continue;
    const Rule& r = set.rule_for("", m.name);
    std::string part = m.name + " " + r.spec();
    if (m.name == "sqnr_db" && r.kind == Rule::Kind::kAbsolute) part += " dB";
    if (m.name == "time_ns" && r.kind != Rule::Kind::kOff) {
      part += " (>= " + std::to_string(set.min_repetitions) + " repetitions)";
    }
    add(part);
    if (m.name == "time_ns_q3" && bytes_same) add("*_bytes " + bytes_spec);
  }
  add(std::string("golden ") + (set.goldens ? "exact" : "off"));
  for (const auto& [suite, overrides] : set.suites) {
    for (const auto& [metric, rule] : overrides) add(suite + ":" + metric + " " + rule.spec());
  }
  return text;
}

}  // namespace qb::harness
