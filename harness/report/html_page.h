// The report page: one self-contained HTML file (inline CSS and script, PNGs as data:
// URIs, nothing fetched) with the run's summary, the comparison against a baseline when
// there is one, and the plots, one section per suite.
#pragma once

#include <string>
#include <vector>

#include "harness/compare/comparison.h"
#include "harness/compare/report_loader.h"
#include "harness/compare/rules.h"

namespace qb::harness {

struct PagePlot {
  std::string suite;  // empty: a plot across suites (the trend)
  std::string title;
  std::string png;    // the file's bytes
};

struct PageInput {
  const LoadedReport* report = nullptr;
  // The comparison, when a baseline was found; otherwise `no_baseline` says why not.
  const LoadedReport* baseline = nullptr;
  const Comparison* comparison = nullptr;
  const RuleSet* rules = nullptr;
  std::string no_baseline;
  std::vector<PagePlot> plots;
  std::string command;  // how the page was made, shown at the bottom
};

std::string html_page(const PageInput& input);

}  // namespace qb::harness
