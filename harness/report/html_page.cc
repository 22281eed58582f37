#include "harness/report/html_page.h"

#include <cctype>
#include <cmath>
#include <set>

#include <fmt/core.h>

#include "harness/compare/compare_table.h"
#include "harness/report/base64.h"

namespace qb::harness {
namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Ids and classes from suite names: letters, digits, '-' and '_' only.
std::string slug(const std::string& text) {
  std::string out;
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return out;
}

std::string figure(const std::optional<double>& v, const char* format = nullptr) {
  if (!v) return "&ndash;";
  if (std::isinf(*v)) return *v > 0 ? "exact" : "-inf";
  if (format) return fmt::format(fmt::runtime(format), *v);
  return escape(format_figure(v));
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1400px;padding:0 1em;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
.prov{color:#555;font-size:.9em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3;white-space:normal;vertical-align:bottom}
.scroll{overflow-x:auto}
tr.broken td{background:#fde2e2} tr.worse td{background:#fff6d6} tr.better td{background:#e3f6e3}
.ok{color:#17702a;font-weight:bold} .fail{color:#b00020;font-weight:bold}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#555;font-size:.9em}
.note{color:#555} pre{background:#f7f7f7;padding:.6em;overflow-x:auto}
)";

// Hides the rows that are within their rules when asked; the only script on the page.
constexpr const char* kScript = R"(
(function () {
  var box = document.getElementById('only-broken');
  if (box) {
    box.addEventListener('change', function () {
      var rows = document.querySelectorAll('#comparison tbody tr');
      for (var i = 0; i < rows.length; ++i) {
        rows[i].hidden = box.checked && !rows[i].classList.contains('broken');
      }
    });
  }
  document.body.setAttribute('data-ready', '1');
})();
)";

// The (suite, board) pairs, from their TOTAL rows: the deployable bytes and the share of
// the board's they take, est_us at the board's clock, and the verdict. Empty without boards.
std::string board_table(const LoadedReport& r) {
  std::string body;
  for (const auto& row : r.rows) {
    if (row.key.layer != "TOTAL" || row.layer_index || !row.value("fits")) continue;
    const bool fits = *row.value("fits") >= 1.0;
    body += fmt::format(
        "<tr class=\"{}\"><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
        fits ? "" : "broken", escape(row.key.suite), escape(row.key.target), figure(row.value("flash_bytes")),
        figure(row.value("flash_used_pct"), "{:.1f}"), figure(row.value("ram_bytes")),
        figure(row.value("ram_used_pct"), "{:.1f}"), figure(row.value("est_us"), "{:.0f}"),
        fits ? "<span class=\"ok\">fits</span>" : "<span class=\"fail\">does not fit</span>");
  }
  if (body.empty()) return "";
  return "<h2 id=\"boards\">Boards</h2>\n<p class=\"note\">flash: the application's code plus the model file; "
         "RAM: its static data, the arena and the stack high-water mark (the test harness's share is apart, in "
         "harness_flash_bytes and harness_ram_bytes); percentages of the board's datasheet figures. est_us is "
         "est_cycles at the board's clock: an estimate, never a measurement.</p>\n"
         "<div class=\"scroll\"><table id=\"boards-table\"><thead><tr><th>suite</th><th>board</th>"
         "<th>flash (bytes)</th><th>flash used (%)</th><th>RAM (bytes)</th><th>RAM used (%)</th>"
         "<th>est_us (model)</th><th>verdict</th></tr></thead><tbody>\n" +
         body + "</tbody></table></div>\n";
}

std::string summary_table(const LoadedReport& r) {
  std::string out =
      "<div class=\"scroll\"><table id=\"summary\"><thead><tr><th>suite</th><th>target</th><th>layers</th><th>MACs</th>"
      "<th>arena (bytes)</th><th>insns (instructions)</th><th>est_cycles (model)</th><th>time (ns)</th><th>SQNR (dB)</th>"
      "<th>top-1 agreement</th><th>label accuracy</th><th>golden</th><th>gates</th></tr></thead><tbody>\n";
  for (const auto& row : r.rows) {
    if (row.key.layer != "TOTAL" || row.layer_index) continue;
    size_t layers = 0;
    for (const auto& other : r.rows) {
      layers += other.key.suite == row.key.suite && other.key.target == row.key.target && other.layer_index ? 1 : 0;
    }
    const LoadedRun* run = r.find_run(row.key.suite, row.key.target);
    std::string golden = "&ndash;", gates = "&ndash;";
    if (run) {
      golden = fmt::format("<span class=\"{}\">{}</span>", run->golden == "mismatch" ? "fail" : "", escape(run->golden));
      if (run->failed_gates.empty()) {
        gates = fmt::format("<span class=\"ok\">{} ok</span>", run->gates);
      } else {
        std::string names;
        for (const auto& g : run->failed_gates) names += (names.empty() ? "" : ", ") + g;
        gates = "<span class=\"fail\">FAIL " + escape(names) + "</span>";
      }
    }
    out += fmt::format(
        "<tr data-suite=\"{}\"><td><a href=\"#suite-{}\">{}</a></td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
        escape(row.key.suite), slug(row.key.suite), escape(row.key.suite), escape(row.key.target), layers,
        figure(row.value("macs")), figure(row.value("arena_bytes")), figure(row.value("insns")),
        figure(row.value("est_cycles")), figure(row.value("time_ns"), "{:.0f}"), figure(row.value("sqnr_db"), "{:.1f}"),
        figure(row.value("top1_agreement"), "{:.2f}"), figure(row.value("label_accuracy"), "{:.2f}"),
        golden, gates);
  }
  for (const auto& run : r.runs) {
    if (!run.error.empty()) {
      out += fmt::format("<tr class=\"broken\"><td>{}</td><td>{}</td><td colspan=\"11\">target failed: {}</td></tr>\n",
                         escape(run.suite), escape(run.target), escape(run.error));
    }
  }
  return out + "</tbody></table></div>\n";
}

std::string comparison_section(const PageInput& in) {
  std::string out = "<h2 id=\"baseline\">Against the baseline</h2>\n";
  if (in.comparison == nullptr) {
    return out + "<p class=\"note\">" + escape(in.no_baseline) + "</p>\n";
  }
  const Comparison& c = *in.comparison;
  out += fmt::format("<p>Baseline <code>{}</code> ({}), current <code>{}</code>. Result: {}.</p>\n",
                     escape(in.baseline->file), escape(in.baseline->date_utc), escape(in.report->file),
                     c.broken() ? fmt::format("<span class=\"fail\">FAILED: {} broken</span>", c.broken())
                                : std::string("<span class=\"ok\">ok</span>"));
  out += "<p class=\"note\">Rules: " + escape(describe_rules(*in.rules)) + "</p>\n";
  if (c.findings.empty()) {
    out += fmt::format("<p>Nothing moved: {} rows matched, {} figures compared.</p>\n", c.rows_matched,
                       c.figures_compared);
  } else {
    out += "<label><input type=\"checkbox\" id=\"only-broken\"> only broken rules</label>\n";
    out += "<div class=\"scroll\"><table id=\"comparison\"><thead><tr><th>suite</th><th>target</th><th>layer</th><th>metric</th>"
           "<th>old</th><th>new</th><th>ratio</th><th>rule</th><th>verdict</th></tr></thead><tbody>\n";
    for (const auto& f : c.findings) {
      const std::string cls = f.verdict == Verdict::kBroken ? "broken" : f.verdict == Verdict::kWorse ? "worse"
                              : f.verdict == Verdict::kBetter ? "better" : "new";
      std::string verdict = verdict_name(f.verdict);
      if (!f.why.empty() && f.verdict == Verdict::kBroken) verdict += ": " + f.why;
      out += fmt::format(
          "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
          "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
          cls, escape(f.key.suite), escape(f.key.target), escape(f.key.layer), escape(f.metric),
          escape(f.old_text), escape(f.new_text), f.ratio ? fmt::format("{:.4f}", *f.ratio) : "&ndash;",
          escape(f.rule), escape(verdict));
    }
    out += "</tbody></table></div>\n";
  }
  auto rows = [&](const char* title, const std::vector<RowKey>& keys) {
    if (keys.empty()) return;
    out += fmt::format("<p>{} ({}):</p><ul>\n", title, keys.size());
    for (const auto& k : keys) out += "<li>" + escape(k.suite + " on " + k.target + ": " + k.layer) + "</li>\n";
    out += "</ul>\n";
  };
  rows("Vanished rows, failing", c.vanished_rows);
  rows("New rows, reported, not failing", c.new_rows);
  if (!c.notes.empty()) {
    out += "<ul class=\"note\">\n";
    for (const auto& n : c.notes) out += "<li>" + escape(n) + "</li>\n";
    out += "</ul>\n";
  }
  return out;
}

std::string plot_figure(const PagePlot& p) {
  return fmt::format("<figure><img alt=\"{0}\" src=\"data:image/png;base64,{1}\"><figcaption>{0}</figcaption></figure>\n",
                     escape(p.title), base64_encode(p.png));
}

}  // namespace

std::string html_page(const PageInput& in) {
  const LoadedReport& r = *in.report;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>qbench report</title>\n<style>" + std::string(kStyle) + "</style></head>\n<body>\n";
  out += "<h1>qbench report</h1>\n";
  out += fmt::format("<p class=\"prov\">{} &middot; git {} &middot; {} &middot; {} &middot; {} timing repetitions</p>\n",
                     escape(r.file), escape(r.git_sha.empty() ? "unknown" : r.git_sha),
                     escape(r.date_utc.empty() ? "no date (CSV)" : r.date_utc),
                     escape(r.compiler.empty() ? "compiler unknown" : r.compiler),
                     r.repetitions ? std::to_string(*r.repetitions) : std::string("?"));
  out += "<p class=\"note\">insns are retired instructions counted by the QEMU plugin (emulated targets); "
         "est_cycles are cycles estimated from them by a per-core timing model (Cortex-M; "
         "docs/cycle-model.md), an estimate and never a measurement; "
         "time is host wall time in nanoseconds (median over the repetitions); SQNR compares the "
         "dequantized int8 output with the float reference.</p>\n";
  out += "<h2 id=\"summary-title\">Summary</h2>\n" + summary_table(r) + board_table(r);
  out += comparison_section(in);

  std::vector<std::string> suites;
  std::set<std::string> seen;
  for (const auto& row : r.rows) {
    if (seen.insert(row.key.suite).second) suites.push_back(row.key.suite);
  }
  for (const auto& suite : suites) {
    out += fmt::format("<section id=\"suite-{}\" class=\"suite\" data-suite=\"{}\">\n<h2>{}</h2>\n", slug(suite),
                       escape(suite), escape(suite));
    size_t shown = 0;
    for (const auto& p : in.plots) {
      if (p.suite == suite) {
        out += plot_figure(p);
        ++shown;
      }
    }
    if (shown == 0) out += "<p class=\"note\">No plots for this suite.</p>\n";
    out += "</section>\n";
  }
  bool trend = false;
  for (const auto& p : in.plots) {
    if (!p.suite.empty()) continue;
    if (!trend) out += "<section id=\"across-runs\">\n<h2>Across runs</h2>\n";
    trend = true;
    out += plot_figure(p);
  }
  if (trend) out += "</section>\n";
  out += "<p class=\"prov\">Made by <code>" + escape(in.command) + "</code>.</p>\n";
  out += "<script>" + std::string(kScript) + "</script>\n</body></html>\n";
  return out;
}

}  // namespace qb::harness
