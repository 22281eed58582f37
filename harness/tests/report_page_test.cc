// `qbench report` checked in a real headless browser (Debian's chromium): the page loads
// with no console message at all, its script runs, every suite has its section and plots,
// and nothing is fetched from the network. The same check must catch a page with a JS error.
#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "harness/tests/compare_test_support.h"

namespace qb::harness {
namespace {

namespace fs = std::filesystem;
using testing::fixture_report;
using testing::fixture_row;
using testing::Outcome;
using testing::qbench;
using testing::read_text;
using testing::run_shell;
using testing::ScratchDir;
using testing::write_report;

struct BrowserView {
  bool ran = false;
  std::string dom;                    // the DOM after the page's scripts ran
  std::vector<std::string> console;   // every console message (errors included)
  std::string log;
};

// A healthy page logs nothing, so any console line (an uncaught error, a failed load,
// a console.error) counts against it.
BrowserView load_in_chromium(const std::string& page, const std::string& scratch) {
  BrowserView view;
  if (run_shell("command -v chromium").exit_code != 0) return view;
  const std::string err = scratch + "/chromium.log";
  // The braces keep chromium's stderr (where the console goes) apart from the DOM on stdout:
  // run_shell's own 2>&1 applies to the group, chromium's redirection wins inside it.
  const Outcome o = run_shell("{ timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run "
                              "--user-data-dir='" + scratch + "/profile' --enable-logging=stderr --v=0 "
                              "--dump-dom 'file://" + page + "' 2>'" + err + "'; }");
  view.ran = o.exit_code == 0;
  view.dom = o.output;
  view.log = read_text(err);
  size_t at = 0;
  while ((at = view.log.find(":CONSOLE", at)) != std::string::npos) {
    const size_t end = view.log.find('\n', at);
    view.console.push_back(view.log.substr(at, end - at));
    at = end;
  }
  return view;
}

const char* kNoChromium = "chromium not found: install the Debian package chromium (scripts/setup.sh)";

TEST(ReportPage, LoadsInChromiumWithoutConsoleErrorsAndShowsEverySuite) {
  ScratchDir dir;
  RunReport base = fixture_report();
  *fixture_row(base, "alpha", "cortex-m4", "conv1").insns -= 2000;  // so the current run is slower
  const std::string baseline = write_report(dir.path() + "/baseline", base);
  write_report(dir.path() + "/history/earlier", base);
  const std::string report = write_report(dir.path() + "/run", fixture_report());
  const Outcome made = qbench("report '" + report + "' --baseline '" + baseline + "' --history '" +
                              dir.path() + "/history'");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::string page = report + "/report.html";
  const std::string html = read_text(page);
  // Self-contained: nothing to fetch.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);

  const BrowserView view = load_in_chromium(page, dir.path());
  ASSERT_TRUE(view.ran) << kNoChromium << "\n" << view.log;
  EXPECT_TRUE(view.console.empty()) << view.console.front();
  EXPECT_NE(view.dom.find("data-ready=\"1\""), std::string::npos) << "the page's script did not finish";
  for (const std::string suite : {"alpha", "beta"}) {
    EXPECT_NE(view.dom.find("id=\"suite-" + suite + "\""), std::string::npos) << suite;
    EXPECT_NE(view.dom.find("<a href=\"#suite-" + suite + "\">" + suite + "</a>"), std::string::npos) << suite;
  }
  // The comparison: the slower layer, its target and its ratio.
  EXPECT_NE(view.dom.find("<td>conv1</td><td>insns</td><td class=\"num\">39000</td><td class=\"num\">41000</td>"
                          "<td class=\"num\">1.0513</td>"),
            std::string::npos);
  EXPECT_NE(view.dom.find("id=\"across-runs\""), std::string::npos);
}

TEST(ReportPage, TheBrowserCheckCatchesAPageWithAJavaScriptError) {
  ScratchDir dir;
  const std::string page = dir.write("broken.html",
                                     "<!DOCTYPE html><html><body><section id=\"suite-alpha\"></section>"
                                     "<script>undefinedFunction(); document.body.setAttribute('data-ready', '1');"
                                     "</script></body></html>");
  const BrowserView view = load_in_chromium(page, dir.path());
  ASSERT_TRUE(view.ran) << kNoChromium << "\n" << view.log;
  ASSERT_EQ(view.console.size(), 1u) << view.log;
  EXPECT_NE(view.console[0].find("Uncaught ReferenceError"), std::string::npos) << view.console[0];
  EXPECT_EQ(view.dom.find("data-ready=\"1\""), std::string::npos);
}

TEST(ReportPage, RealQuickRunMakesAPageWithEverySuite) {
  ScratchDir dir;
  const std::string out = dir.path() + "/quick";
  const Outcome run = qbench("run --preset quick --repetitions 3 --out '" + out + "' -q");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const Outcome made = qbench("report '" + out + "'");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const BrowserView view = load_in_chromium(out + "/report.html", dir.path());
  ASSERT_TRUE(view.ran) << kNoChromium << "\n" << view.log;
  EXPECT_TRUE(view.console.empty()) << view.console.front();
  for (const std::string suite : {"xor", "kws"}) {
    EXPECT_NE(view.dom.find("id=\"suite-" + suite + "\""), std::string::npos) << suite;
    EXPECT_NE(view.dom.find("alt=\"" + suite + ": float vs int8 output parity"), std::string::npos) << suite;
  }
  EXPECT_NE(view.dom.find("alt=\"xor: decision surface"), std::string::npos);
}

// A board run's page: the boards table, one row per (suite, board), with the verdict.
TEST(ReportPage, BoardRunShowsFitAndEstimatedTimePerBoard) {
  ScratchDir dir;
  const std::string out = dir.path() + "/boards";
  const Outcome run = qbench("run --suite '" + testing::source_dir() + "/suites/mlperf_ad.json' --board nucleo-l4r5zi "
                             "--board bluepill-f103c8 --out '" + out + "' -q");
  ASSERT_EQ(run.exit_code, 1) << "the Blue Pill cannot hold the model\n" << run.output;
  const Outcome made = qbench("report '" + out + "'");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const BrowserView view = load_in_chromium(out + "/report.html", dir.path());
  ASSERT_TRUE(view.ran) << kNoChromium << "\n" << view.log;
  EXPECT_TRUE(view.console.empty()) << view.console.front();
  ASSERT_NE(view.dom.find("id=\"boards-table\""), std::string::npos);
  EXPECT_NE(view.dom.find("<tr class=\"broken\"><td>mlperf_ad</td><td>bluepill-f103c8</td>"), std::string::npos);
  EXPECT_NE(view.dom.find("<tr class=\"\"><td>mlperf_ad</td><td>nucleo-l4r5zi</td>"), std::string::npos);
  EXPECT_NE(view.dom.find("<span class=\"fail\">does not fit</span>"), std::string::npos);
  EXPECT_NE(view.dom.find("est_us (model)"), std::string::npos);
}

// The rows of one per-layer table in the order the DOM has them.
std::vector<std::string> layer_order(const std::string& dom, const std::string& table_id) {
  std::vector<std::string> layers;
  const size_t table = dom.find("id=\"" + table_id + "\"");
  if (table == std::string::npos) return layers;
  const size_t body = dom.find("<tbody>", table), end = dom.find("</tbody>", table);
  for (size_t at = dom.find("data-layer=\"", body); at < end; at = dom.find("data-layer=\"", at)) {
    at += 12;
    layers.push_back(dom.substr(at, dom.find('"', at) - at));
  }
  return layers;
}

std::string page_of_fixture(const ScratchDir& dir, const RunReport& report) {
  const std::string folder = write_report(dir.path() + "/run", report);
  const Outcome made = qbench("report '" + folder + "' --baseline '" + folder + "'");
  EXPECT_EQ(made.exit_code, 0) << made.output;
  return folder + "/report.html";
}

// Per suite, a table of its layers by target; sorted from the URL's hash on load
// (#sort=TABLE:KEY:DIR, TABLE a section or table id, KEY a header's data-key or its metric).
TEST(ReportPage, PerLayerTablesSortFromTheUrlHash) {
  ScratchDir dir;
  RunReport r = fixture_report();
  fixture_row(r, "beta", "cortex-m4", "hidden").sqnr_db = 22.0;  // targets disagree: one SQNR column each
  const std::string page = page_of_fixture(dir, r);
  const std::string html = read_text(page);
  for (const std::string key : {"layer", "op", "macs", "params_bytes", "insns@cortex-m4", "est_cycles@cortex-m4",
                                "time_ns@host", "sqnr_db"}) {
    EXPECT_NE(html.find("<table class=\"sortable layers\" id=\"layers-alpha\""), std::string::npos);
    EXPECT_NE(html.find("data-key=\"" + key + "\""), std::string::npos) << key;
  }
  EXPECT_NE(html.find("data-key=\"sqnr_db@host\""), std::string::npos);
  EXPECT_NE(html.find("data-key=\"sqnr_db@cortex-m4\""), std::string::npos);
  // conv1 costs most: marked, with its share of the TOTAL (41000 of 47000 instructions).
  EXPECT_NE(html.find("<td class=\"num top\" data-v=\"41000\" title=\"87.2% of TOTAL\">41000</td>"), std::string::npos);
  // Bytes: weight + bias + quantization parameters (192 + 16 + 8 for fc).
  EXPECT_NE(html.find("<td class=\"num top\" data-v=\"216\""), std::string::npos);

  const BrowserView plain = load_in_chromium(page, dir.path());
  ASSERT_TRUE(plain.ran) << kNoChromium << "\n" << plain.log;
  EXPECT_TRUE(plain.console.empty()) << plain.console.front();
  EXPECT_EQ(layer_order(plain.dom, "layers-alpha"), (std::vector<std::string>{"conv1", "pool", "fc"}));
  EXPECT_EQ(layer_order(plain.dom, "layers-beta"), (std::vector<std::string>{"hidden", "out"}));

  // "insns" alone is the first target's instructions; a section id finds its table.
  const BrowserView sorted = load_in_chromium(
      page + "#sort=suite-alpha:insns:asc,layers-beta:sqnr_db@cortex-m4:desc", dir.path());
  ASSERT_TRUE(sorted.ran) << sorted.log;
  EXPECT_TRUE(sorted.console.empty()) << sorted.console.front();
  EXPECT_EQ(layer_order(sorted.dom, "layers-alpha"), (std::vector<std::string>{"fc", "pool", "conv1"}));
  EXPECT_EQ(layer_order(sorted.dom, "layers-beta"), (std::vector<std::string>{"out", "hidden"}));
  EXPECT_NE(sorted.dom.find("data-sorted=\"insns@cortex-m4:asc\""), std::string::npos);
  EXPECT_NE(sorted.dom.find("aria-sort=\"ascending\""), std::string::npos);

  const BrowserView by_time = load_in_chromium(page + "#sort=suite-alpha:time_ns@host:asc,suite-beta:layer:desc",
                                               dir.path());
  EXPECT_EQ(layer_order(by_time.dom, "layers-alpha"), (std::vector<std::string>{"fc", "pool", "conv1"}));
  EXPECT_EQ(layer_order(by_time.dom, "layers-beta"), (std::vector<std::string>{"out", "hidden"}));

  // Malformed or unknown sorts leave the order alone, without a console message.
  const BrowserView bad = load_in_chromium(page + "#sort=%E0%A4%A:x,suite-alpha:nosuch:desc,nosuch:insns", dir.path());
  EXPECT_TRUE(bad.console.empty()) << bad.console.front();
  EXPECT_EQ(layer_order(bad.dom, "layers-alpha"), (std::vector<std::string>{"conv1", "pool", "fc"}));
}

// Clicking a header sorts (descending first for a cost, again for ascending). Headless
// chromium cannot click, so a copy of the page clicks from a script after the page's own.
TEST(ReportPage, ClickingAHeaderSortsTheTable) {
  ScratchDir dir;
  const std::string page = page_of_fixture(dir, fixture_report());
  std::string html = read_text(page);
  const std::string clicks =
      "<script>(function () {"
      "var th = document.querySelector('#layers-alpha th[data-key=\"macs\"]'); th.click();"
      "document.body.setAttribute('data-first', Array.prototype.map.call("
      "document.querySelectorAll('#layers-alpha tbody tr'), function (r) { return r.getAttribute('data-layer'); }).join(' '));"
      "th.click();"
      "document.querySelector('#layers-beta th[data-key=\"sqnr_db\"]').click();"
      "})();</script>\n</body>";
  html.replace(html.rfind("</body>"), 7, clicks);
  const std::string clicked = dir.write("clicked.html", html);
  const BrowserView view = load_in_chromium(clicked, dir.path());
  ASSERT_TRUE(view.ran) << kNoChromium << "\n" << view.log;
  EXPECT_TRUE(view.console.empty()) << view.console.front();
  EXPECT_NE(view.dom.find("data-first=\"conv1 fc pool\""), std::string::npos) << "MACs descending: 2304, 192, 0";
  EXPECT_EQ(layer_order(view.dom, "layers-alpha"), (std::vector<std::string>{"pool", "fc", "conv1"}));
  EXPECT_NE(view.dom.find("data-sorted=\"macs:asc\""), std::string::npos);
  // SQNR starts with the least accurate layer.
  EXPECT_EQ(layer_order(view.dom, "layers-beta"), (std::vector<std::string>{"out", "hidden"}));
}

// The summary puts what failed first: a failed target, then failed gates, then the rest.
TEST(ReportPage, SummaryShowsFailingPairsFirst) {
  ScratchDir dir;
  RunReport r = fixture_report();
  for (auto& run : r.runs) {
    if (run.suite == "beta" && run.target == "cortex-m4") run.gates[0].passed = false;
  }
  SuiteTargetRun failed;
  failed.suite = "alpha";
  failed.target = "cortex-m3";
  failed.error = "qemu-arm exited with status 1";
  r.runs.push_back(failed);
  const std::string html = read_text(page_of_fixture(dir, r));
  const size_t summary = html.find("<table id=\"summary\">");
  const size_t first = html.find("<tbody>", summary);
  const auto row_at = [&](const std::string& text) { return html.find(text, first); };
  const size_t m3 = row_at("<td>cortex-m3</td><td colspan=\"11\">target failed: qemu-arm exited with status 1");
  const size_t gate = row_at("<tr class=\"broken\" data-suite=\"beta\"><td><a href=\"#suite-beta\">beta</a></td><td>cortex-m4</td>");
  const size_t ok = row_at("<tr data-suite=\"alpha\"><td><a href=\"#suite-alpha\">alpha</a></td><td>host</td>");
  ASSERT_NE(m3, std::string::npos);
  ASSERT_NE(gate, std::string::npos);
  ASSERT_NE(ok, std::string::npos);
  EXPECT_LT(m3, gate);
  EXPECT_LT(gate, ok);
  EXPECT_NE(html.find("FAIL min_sqnr_db", gate), std::string::npos);
  // The suite's table says which target it lacks.
  EXPECT_NE(html.find("Not in the table: cortex-m3 (target failed: qemu-arm exited with status 1)"),
            std::string::npos);
}

RunReport only_pairs(RunReport r, const std::vector<std::pair<std::string, std::string>>& keep) {
  std::erase_if(r.runs, [&](const SuiteTargetRun& run) {
    return std::find(keep.begin(), keep.end(), std::make_pair(run.suite, run.target)) == keep.end();
  });
  return r;
}

// A run of suites the baseline does not hold: nothing vanished, nothing compared, and one
// line each for what the baseline holds beyond the run and the run beyond the baseline.
TEST(ReportPage, ARunOfOtherSuitesIsNotComparedAgainstTheWholeBaseline) {
  ScratchDir dir;
  const std::string baseline = write_report(dir.path() + "/baseline", fixture_report());
  RunReport mine = fixture_report();
  for (auto& run : mine.runs) {
    run.suite = run.suite == "alpha" ? "mine" : "yours";
    for (auto& row : run.rows) row.suite = run.suite;
  }
  const std::string report = write_report(dir.path() + "/run", mine);
  const Outcome made = qbench("report '" + report + "' --baseline '" + baseline + "'");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  EXPECT_NE(made.output.find("nothing in common with the baseline: not compared"), std::string::npos) << made.output;
  const std::string html = read_text(report + "/report.html");
  const std::string section = html.substr(html.find("<h2 id=\"baseline\">"), html.find("<section") - html.find("<h2 id=\"baseline\">"));
  EXPECT_EQ(section.find("FAILED"), std::string::npos) << section;
  EXPECT_EQ(section.find("vanished"), std::string::npos) << section;
  EXPECT_NE(section.find("nothing compared: the baseline holds none of this run's (suite, target) pairs"),
            std::string::npos) << section;
  EXPECT_NE(section.find("The baseline also holds 2 suites x 2 targets (alpha, beta on host, cortex-m4) this run did "
                         "not include: not compared."),
            std::string::npos) << section;
  EXPECT_NE(section.find("This run also holds 2 suites x 2 targets (mine, yours on host, cortex-m4) the baseline "
                         "does not: not compared"),
            std::string::npos) << section;
}

// A run of part of the baseline's pairs: those are compared, the rest is one line; what
// vanished within them is listed as `qbench compare` lists it, in the same words.
TEST(ReportPage, APartialRunIsComparedOnWhatBothHoldInCompareWords) {
  ScratchDir dir;
  const std::string baseline = write_report(dir.path() + "/baseline", fixture_report());
  RunReport part = only_pairs(fixture_report(), {{"alpha", "cortex-m4"}, {"beta", "cortex-m4"}});
  for (auto& run : part.runs) {
    if (run.suite == "beta") {
      run.rows.clear();
      run.error = "qemu-arm exited with status 1";
    } else {
      std::erase_if(run.rows, [](const ReportRow& row) { return row.layer == "pool"; });
    }
  }
  const std::string report = write_report(dir.path() + "/run", part);
  const Outcome made = qbench("report '" + report + "' --baseline '" + baseline + "'");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::string html = read_text(report + "/report.html");
  EXPECT_NE(html.find("The baseline also holds 2 suites x 1 target (alpha, beta on host) this run did not include: "
                      "not compared."),
            std::string::npos);
  EXPECT_NE(html.find("<span class=\"fail\">FAILED</span> (0 broken rule(s), 4 vanished row(s), 0 new row(s);"),
            std::string::npos);
  EXPECT_NE(html.find("vanished rows (failing: in the baseline, not in the current report):"), std::string::npos);
  EXPECT_NE(html.find("<li>alpha on cortex-m4: pool</li>"), std::string::npos);
  EXPECT_NE(html.find("<li>beta on cortex-m4: all 3 rows</li>"), std::string::npos);
  EXPECT_EQ(html.find("alpha on host: "), std::string::npos) << "a pair the run did not include is not listed";

  // Pairs that are not every suite on every target are counted as pairs.
  const std::string one = write_report(dir.path() + "/one", only_pairs(fixture_report(), {{"alpha", "cortex-m4"}}));
  ASSERT_EQ(qbench("report '" + one + "' --baseline '" + baseline + "'").exit_code, 0);
  const std::string one_html = read_text(one + "/report.html");
  EXPECT_NE(one_html.find("The baseline also holds 3 (suite, target) pairs of 2 suites and 2 targets (alpha, beta on "
                          "host, cortex-m4) this run did not include: not compared."),
            std::string::npos);
  EXPECT_NE(one_html.find("<span class=\"ok\">ok</span> (0 broken rule(s), 0 vanished row(s)"), std::string::npos);

  // `qbench compare` of the same pairs says the same.
  const std::string same_pairs =
      write_report(dir.path() + "/baseline-part", only_pairs(fixture_report(), {{"alpha", "cortex-m4"}, {"beta", "cortex-m4"}}));
  const Outcome compared = qbench("compare '" + same_pairs + "' '" + report + "'");
  EXPECT_EQ(compared.exit_code, 1) << compared.output;
  for (const std::string line : {"vanished rows (failing: in the baseline, not in the current report):",
                                 "  alpha on cortex-m4: pool\n", "  beta on cortex-m4: all 3 rows\n",
                                 "compare: FAILED (0 broken rule(s), 4 vanished row(s), 0 new row(s);"}) {
    EXPECT_NE(compared.output.find(line), std::string::npos) << line << "\n" << compared.output;
  }
}

TEST(ReportPage, MissingPythonIsExitThreeNamingThePackage) {
  ScratchDir dir;
  const std::string report = write_report(dir.path() + "/run", fixture_report());
  const Outcome o = testing::run_shell("QB_PYTHON=/nonexistent/python3 " + testing::qbench_binary() + " --root '" +
                                       testing::source_dir() + "' report '" + report + "'");
  EXPECT_EQ(o.exit_code, 3) << o.output;
  EXPECT_NE(o.output.find("python3-matplotlib"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(report + "/report.html"));
}

}  // namespace
}  // namespace qb::harness
