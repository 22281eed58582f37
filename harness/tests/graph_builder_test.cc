// Shape inference, relu fusion, "same" padding and parameter generation.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "harness/suite/generators.h"
#include "harness/suite/graph_builder.h"
#include "harness/suite/input_error.h"
#include "harness/suite/suite_loader.h"
#include "harness/tests/suite_test_support.h"

namespace qb::harness {
namespace {

using kernels::Shape;
using nlohmann::json;

Graph build(const std::string& input_shape, const std::string& layers) {
  json doc = testing::tiny_suite();
  doc["input"]["shape"] = json::parse(input_shape);
  doc["layers"] = json::parse(layers);
  doc["data"]["test"].erase("labels");
  return build_graph(parse_suite(doc, "g.json", "."));
}

bool same(const Shape& a, const Shape& b) {
  return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

#define EXPECT_SHAPE(actual, ...) \
  EXPECT_PRED2(same, actual, (Shape{__VA_ARGS__})) << shape_string(actual)

TEST(GraphBuilder, InfersShapesOfEveryOp) {
  const Graph g = build("[12, 10, 3]", R"([
    {"name": "c", "op": "conv2d", "filters": 8, "kernel": [3, 5], "stride": [2, 1],
     "padding": [1, 1, 2, 2]},
    {"name": "dw", "op": "depthwise_conv2d", "kernel": 3, "stride": 2},
    {"name": "pw", "op": "pointwise_conv2d", "filters": 6},
    {"name": "p", "op": "pad", "padding": [0, 1, 2, 3]},
    {"name": "avg", "op": "avg_pool2d", "pool": [2, 3], "stride": 1},
    {"name": "max", "op": "max_pool2d", "pool": 2},
    {"name": "gap", "op": "global_avg_pool2d"},
    {"name": "fc", "op": "dense", "units": 4},
    {"name": "sig", "op": "sigmoid"}
  ])");
  EXPECT_EQ(g.suite_name, "tiny");
  EXPECT_SHAPE(g.input_shape, 1, 12, 10, 3);
  ASSERT_EQ(g.nodes.size(), 9u);
  EXPECT_SHAPE(g.nodes[0].output_shape, 1, 6, 10, 8);  // (12+2-3)/2+1, (10+4-5)/1+1
  EXPECT_SHAPE(g.nodes[0].filter_shape, 8, 3, 5, 3);
  EXPECT_SHAPE(g.nodes[1].output_shape, 1, 2, 4, 8);   // (6-3)/2+1, (10-3)/2+1
  EXPECT_SHAPE(g.nodes[1].filter_shape, 1, 3, 3, 8);
  EXPECT_SHAPE(g.nodes[2].output_shape, 1, 2, 4, 6);
  EXPECT_SHAPE(g.nodes[2].filter_shape, 6, 1, 1, 8);
  EXPECT_SHAPE(g.nodes[3].output_shape, 1, 3, 9, 6);
  EXPECT_SHAPE(g.nodes[4].output_shape, 1, 2, 7, 6);
  EXPECT_SHAPE(g.nodes[5].output_shape, 1, 1, 3, 6);
  EXPECT_SHAPE(g.nodes[6].output_shape, 1, 1, 1, 6);
  EXPECT_SHAPE(g.nodes[7].output_shape, 1, 1, 1, 4);
  EXPECT_SHAPE(g.nodes[7].filter_shape, 4, 1, 1, 6);
  EXPECT_SHAPE(g.nodes[8].output_shape, 1, 1, 1, 4);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    EXPECT_EQ(g.nodes[i].inputs, std::vector<int32_t>{static_cast<int32_t>(i) - 1}) << i;
  }
  EXPECT_EQ(g.nodes[0].inputs[0], kGraphInput);
  // Weightless ops carry no parameters.
  for (size_t i : {3u, 4u, 5u, 6u, 8u}) {
    EXPECT_TRUE(g.nodes[i].weights.empty() && g.nodes[i].bias.empty()) << i;
  }
  EXPECT_EQ(g.nodes[0].weights.size(), 8u * 3 * 5 * 3);
  EXPECT_EQ(g.nodes[0].bias.size(), 8u);
  EXPECT_EQ(g.nodes[1].weights.size(), 3u * 3 * 8);
  EXPECT_EQ(g.nodes[1].bias.size(), 8u);
  EXPECT_EQ(g.nodes[7].weights.size(), 4u * 6);
}

TEST(GraphBuilder, DenseFlattensItsInput) {
  const Graph g = build("[3, 4, 5]", R"([{"op": "dense", "units": 7}])");
  EXPECT_SHAPE(g.nodes[0].output_shape, 1, 1, 1, 7);
  EXPECT_SHAPE(g.nodes[0].filter_shape, 7, 1, 1, 60);
}

TEST(GraphBuilder, SamePaddingFollowsTflite) {
  // in 7, k 3, s 2: out 4, total (4-1)*2+3-7 = 2 -> 1/1.
  // in 8, k 4, s 3: out 3, total (3-1)*3+4-8 = 2 -> 1/1.  in 8, k 2, s 2: total 0.
  // in 6, k 4, s 1: out 6, total 3 -> 1/2 (the extra pad goes bottom/right).
  const Graph g = build("[7, 8, 1]", R"([
    {"op": "conv2d", "filters": 2, "kernel": [3, 4], "stride": [2, 3], "padding": "same"},
    {"op": "max_pool2d", "pool": [2, 2], "padding": "same"},
    {"op": "depthwise_conv2d", "kernel": 4, "stride": 1, "padding": "same"}
  ])");
  EXPECT_EQ(g.nodes[0].def.padding, (std::array<int32_t, 4>{1, 1, 1, 1}));
  EXPECT_SHAPE(g.nodes[0].output_shape, 1, 4, 3, 2);
  // in 4x3, k 2, s 2: h out 2 total 0; w out 2 total (2-1)*2+2-3 = 1 -> 0/1.
  EXPECT_EQ(g.nodes[1].def.padding, (std::array<int32_t, 4>{0, 0, 0, 1}));
  EXPECT_SHAPE(g.nodes[1].output_shape, 1, 2, 2, 2);
  // in 2x2, k 4, s 1: out 2, total 3 -> 1/2.
  EXPECT_EQ(g.nodes[2].def.padding, (std::array<int32_t, 4>{1, 2, 1, 2}));
  EXPECT_SHAPE(g.nodes[2].output_shape, 1, 2, 2, 2);
  EXPECT_TRUE(g.nodes[2].def.same_padding);
}

