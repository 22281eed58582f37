// batch_norm: computed unfolded by the float reference, folded into the layer before it
// for the int8 model; a zero-variance channel reproduces, in miniature, the per-tensor
// collapse of int8 MobileNets (Sheng et al., 2018), and both fixes recover.
#include <gtest/gtest.h>

#include <string>

#include "harness/diagnostics/weight_quality.h"
#include "harness/pipeline/suite_pipeline.h"
#include "harness/suite/input_error.h"
#include "harness/suite/suite_loader.h"

namespace qb::harness {
namespace {

// pointwise (relu; channels 1 and 3 dead: bias -50) -> depthwise -> batch_norm (relu6;
// the dead channels' variance 0, their mean the depthwise bias) -> pool -> dense.
std::string suite_text(const std::string& zero_variance, bool per_channel,
                       const std::string& variance = "[0.05, 0.0, 0.05, 0.0, 0.05, 0.05, 0.05, 0.05]") {
  return R"({"name": "bn", "input": {"shape": [8, 8, 4]},
    "layers": [
      {"name": "pw", "op": "pointwise_conv2d", "filters": 8, "activation": "relu",
       "weights": {"generator": "uniform", "seed": 1, "low": -0.5, "high": 0.5},
       "bias": {"generator": "values", "values": [0.1, -50, 0.1, -50, 0.1, 0.1, 0.1, 0.1]}},
      {"name": "dw", "op": "depthwise_conv2d", "kernel": 3, "padding": "same", "per_channel": )" +
         std::string(per_channel ? "true" : "false") + R"(,
       "weights": {"generator": "uniform", "seed": 2, "low": -0.5, "high": 0.5},
       "bias": {"generator": "constant", "value": 0.2}},
      {"name": "bn", "op": "batch_norm", "activation": "relu6", "epsilon": 1e-6,
       "zero_variance": ")" + zero_variance + R"(",
       "beta": {"generator": "constant", "value": 0.1},
       "mean": {"generator": "values", "values": [0, 0.2, 0, 0.2, 0, 0, 0, 0]},
       "variance": {"generator": "values", "values": )" + variance + R"(}},
      {"name": "pool", "op": "global_avg_pool2d"},
      {"name": "logits", "op": "dense", "units": 4,
       "weights": {"generator": "uniform", "seed": 3, "low": -1, "high": 1}}
    ],
    "data": {
      "calibration": {"samples": 16, "inputs": {"generator": "uniform", "seed": 10, "low": -1, "high": 1}},
      "test": {"samples": 32, "inputs": {"generator": "uniform", "seed": 11, "low": -1, "high": 1}}
    }})";
}

PreparedSuite prepared(const std::string& text) {
  return prepare_suite(parse_suite_text(text, "bn.json", "."), text);
}

TEST(BatchNorm, FoldsIntoTheLayerBeforeAndMatchesTheUnfoldedReference) {
  const PreparedSuite p = prepared(suite_text("zero_weights", true));
  ASSERT_EQ(p.graph.nodes.size(), 4u);  // pw, dw (+ bn), pool, logits
  EXPECT_EQ(p.graph.nodes[1].def.name, "dw");
  EXPECT_TRUE(p.graph.nodes[1].batch_norm_folded);
  ASSERT_TRUE(p.local_sqnr_db[1]);
  EXPECT_GT(*p.local_sqnr_db[1], 30.0);
}

TEST(BatchNorm, ZeroVarianceCollapsesAPerTensorLayerAndEitherFixRecovers) {
  const auto dw = [](const PreparedSuite& p) {
    return weight_quality(p.graph.nodes[1], p.compiled.spec.layers[1].weights, p.compiled.weight_scales[1]);
  };
  const PreparedSuite collapsed = prepared(suite_text("none", false));
  const PreparedSuite zero_weights = prepared(suite_text("zero_weights", false));
  const PreparedSuite per_channel = prepared(suite_text("none", true));
  // Folding gamma / sqrt(epsilon) into the dead channels makes their weights ~100x the
  // others': one per-tensor scale leaves the live channels a level or two.
  ASSERT_TRUE(dw(collapsed).range_spread && dw(collapsed).sqnr_db);
  EXPECT_GT(*dw(collapsed).range_spread, 100.0);
  EXPECT_LT(*dw(collapsed).sqnr_db, 15.0);
  EXPECT_LT(*collapsed.local_sqnr_db[1], 15.0);
  // Folding them as dead (zero weights, bias beta) or one scale per channel keeps them.
  EXPECT_LT(*dw(zero_weights).range_spread, 2.0);
  EXPECT_GT(*zero_weights.local_sqnr_db[1], 30.0);
  EXPECT_GT(*per_channel.local_sqnr_db[1], 30.0);
}

TEST(BatchNorm, BadDeclarationsNameTheirPlace) {
  const auto error_of = [](const std::string& text) {
    try {
      prepared(text);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of(suite_text("none", true, "[0.05, -0.5, 0.05, 0, 0.05, 0.05, 0.05, 0.05]")),
            "bn.json: /layers/2/variance: expected variances >= 0, got -0.500000 (channel 1)");
  std::string after_activation = suite_text("none", true);
  const std::string dw_line = R"("name": "dw", "op": "depthwise_conv2d",)";
  after_activation.replace(after_activation.find(dw_line), dw_line.size(), dw_line + R"( "activation": "relu",)");
  EXPECT_EQ(error_of(after_activation),
            "bn.json: /layers/2: expected \"dw\" without an activation (batch_norm comes before it; give "
            "it to the batch_norm), got activation \"relu\"");
}

}  // namespace
}  // namespace qb::harness
