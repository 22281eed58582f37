#include "harness/report/html_page.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <fmt/core.h>

#include "harness/compare/compare_table.h"
#include "harness/diagnostics/precision_loss.h"
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
table.layers th{white-space:nowrap} table.sortable th[data-key]{cursor:pointer} table.sortable th[data-key]:hover{background:#e6e6e6}
th[aria-sort=descending]::after{content:" \25BC"} th[aria-sort=ascending]::after{content:" \25B2"}
td.top{font-weight:bold;background:#fde2e2} tfoot td{border-top:2px solid #bbb;font-weight:bold}
)";

// The page's only script, no library: hides the comparison rows within their rules when
// asked, and sorts the per-layer tables. window.qbSort(table or id, key, 'asc'|'desc') sorts
// one (key: a header's data-key, or its metric alone for the first target's column, e.g.
// "insns" for "insns@cortex-m3"); clicking a header calls it, and the URL's hash,
// report.html#sort=suite-kws:insns@cortex-m4:desc[,suite-xor:sqnr_db:asc], is applied on load,
// so a sorted view can be linked. Empty cells sort last either way; ties keep layer order.
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
  function cellValue(cell) {
    if (!cell) return null;
    var v = cell.getAttribute('data-v');
    if (v === null) return cell.textContent.trim().toLowerCase();
    return v === '' ? null : Number(v);
  }
  function findTable(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    return el.tagName === 'TABLE' ? el : el.querySelector('table.sortable');
  }
  function qbSort(table, key, dir) {
    if (typeof table === 'string') table = findTable(table);
    if (!table || !table.tHead || !table.tBodies.length) return false;
    var heads = table.tHead.querySelectorAll('th[data-key]'), th = null, i;
    for (i = 0; i < heads.length && !th; ++i) if (heads[i].getAttribute('data-key') === key) th = heads[i];
    for (i = 0; i < heads.length && !th; ++i) if (heads[i].getAttribute('data-key').indexOf(key + '@') === 0) th = heads[i];
    if (!th) return false;
    var col = Number(th.getAttribute('data-col')), sign = dir === 'desc' ? -1 : 1;
    var body = table.tBodies[0], keyed = [];
    for (i = 0; i < body.rows.length; ++i) {
      var row = body.rows[i];
      keyed.push({row: row, v: cellValue(row.cells[col]), n: Number(row.getAttribute('data-n'))});
    }
    keyed.sort(function (a, b) {
      if (a.v === null || b.v === null) return a.v === b.v ? a.n - b.n : (a.v === null ? 1 : -1);
      if (a.v < b.v) return -sign;
      if (a.v > b.v) return sign;
      return a.n - b.n;
    });
    for (i = 0; i < keyed.length; ++i) body.appendChild(keyed[i].row);
    for (i = 0; i < heads.length; ++i) heads[i].removeAttribute('aria-sort');
    th.setAttribute('aria-sort', sign < 0 ? 'descending' : 'ascending');
    table.setAttribute('data-sorted', th.getAttribute('data-key') + ':' + (sign < 0 ? 'desc' : 'asc'));
    return true;
  }
  window.qbSort = qbSort;
  function sortFromHash() {
    var m = /(?:^#|&)sort=([^&]*)/.exec(window.location.hash);
    if (!m) return;
    var specs;
    try { specs = decodeURIComponent(m[1]).split(','); } catch (e) { return; }
    for (var i = 0; i < specs.length; ++i) {
      var p = specs[i].split(':');
      if (p.length >= 2) qbSort(p[0], p[1], p[2] === 'asc' ? 'asc' : 'desc');
    }
  }
  var heads = document.querySelectorAll('table.sortable th[data-key]');
  for (var i = 0; i < heads.length; ++i) {
    heads[i].addEventListener('click', function () {
      var table = this.closest('table'), key = this.getAttribute('data-key');
      var now = this.getAttribute('aria-sort');
      var dir = now === 'descending' ? 'asc' : now === 'ascending' ? 'desc' : this.getAttribute('data-first') || 'desc';
      if (qbSort(table, key, dir) && table.id) {
        try { window.history.replaceState(null, '', '#sort=' + table.id + ':' + key + ':' + dir); } catch (e) {}
      }
    });
  }
  window.addEventListener('hashchange', sortFromHash);
  sortFromHash();
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

// One row per (suite, target): the failing pairs first (a failed target, a failed gate, a
// golden mismatch), then the rest in report order.
std::string summary_table(const LoadedReport& r) {
  std::string out =
      "<div class=\"scroll\"><table id=\"summary\"><thead><tr><th>suite</th><th>target</th><th>layers</th><th>MACs</th>"
      "<th>arena (bytes)</th><th>insns (instructions)</th><th>est_cycles (model)</th><th>time (ns)</th><th>SQNR (dB)</th>"
      "<th>top-1 agreement</th><th>label accuracy</th><th>golden</th><th>gates</th></tr></thead><tbody>\n";
  std::vector<std::string> failing, passing;
  for (const auto& run : r.runs) {
    if (!run.error.empty()) {
      failing.push_back(fmt::format(
          "<tr class=\"broken\" data-suite=\"{}\"><td><a href=\"#suite-{}\">{}</a></td><td>{}</td>"
          "<td colspan=\"11\">target failed: {}</td></tr>\n",
          escape(run.suite), slug(run.suite), escape(run.suite), escape(run.target), escape(run.error)));
    }
  }
  for (const auto& row : r.rows) {
    if (row.key.layer != "TOTAL" || row.layer_index) continue;
    size_t layers = 0;
    for (const auto& other : r.rows) {
      layers += other.key.suite == row.key.suite && other.key.target == row.key.target && other.layer_index ? 1 : 0;
    }
    const LoadedRun* run = r.find_run(row.key.suite, row.key.target);
    std::string golden = "&ndash;", gates = "&ndash;";
    bool fails = false;
    if (run) {
      golden = fmt::format("<span class=\"{}\">{}</span>", run->golden == "mismatch" ? "fail" : "", escape(run->golden));
      fails = run->golden == "mismatch" || !run->failed_gates.empty() || !run->passed;
      if (run->failed_gates.empty()) {
        gates = fmt::format("<span class=\"{}\">{} ok</span>", run->passed ? "ok" : "", run->gates);
      } else {
        std::string names;
        for (const auto& g : run->failed_gates) names += (names.empty() ? "" : ", ") + g;
        gates = "<span class=\"fail\">FAIL " + escape(names) + "</span>";
      }
    }
    (fails ? failing : passing).push_back(fmt::format(
        "<tr{} data-suite=\"{}\"><td><a href=\"#suite-{}\">{}</a></td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
        fails ? " class=\"broken\"" : "", escape(row.key.suite), slug(row.key.suite), escape(row.key.suite),
        escape(row.key.target), layers, figure(row.value("macs")), figure(row.value("arena_bytes")),
        figure(row.value("insns")), figure(row.value("est_cycles")), figure(row.value("time_ns"), "{:.0f}"),
        figure(row.value("sqnr_db"), "{:.1f}"), figure(row.value("top1_agreement"), "{:.2f}"),
        figure(row.value("label_accuracy"), "{:.2f}"), golden, gates));
  }
  for (const auto& line : failing) out += line;
  for (const auto& line : passing) out += line;
  return out + "</tbody></table></div>\n";
}

// --- The per-layer table of one suite ---------------------------------------------------

// A number as a sortable cell: data-v carries the value ("Infinity" for an exact SQNR),
// the text shows it as the summary does.
struct Cell {
  std::optional<double> v;
  std::string text;
  std::string title;
  bool top = false;
};

struct LayerColumn {
  std::string key;     // data-key: "insns@cortex-m4", "params_bytes", "layer", ...
  std::string group;   // the header above several targets' columns; empty: a column on its own
  std::string head;    // the column's header (the target, under a group)
  std::string title;   // the header's tooltip
  bool text = false;   // sorted as text
  bool lowest = false; // the notable cell is the lowest (SQNR), not the highest (a cost)
  bool mark = false;   // mark the notable cell
  std::vector<Cell> cells;  // one per layer
  Cell total;
};

std::string number_text(const std::optional<double>& v, const char* format) {
  if (!v) return "&ndash;";
  if (std::isinf(*v)) return *v > 0 ? "exact" : "-inf";
  return format ? fmt::format(fmt::runtime(format), *v) : escape(format_figure(v));
}

Cell number_cell(const std::optional<double>& v, const char* format = nullptr) {
  return {v, number_text(v, format), "", false};
}

std::string data_v(const std::optional<double>& v) {
  if (!v || std::isnan(*v)) return "";
  if (std::isinf(*v)) return *v > 0 ? "Infinity" : "-Infinity";
  return fmt::format("{}", *v);
}

std::optional<double> sum_of(const LoadedRow& row, std::initializer_list<const char*> columns) {
  std::optional<double> total;
  for (const char* c : columns) {
    if (auto v = row.value(c)) total = total.value_or(0.0) + *v;
  }
  return total;
}

// Rows: the suite's layers; columns: MACs, parameter bytes, then for each target its
// instructions, estimated cycles and host time where it has them, and the SQNR (one
// column when every target agrees, as the golden contract makes them, else one per target).
std::string layer_table(const LoadedReport& r, const std::string& suite) {
  std::vector<std::string> targets;
  std::map<std::pair<std::string, std::string>, const LoadedRow*> at;  // (target, layer)
  std::map<std::string, const LoadedRow*> totals;
  std::vector<std::string> layers;
  std::map<std::string, const LoadedRow*> first_row;  // layer -> its row on the first target that has it
  for (const auto& row : r.rows) {
    if (row.key.suite != suite) continue;
    if (std::find(targets.begin(), targets.end(), row.key.target) == targets.end()) targets.push_back(row.key.target);
    if (!row.layer_index) {
      if (row.key.layer == "TOTAL") totals[row.key.target] = &row;
      continue;
    }
    at[{row.key.target, row.key.layer}] = &row;
    if (!first_row.count(row.key.layer)) {
      first_row[row.key.layer] = &row;
      layers.push_back(row.key.layer);
    }
  }
  std::stable_sort(layers.begin(), layers.end(), [&](const std::string& a, const std::string& b) {
    return *first_row[a]->layer_index < *first_row[b]->layer_index;
  });
  if (layers.empty()) return "";

  std::vector<LayerColumn> columns;
  auto per_layer = [&](LayerColumn c, auto cell_of) {
    for (const auto& layer : layers) c.cells.push_back(cell_of(layer));
    columns.push_back(std::move(c));
  };
  per_layer({"layer_index", "", "#", "layer index", false, false, false, {}, {}},
            [&](const std::string& l) { return number_cell(*first_row[l]->layer_index); });
  per_layer({"layer", "", "layer", "", true, false, false, {}, {std::nullopt, "TOTAL", "", false}},
            [&](const std::string& l) { return Cell{std::nullopt, escape(l), "", false}; });
  per_layer({"op", "", "op", "", true, false, false, {}, {}},
            [&](const std::string& l) { return Cell{std::nullopt, escape(first_row[l]->op), "", false}; });
  per_layer({"macs", "", "MACs", "multiply-accumulates", false, false, true, {}, {}},
            [&](const std::string& l) { return number_cell(first_row[l]->value("macs")); });
  per_layer({"params_bytes", "", "params (bytes)",
             "weight + bias + quantization parameter bytes: what the layer adds to flash", false, false, true, {}, {}},
            [&](const std::string& l) {
              return number_cell(sum_of(*first_row[l], {"weight_bytes", "bias_bytes", "quant_param_bytes"}));
            });
  const struct {
    const char* metric;
    const char* group;
    const char* format;
    const char* title;
  } costs[] = {
      {"insns", "insns (instructions)", nullptr, "retired instructions, counted under QEMU"},
      {"est_cycles", "est_cycles (model)", nullptr, "cycles estimated by the per-core timing model: not a measurement"},
      {"time_ns", "time (ns, median)", "{:.0f}", "host wall time, median over the repetitions"},
  };
  for (const auto& cost : costs) {
    for (const auto& t : targets) {
      bool any = false;
      for (const auto& l : layers) {
        const auto it = at.find({t, l});
        any = any || (it != at.end() && it->second->value(cost.metric));
      }
      if (!any) continue;
      per_layer({std::string(cost.metric) + "@" + t, cost.group, t, std::string(cost.title) + " on " + t, false, false,
                 true, {}, {}},
                [&](const std::string& l) {
                  const auto it = at.find({t, l});
                  return number_cell(it == at.end() ? std::nullopt : it->second->value(cost.metric), cost.format);
                });
    }
  }
  // SQNR: one column when every target printed the same figure for every layer.
  std::vector<std::string> sqnr_targets;
  for (const auto& t : targets) {
    for (const auto& l : layers) {
      const auto it = at.find({t, l});
      if (it != at.end() && it->second->value("sqnr_db")) {
        sqnr_targets.push_back(t);
        break;
      }
    }
  }
  bool agree = true;
  for (const auto& l : layers) {
    std::set<std::string> seen;
    for (const auto& t : sqnr_targets) {
      const auto it = at.find({t, l});
      seen.insert(it == at.end() ? "" : number_text(it->second->value("sqnr_db"), "{:.2f}"));
    }
    agree = agree && seen.size() <= 1;
  }
  const char* sqnr_title = "dequantized int8 output of the layer against the float reference; the lowest is marked";
  if (agree && !sqnr_targets.empty()) {
    per_layer({"sqnr_db", "", "SQNR (dB)", sqnr_title, false, true, true, {}, {}}, [&](const std::string& l) {
      const auto it = at.find({sqnr_targets.front(), l});
      return number_cell(it == at.end() ? std::nullopt : it->second->value("sqnr_db"), "{:.1f}");
    });
  } else {
    for (const auto& t : sqnr_targets) {
      per_layer({"sqnr_db@" + t, "SQNR (dB)", t, sqnr_title, false, true, true, {}, {}}, [&](const std::string& l) {
        const auto it = at.find({t, l});
        return number_cell(it == at.end() ? std::nullopt : it->second->value("sqnr_db"), "{:.1f}");
      });
    }
  }

  // The TOTAL row, each cost's share of it in the cell's tooltip, and the notable cell marked.
  const LoadedRow* any_total = totals.empty() ? nullptr : totals.begin()->second;
  for (auto& c : columns) {
    const size_t at_sign = c.key.find('@');
    const std::string metric = c.key.substr(0, at_sign);
    const LoadedRow* total = at_sign == std::string::npos ? (totals.count(targets.front()) ? totals[targets.front()] : any_total)
                                                          : (totals.count(c.key.substr(at_sign + 1)) ? totals[c.key.substr(at_sign + 1)] : nullptr);
    if (total && !c.text && metric != "layer_index") {
      const std::optional<double> v = metric == "params_bytes"
                                          ? sum_of(*total, {"weight_bytes", "bias_bytes", "quant_param_bytes"})
                                          : total->value(metric);
      c.total = number_cell(v, metric == "time_ns" ? "{:.0f}" : metric == "sqnr_db" ? "{:.1f}" : nullptr);
      if (metric == "sqnr_db") c.total.title = "the model's output";
      if (v && *v > 0 && std::isfinite(*v) && metric != "sqnr_db") {
        for (auto& cell : c.cells) {
          if (cell.v && std::isfinite(*cell.v)) cell.title = fmt::format("{:.1f}% of TOTAL", 100.0 * *cell.v / *v);
        }
      }
    }
    if (!c.mark) continue;
    std::optional<double> best;
    for (const auto& cell : c.cells) {
      if (!cell.v || !std::isfinite(*cell.v)) continue;
      if (!best || (c.lowest ? *cell.v < *best : *cell.v > *best)) best = cell.v;
    }
    if (!best || (!c.lowest && *best <= 0)) continue;
    for (auto& cell : c.cells) cell.top = cell.v && *cell.v == *best;
  }

  const std::string id = "layers-" + slug(suite);
  bool grouped = false;
  for (const auto& c : columns) grouped = grouped || !c.group.empty();
  std::string head1 = "<tr>", head2 = "<tr>";
  for (size_t i = 0; i < columns.size(); ++i) {
    const LayerColumn& c = columns[i];
    const std::string th = fmt::format(
        "<th data-key=\"{}\" data-col=\"{}\"{}{}>{}</th>", escape(c.key), i,
        c.text || c.lowest || c.key == "layer_index" ? " data-first=\"asc\"" : "",
        c.title.empty() ? "" : " title=\"" + escape(c.title) + "\"", escape(c.head));
    if (c.group.empty()) {
      head1 += grouped ? th.substr(0, 3) + " rowspan=\"2\"" + th.substr(3) : th;
      continue;
    }
    size_t span = 0;
    while (i + span < columns.size() && columns[i + span].group == c.group) ++span;
    head1 += fmt::format("<th colspan=\"{}\">{}</th>", span, escape(c.group));
    for (size_t k = i; k < i + span; ++k) {
      const LayerColumn& g = columns[k];
      head2 += fmt::format("<th data-key=\"{}\" data-col=\"{}\"{} title=\"{}\">{}</th>", escape(g.key), k,
                           g.lowest ? " data-first=\"asc\"" : "", escape(g.title), escape(g.head));
    }
    i += span - 1;
  }
  std::string out = fmt::format(
      "<h3>Per layer</h3>\n<p class=\"note\">Which layer costs most on which target: click a column header to sort "
      "(again to reverse); the largest cost in each column and the lowest SQNR are marked, a cell's tooltip gives its "
      "share of the TOTAL. A sorted view can be linked: <code>report.html#sort=suite-{}:{}:desc</code>.</p>\n"
      "<div class=\"scroll\"><table class=\"sortable layers\" id=\"{}\" data-suite=\"{}\"><thead>\n{}</tr>\n{}",
      slug(suite), escape(columns.size() > 5 ? columns[5].key : "macs"), id, escape(suite), head1,
      grouped ? head2 + "</tr>\n" : "");
  out += "</thead><tbody>\n";
  auto cell_html = [](const LayerColumn& c, const Cell& cell) {
    std::string attrs;
    if (!c.text) attrs += " data-v=\"" + data_v(cell.v) + "\"";
    if (!cell.title.empty()) attrs += " title=\"" + escape(cell.title) + "\"";
    std::string cls = c.text ? "" : "num";
    if (cell.top) cls += " top";
    return fmt::format("<td{}{}>{}</td>", cls.empty() ? "" : " class=\"" + cls + "\"", attrs, cell.text);
  };
  for (size_t l = 0; l < layers.size(); ++l) {
    out += fmt::format("<tr data-n=\"{}\" data-layer=\"{}\">", l, escape(layers[l]));
    for (const auto& c : columns) out += cell_html(c, c.cells[l]);
    out += "</tr>\n";
  }
  out += "</tbody><tfoot><tr>";
  for (const auto& c : columns) {
    std::string attrs = c.text || c.key == "layer_index" ? "" : " class=\"num\"";
    if (!c.total.title.empty()) attrs += " title=\"" + escape(c.total.title) + "\"";
    out += fmt::format("<td{}>{}</td>", attrs, c.total.text);
  }
  out += "</tr></tfoot></table></div>\n";
  std::string failed;
  for (const auto& run : r.runs) {
    if (run.suite == suite && !run.error.empty()) {
      failed += (failed.empty() ? "" : "; ") + escape(run.target) + " (target failed: " + escape(run.error) + ")";
    }
  }
  if (!failed.empty()) out += "<p class=\"fail\">Not in the table: " + failed + "</p>\n";
  return out;
}

// --- The comparison against the baseline -------------------------------------------------

using Pair = std::pair<std::string, std::string>;  // (suite, target)

// The (suite, target) pairs a report holds, failed targets included, in report order.
// report_command.cc compares only the pairs both reports hold, by the same definition.
std::vector<Pair> pairs_of(const LoadedReport& r) {
  std::vector<Pair> pairs;
  auto add = [&](const std::string& suite, const std::string& target) {
    const Pair p{suite, target};
    if (std::find(pairs.begin(), pairs.end(), p) == pairs.end()) pairs.push_back(p);
  };
  for (const auto& run : r.runs) add(run.suite, run.target);
  for (const auto& row : r.rows) add(row.key.suite, row.key.target);
  return pairs;
}

std::vector<Pair> pairs_missing_from(const std::vector<Pair>& pairs, const std::vector<Pair>& other) {
  std::vector<Pair> out;
  for (const auto& p : pairs) {
    if (std::find(other.begin(), other.end(), p) == other.end()) out.push_back(p);
  }
  return out;
}

std::string plural(size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

std::string name_list(const std::vector<std::string>& names, size_t at_most = 6) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < at_most; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > at_most) out += fmt::format(" and {} more", names.size() - at_most);
  return out;
}

// "9 suites x 9 targets (a, b, ... on x, y, ...)" when the pairs are every suite on every
// target, else "12 (suite, target) pairs of 3 suites and 9 targets (...)".
std::string describe_pairs(const std::vector<Pair>& pairs) {
  std::vector<std::string> suites, targets;
  for (const auto& [s, t] : pairs) {
    if (std::find(suites.begin(), suites.end(), s) == suites.end()) suites.push_back(s);
    if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
  }
  const std::string names = " (" + name_list(suites) + " on " + name_list(targets) + ")";
  if (pairs.size() == suites.size() * targets.size()) {
    return plural(suites.size(), "suite") + " x " + plural(targets.size(), "target") + names;
  }
  return fmt::format("{} (suite, target) pair{} of {} and {}", pairs.size(), pairs.size() == 1 ? "" : "s",
                     plural(suites.size(), "suite"), plural(targets.size(), "target")) +
         names;
}

std::string comparison_section(const PageInput& in) {
  std::string out = "<h2 id=\"baseline\">Against the baseline</h2>\n";
  if (in.comparison == nullptr) {
    return out + "<p class=\"note\">" + escape(in.no_baseline) + "</p>\n";
  }
  const Comparison& c = *in.comparison;
  const std::vector<Pair> run_pairs = pairs_of(*in.report), base_pairs = pairs_of(*in.baseline);
  const std::vector<Pair> only_base = pairs_missing_from(base_pairs, run_pairs);
  const std::vector<Pair> only_run = pairs_missing_from(run_pairs, base_pairs);
  const bool shared = only_run.size() < run_pairs.size();

  size_t broken = 0, worse = 0, better = 0;
  for (const auto& f : c.findings) {
    broken += f.verdict == Verdict::kBroken;
    worse += f.verdict == Verdict::kWorse;
    better += f.verdict == Verdict::kBetter;
  }
  // The result in compare's words (its last line).
  const std::string result =
      !shared ? std::string("<span class=\"note\">nothing compared: the baseline holds none of this run's "
                            "(suite, target) pairs</span>")
              : fmt::format("<span class=\"{}\">{}</span> ({} broken rule(s), {} vanished row(s), {} new row(s); "
                            "{} worse within rules, {} better; {} rows matched, {} of {} figures unchanged)",
                            c.broken() ? "fail" : "ok", c.broken() ? "FAILED" : "ok", broken, c.vanished_rows.size(),
                            c.new_rows.size(), worse, better, c.rows_matched, c.figures_unchanged, c.figures_compared);
  out += fmt::format("<p>Baseline <code>{}</code> ({}), current <code>{}</code>. Result: {}.</p>\n",
                     escape(in.baseline->file), escape(in.baseline->date_utc), escape(in.report->file), result);
  // Only the pairs both reports hold are compared; what either holds beyond them, in one line each.
  if (!only_base.empty()) {
    out += "<p class=\"note\" id=\"not-compared\">The baseline also holds " + escape(describe_pairs(only_base)) +
           " this run did not include: not compared.</p>\n";
  }
  if (!only_run.empty()) {
    out += "<p class=\"note\" id=\"not-in-baseline\">This run also holds " + escape(describe_pairs(only_run)) +
           " the baseline does not: not compared (<code>qbench baseline update</code> adopts them).</p>\n";
  }
  if (!shared) return out;
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
  auto rows = [&](const char* id, const char* title, const std::vector<RowKey>& keys, const LoadedReport& source) {
    if (keys.empty()) return;
    out += fmt::format("<p id=\"{}\">{}</p><ul>\n", id, title);
    for (const auto& line : group_rows(keys, source)) out += "<li>" + escape(line) + "</li>\n";
    out += "</ul>\n";
  };
  rows("vanished", "vanished rows (failing: in the baseline, not in the current report):", c.vanished_rows,
       *in.baseline);
  rows("new-rows", "new rows (reported, not failing: <code>qbench baseline update</code> adopts them):", c.new_rows,
       *in.report);
  if (!c.notes.empty()) {
    out += "<p>notes:</p><ul class=\"note\">\n";
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

// The suite's "where precision is lost" list, from its first target's rows (the
// diagnostics are computed on the host, the same for every target); empty when the report
// has no local_sqnr_db.
std::string precision_loss_list(const LoadedReport& r, const std::string& suite) {
  std::vector<const LoadedRow*> rows;
  std::string target;
  for (const auto& row : r.rows) {
    if (row.key.suite != suite) continue;
    if (target.empty()) target = row.key.target;
    if (row.key.target == target) rows.push_back(&row);
  }
  const std::vector<PrecisionLoss> losses = where_precision_is_lost(rows);
  if (losses.empty()) return "";
  std::string out = "<h3>Where precision is lost</h3>\n<ol class=\"losses\">\n";
  for (const auto& l : losses) {
    out += fmt::format("<li><b>{}</b>: {:.1f} dB alone (local_sqnr_db), {:.1f} dB carried (sqnr_db): {}</li>\n",
                       escape(l.layer), l.local_sqnr_db, l.sqnr_db, escape(l.cause));
  }
  out += "</ol>\n<p class=\"note\">The layers with the lowest SQNR on their own float input, worst first, "
         "each with the figure that explains it (README, \"Where precision is lost\").</p>\n";
  return out;
}

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
    out += layer_table(r, suite);
    out += precision_loss_list(r, suite);
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
