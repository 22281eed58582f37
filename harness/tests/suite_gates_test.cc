// The committed suites' gates are honest: they pass with the real calibration, and a
// calibration that chooses ranges too narrow (clipping) or too wide (coarse steps) fails
// at least one gate of every suite.
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/pipeline/suite_pipeline.h"
#include "harness/targets/host_target.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

SuiteTargetRun run_on_host(const std::string& suite, double range_scale) {
  CalibrationOptions options;
  options.range_scale = range_scale;
  const PreparedSuite prepared =
      prepare_suite(testing::source_dir() + "/suites/" + suite + ".json", options);
  HostTarget host;
  return evaluate_run(prepared, "host", host.run(run_request(prepared, 1)));
}

std::string describe(const SuiteTargetRun& run) {
  std::string text;
  for (const auto& g : run.gates) {
    char line[160];
    std::snprintf(line, sizeof line, "%s: %.4g vs %.4g %s; ", g.gate.c_str(), g.value, g.threshold,
                  g.passed ? "ok" : "FAILED");
    text += line;
  }
  return text;
}

bool all_gates_pass(const SuiteTargetRun& run) {
  for (const auto& g : run.gates) {
    if (!g.passed) return false;
  }
  return true;
}

struct GateCase {
  std::string suite;
  std::vector<double> broken_scales;  // calibrations the gates must reject
  friend void PrintTo(const GateCase& c, std::ostream* os) { *os << c.suite; }
};

class SuiteGates : public ::testing::TestWithParam<GateCase> {};

TEST_P(SuiteGates, PassWithTheRealCalibration) {
  const SuiteTargetRun run = run_on_host(GetParam().suite, 1.0);
  ASSERT_FALSE(run.gates.empty()) << GetParam().suite << " has no gates";
  EXPECT_TRUE(all_gates_pass(run)) << describe(run);
}

TEST_P(SuiteGates, FailWhenCalibrationClipsOrCoarsens) {
  for (const double scale : GetParam().broken_scales) {
    const SuiteTargetRun run = run_on_host(GetParam().suite, scale);
    EXPECT_FALSE(all_gates_pass(run)) << "range_scale " << scale << ": " << describe(run);
  }
}

// 0.5: every range halved, so values clip; 4: ranges four times too wide, two bits of
// every activation lost. XOR's four-unit layers and fixed-scale sigmoid output lose
// nothing that matters at 4x, so only clipping counts as broken there.
INSTANTIATE_TEST_SUITE_P(Committed, SuiteGates,
                         ::testing::Values(GateCase{"mobilenetv2", {0.5, 0.85, 4.0}},
                                           GateCase{"resnet18_block", {0.5, 0.85, 4.0}},
                                           GateCase{"kws", {0.5, 0.85, 4.0}},
                                           GateCase{"xor", {0.5, 0.7}},
                                           GateCase{"kernels", {0.5, 0.85, 4.0}}),
                         [](const auto& info) { return info.param.suite; });

}  // namespace
}  // namespace qb::harness
