// `qbench report` checked in a real headless browser (Debian's chromium): the page loads
// with no console message at all, its script runs, every suite has its section and plots,
// and nothing is fetched from the network. The same check must catch a page with a JS error.
#include <filesystem>
#include <string>
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
