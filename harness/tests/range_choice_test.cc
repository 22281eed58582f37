// Output range choices: "minmax" takes the observed extremes, "fixed" gives a relu6 layer
// [0, 6] whatever the data, {"percentile": P} leaves the extreme values out; the suite's
// "quantization" sets the default, a layer's own choice wins, and the suite's "fixed"
// passes over layers without relu6.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "harness/pipeline/calibration.h"
#include "harness/suite/graph_builder.h"
#include "harness/suite/input_error.h"
#include "harness/suite/suite_loader.h"

namespace qb::harness {
namespace {

// A dense layer (relu6) then a dense layer (no activation), 200 calibration samples.
std::string suite_text(const std::string& quantization, const std::string& first_range) {
  return R"({
    "name": "ranges", "input": {"shape": [8]},)" + quantization + R"(
    "layers": [
      {"name": "a", "op": "dense", "units": 16, "activation": "relu6")" + first_range + R"(,
       "weights": {"generator": "uniform", "seed": 3, "low": -1, "high": 1}},
      {"name": "b", "op": "dense", "units": 4,
       "weights": {"generator": "uniform", "seed": 4, "low": -1, "high": 1}}
    ],
    "data": {
      "calibration": {"samples": 200, "inputs": {"generator": "uniform", "seed": 5, "low": -1, "high": 1}},
      "test": {"samples": 10, "inputs": {"generator": "uniform", "seed": 6, "low": -1, "high": 1}}
    }
  })";
}

Calibration calibrated(const std::string& text) {
  const Suite suite = parse_suite_text(text, "ranges.json", ".");
  const Graph graph = build_graph(suite);
  std::vector<float> inputs(8 * 200);
  for (size_t i = 0; i < inputs.size(); ++i) inputs[i] = std::sin(0.37f * static_cast<float>(i)) * 3.0f;
  return calibrate(graph, inputs, 200);
}

// The real range a scale and zero point hold.
double range_of(const kernels::fp::QuantParams& q) { return 255.0 * q.scale; }

TEST(RangeChoice, FixedGivesRelu6LayersZeroToSix) {
  const Calibration minmax = calibrated(suite_text("", ""));
  const Calibration fixed = calibrated(suite_text("", R"(, "range": "fixed")"));
  EXPECT_NEAR(range_of(fixed.nodes[0]), 6.0, 1e-5);
  EXPECT_EQ(fixed.nodes[0].zero_point, -128);
  EXPECT_LT(range_of(minmax.nodes[0]), 6.0);  // these outputs stay under 6
  EXPECT_EQ(fixed.nodes[1].scale, minmax.nodes[1].scale);  // the other layer keeps minmax
}

TEST(RangeChoice, PercentileNarrowsTheRangeAndTheSuiteDefaultApplies) {
  const Calibration minmax = calibrated(suite_text("", ""));
  const Calibration p90 = calibrated(suite_text(R"("quantization": {"range": {"percentile": 90}},)", ""));
  EXPECT_LT(range_of(p90.nodes[1]), range_of(minmax.nodes[1]) * 0.95);
  const Calibration p100 = calibrated(suite_text(R"("quantization": {"range": {"percentile": 100}},)", ""));
  EXPECT_EQ(p100.nodes[1].scale, minmax.nodes[1].scale);
  EXPECT_EQ(p100.nodes[1].zero_point, minmax.nodes[1].zero_point);
  // A layer's own choice wins over the suite's.
  const Calibration own = calibrated(
      suite_text(R"("quantization": {"range": {"percentile": 90}},)", R"(, "range": "minmax")"));
  EXPECT_EQ(own.nodes[0].scale, minmax.nodes[0].scale);
  EXPECT_EQ(own.nodes[1].scale, p90.nodes[1].scale);
}

TEST(RangeChoice, SuiteFixedPassesOverLayersWithoutRelu6) {
  const Calibration minmax = calibrated(suite_text("", ""));
  const Calibration fixed = calibrated(suite_text(R"("quantization": {"range": "fixed"},)", ""));
  EXPECT_NEAR(range_of(fixed.nodes[0]), 6.0, 1e-5);
  EXPECT_EQ(fixed.nodes[1].scale, minmax.nodes[1].scale);
}

TEST(RangeChoice, ALayersOwnFixedNeedsRelu6) {
  std::string text = suite_text("", "");
  const std::string relu6 = R"("activation": "relu6")";
  text.replace(text.find(relu6), relu6.size(), R"("activation": "relu", "range": "fixed")");
  try {
    parse_suite_text(text, "ranges.json", ".");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "ranges.json: /layers/0/range: expected \"fixed\" only on a layer whose activation is "
              "relu6 (its range is [0, 6]), got \"fixed\" on a layer with activation \"relu\"");
  }
}

}  // namespace
}  // namespace qb::harness
