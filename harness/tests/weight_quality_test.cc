// Weight diagnostics: a layer with one outsized channel keeps its weights under
// per-channel scales and loses them under one per-tensor scale, and the range spread
// names the reason; weights that are int8 values already show no noise.
#include "harness/diagnostics/weight_quality.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "harness/pipeline/model_compiler.h"

namespace qb::harness {
namespace {

// A 3x3 depthwise node over `channels` channels, weights uniform in +-0.5 except channel
// 0, `outsized` times larger (as batch norm folding makes a zero-variance channel).
Node depthwise_node(int32_t channels, float outsized, bool per_channel) {
  Node node;
  node.def.op = OpKind::kDepthwiseConv2d;
  node.def.kernel = {3, 3};
  node.def.per_channel = per_channel;
  node.output_shape = {1, 4, 4, channels};
  node.filter_shape = {1, 3, 3, channels};
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> w(-0.5f, 0.5f);
  node.weights.resize(static_cast<size_t>(9 * channels));
  for (size_t i = 0; i < node.weights.size(); ++i) {
    node.weights[i] = w(rng) * (i % static_cast<size_t>(channels) == 0 ? outsized : 1.0f);
  }
  node.bias.assign(static_cast<size_t>(channels), 0.01f);
  return node;
}

WeightQuality compiled_quality(const Node& node, LayerSpec* layer = nullptr) {
  std::vector<float> scales;
  const kernels::fp::QuantParams in{0.02f, -3}, out{0.05f, 4};
  LayerSpec compiled = compile_layer(node, in, in, out, nullptr, &scales);
  const WeightQuality q = weight_quality(node, compiled.weights, scales);
  if (layer != nullptr) *layer = compiled;
  return q;
}

TEST(WeightQuality, PerTensorScaleLosesTheChannelsAnOutsizedOneSqueezes) {
  LayerSpec per_tensor_layer;
  const WeightQuality per_channel = compiled_quality(depthwise_node(16, 100.0f, true));
  const WeightQuality per_tensor =
      compiled_quality(depthwise_node(16, 100.0f, false), &per_tensor_layer);
  ASSERT_TRUE(per_channel.sqnr_db && per_tensor.sqnr_db);
  // Per channel every channel has 127 levels: about 6 dB a bit, ~45 dB or more.
  EXPECT_GT(*per_channel.sqnr_db, 40.0);
  // Per tensor the 15 ordinary channels (the median one among them) get about one level.
  EXPECT_LT(*per_tensor.sqnr_db, *per_channel.sqnr_db - 20.0);
  // The spread is the weights' own, whatever the scales: about 100 either way.
  ASSERT_TRUE(per_channel.range_spread && per_tensor.range_spread);
  EXPECT_NEAR(*per_channel.range_spread, *per_tensor.range_spread, 1e-9);
  EXPECT_GT(*per_tensor.range_spread, 50.0);
  // Per-tensor weights still give the runtime one multiplier per channel, all the same.
  ASSERT_EQ(per_tensor_layer.multiplier.size(), 16u);
  for (size_t c = 1; c < 16; ++c) {
    EXPECT_EQ(per_tensor_layer.multiplier[c], per_tensor_layer.multiplier[0]);
    EXPECT_EQ(per_tensor_layer.shift[c], per_tensor_layer.shift[0]);
  }
}

TEST(WeightQuality, EvenChannelsLoseLittleToOneScale) {
  const WeightQuality per_channel = compiled_quality(depthwise_node(16, 1.0f, true));
  const WeightQuality per_tensor = compiled_quality(depthwise_node(16, 1.0f, false));
  ASSERT_TRUE(per_channel.sqnr_db && per_tensor.sqnr_db && per_tensor.range_spread);
  EXPECT_LT(*per_tensor.range_spread, 2.0);
  EXPECT_NEAR(*per_tensor.sqnr_db, *per_channel.sqnr_db, 3.0);
}

TEST(WeightQuality, Int8ValuedWeightsShowNoNoiseAndZeroChannelsNoRange) {
  Node node = depthwise_node(4, 1.0f, true);
  // Channel 3 all zero; the others exactly 0.01 x an integer in [-127, 127] with a 127 in
  // each, so their per-channel scale is 0.01 and they quantize without loss.
  for (size_t i = 0; i < node.weights.size(); ++i) {
    const size_t c = i % 4, tap = i / 4;
    node.weights[i] = c == 3 ? 0.0f : 0.01f * static_cast<float>(tap == 0 ? 127 : 13 * static_cast<int>(tap) - 50 + static_cast<int>(c));
  }
  const WeightQuality q = compiled_quality(node);
  EXPECT_FALSE(q.sqnr_db);
  ASSERT_TRUE(q.range_spread);
  EXPECT_DOUBLE_EQ(*q.range_spread, 1.0);  // three live channels, each with 1.27
}

TEST(WeightQuality, LayersWithoutWeightsHaveNone) {
  Node pool;
  pool.def.op = OpKind::kMaxPool2d;
  const WeightQuality q = weight_quality(pool, {}, {});
  EXPECT_FALSE(q.sqnr_db);
  EXPECT_FALSE(q.range_spread);
}

}  // namespace
}  // namespace qb::harness