TEST(GraphBuilder, FusesReluIntoThePreviousLayer) {
  const Graph g = build("[6, 6, 2]", R"([
    {"name": "a", "op": "conv2d", "filters": 2, "kernel": 3, "padding": 1},
    {"name": "ra", "op": "relu"},
    {"name": "b", "op": "conv2d", "filters": 2, "kernel": 3, "padding": 1, "activation": "relu6"},
    {"op": "relu6"},
    {"name": "sum", "op": "add", "inputs": ["ra", "relu63"]},
    {"op": "relu"},
    {"op": "relu"},
    {"op": "global_avg_pool2d"}
  ])");
  ASSERT_EQ(g.nodes.size(), 4u);
  EXPECT_EQ(g.nodes[0].def.name, "a");
  EXPECT_EQ(g.nodes[0].def.activation, Activation::kRelu);
  EXPECT_EQ(g.nodes[1].def.activation, Activation::kRelu6);
  EXPECT_EQ(g.nodes[2].def.name, "sum");
  EXPECT_EQ(g.nodes[2].def.activation, Activation::kRelu);
  EXPECT_EQ(g.nodes[2].inputs, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(g.nodes[3].inputs, std::vector<int32_t>{2});
  EXPECT_EQ(g.nodes[3].def.activation, Activation::kNone);
}

TEST(GraphBuilder, AFinalReluIsTheOutput) {
  const Graph g = build("[4]", R"([{"op": "dense", "units": 3}, {"op": "relu6"}])");
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].def.activation, Activation::kRelu6);
}

TEST(GraphBuilder, ResidualFromTheModelInput) {
  const Graph g = build("[4, 4, 2]", R"([
    {"op": "conv2d", "filters": 2, "kernel": 3, "padding": "same"},
    {"op": "add", "inputs": ["input", "conv2d0"]}
  ])");
  EXPECT_EQ(g.nodes[1].inputs, (std::vector<int32_t>{kGraphInput, 0}));
  EXPECT_SHAPE(g.nodes[1].output_shape, 1, 4, 4, 2);
}

TEST(GraphBuilder, DefaultParametersAreDocumentedGenerators) {
  const Graph g = build("[5, 5, 2]", R"([
    {"op": "sigmoid"},
    {"op": "conv2d", "filters": 3, "kernel": 3}
  ])");
  const Node& conv = g.nodes[1];
  ASSERT_TRUE(conv.def.weights && conv.def.bias);
  const double limit = std::sqrt(6.0 / (3 * 3 * 2));
  EXPECT_EQ(conv.def.weights->kind, Generator::Kind::kUniform);
  EXPECT_EQ(conv.def.weights->seed, 2u);  // layer index + 1
  EXPECT_EQ(conv.def.weights->low, -limit);
  EXPECT_EQ(conv.def.weights->high, limit);
  EXPECT_EQ(conv.def.bias->kind, Generator::Kind::kSinusoid);
  EXPECT_EQ(conv.def.bias->amp, 0.1);
  EXPECT_EQ(conv.def.bias->phase, 1.0);
  EXPECT_EQ(conv.weights, generate(*conv.def.weights, 3 * 3 * 3 * 2));
  EXPECT_EQ(conv.bias, generate(*conv.def.bias, 3));
  for (float w : conv.weights) {
    EXPECT_GE(w, -limit);
    EXPECT_LE(w, limit);
  }
  // Deterministic: building twice gives the same bytes.
  const Graph again = build("[5, 5, 2]", R"([
    {"op": "sigmoid"}, {"op": "conv2d", "filters": 3, "kernel": 3}])");
  EXPECT_EQ(again.nodes[1].weights, conv.weights);
  EXPECT_EQ(again.nodes[1].bias, conv.bias);
}

TEST(GraphBuilder, DeclaredParametersAreGeneratedInFilterLayout) {
  const Graph g = build("[3]", R"([
    {"op": "dense", "units": 2,
     "weights": {"generator": "values", "values": [[1, 2, 3], [4, 5, 6]]},
     "bias": {"generator": "constant", "value": 0.25}}
  ])");
  EXPECT_EQ(g.nodes[0].weights, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(g.nodes[0].bias, (std::vector<float>{0.25f, 0.25f}));
}

TEST(GraphBuilder, LabelsIndexTheOutput) {
  json doc = testing::tiny_suite();
  EXPECT_NO_THROW(build_graph(parse_suite(doc, "g.json", ".")));
  doc["data"]["test"]["labels"] = {2, 3};
  EXPECT_THROW(build_graph(parse_suite(doc, "g.json", ".")), InputError);
}

TEST(GraphBuilder, RejectsOversizedFilters) {
  try {
    build("[1, 1, 4096]", R"([{"op": "dense", "units": 4096}])");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "g.json: /layers/0: expected at most 4194304 weights per layer, got "
                 "[4096,1,1,4096] (16777216)");
  }
}

}  // namespace
}  // namespace qb::harness
