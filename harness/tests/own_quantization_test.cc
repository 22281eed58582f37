// A float32 .tflite quantized by qbench itself: its calibration set and its choices. On the
// float VWW model (MobileNetV1 0.25) per-tensor weights cost the depthwise layers whose
// channel ranges lie far apart, as the quantization study found on MobileNetV1.
#include <gtest/gtest.h>

#include <string>

#include "harness/diagnostics/weight_quality.h"
#include "harness/pipeline/suite_pipeline.h"
#include "harness/suite/input_error.h"
#include "harness/suite/suite_loader.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

std::string suite_text(bool per_channel, bool with_calibration = true) {
  const std::string calibration =
      with_calibration
          ? R"("calibration": {"samples": 4, "inputs": {"generator": "uniform", "seed": 1, "low": -1, "high": 1}},)"
          : "";
  return R"({"name": "vww_own", "model": {"float_tflite": ")" + testing::source_dir() +
         R"(/models/vww_96_float.tflite"},
    "quantization": {"per_channel": )" + std::string(per_channel ? "true" : "false") + R"(},
    "data": {)" + calibration + R"(
      "test": {"samples": 2, "inputs": {"generator": "uniform", "seed": 2, "low": -1, "high": 1}}}})";
}

PreparedSuite prepared(const std::string& text) {
  return prepare_suite(parse_suite_text(text, "vww_own.json", "."), text);
}

TEST(OwnQuantization, PerTensorWeightsCostTheSpreadDepthwiseLayers) {
  const PreparedSuite per_channel = prepared(suite_text(true));
  const PreparedSuite per_tensor = prepared(suite_text(false));
  ASSERT_EQ(per_channel.graph.nodes.size(), per_tensor.graph.nodes.size());
  int checked = 0;
  for (size_t i = 0; i < per_channel.graph.nodes.size(); ++i) {
    if (per_channel.graph.nodes[i].def.op != OpKind::kDepthwiseConv2d) continue;
    const auto quality = [&](const PreparedSuite& p) {
      return weight_quality(p.graph.nodes[i], p.compiled.spec.layers[i].weights, p.compiled.weight_scales[i]);
    };
    const WeightQuality pc = quality(per_channel), pt = quality(per_tensor);
    ASSERT_TRUE(pc.sqnr_db && pt.sqnr_db && pt.range_spread) << i;
    EXPECT_GT(*pc.sqnr_db, 44.0) << i;  // 127 levels for every channel
    EXPECT_LT(*pt.sqnr_db, *pc.sqnr_db) << i;
    // The layer whose channel ranges lie furthest apart loses the most.
    if (*pt.range_spread > 10.0) EXPECT_LT(*pt.sqnr_db, *pc.sqnr_db - 15.0) << i;
    ++checked;
  }
  EXPECT_EQ(checked, 13);
}

TEST(OwnQuantization, AFloatModelAloneNeedsACalibrationSet) {
  try {
    prepared(suite_text(true, false));
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "vww_own.json: /data: expected \"data\": {\"calibration\": ...} (qbench quantizes the float "
              "model with it), got no calibration set");
  }
}

}  // namespace
}  // namespace qb::harness
