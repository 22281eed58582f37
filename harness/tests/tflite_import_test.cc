// import_tflite on forms the shipped models do not use: a float-I/O file whose first and
// last operators are QUANTIZE and DEQUANTIZE (the host does both), and a depthwise
// convolution with depth multiplier 2 on several input channels (the reference kernel's
// general form), run end to end on the host and on an emulated core.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "harness/import/tflite_import.h"
#include "harness/pipeline/suite_pipeline.h"
#include "harness/suite/input_error.h"
#include "harness/targets/host_target.h"
#include "harness/targets/target_registry.h"
#include "harness/tests/suite_test_support.h"
#include "harness/tests/tflite_test_builder.h"
#include "kernels/float/quantize.h"

namespace qb::harness {
namespace {

using namespace testing::tflite_builder;
using testing::ScratchDir;
using testing::source_dir;

// float [1,4] -> QUANTIZE -> int8 [1,4] -> FULLY_CONNECTED -> int8 [1,3] -> DEQUANTIZE -> float.
BuiltModel float_io_dense_model() {
  BuiltModel m = dense_model();  // tensors 0 input, 1 weights, 2 bias, 3 output
  m.codes.push_back(fb::BuiltinOperator::QUANTIZE);
  m.codes.push_back(fb::BuiltinOperator::DEQUANTIZE);
  m.tensors.push_back({"float_input", {1, 4}, fb::TensorType::FLOAT32});   // 4
  m.tensors.push_back({"float_output", {1, 3}, fb::TensorType::FLOAT32});  // 5
  m.operators.insert(m.operators.begin(), BuiltOperator{1, {4}, {0}, nullptr});
  m.operators.push_back(BuiltOperator{2, {3}, {5}, nullptr});
  m.inputs = {4};
  m.outputs = {5};
  return m;
}

TEST(TfliteImport, FloatInputAndOutputAreQuantizedAndDequantizedOnTheHost) {
  ScratchDir dir;
  const std::string model = dir.write("float_io.tflite", float_io_dense_model().bytes());
  const ImportedModel imported = import_tflite(model);
  EXPECT_TRUE(imported.quantize_at_input);
  EXPECT_TRUE(imported.dequantize_at_output);
  ASSERT_EQ(imported.graph.nodes.size(), 1u) << "QUANTIZE and DEQUANTIZE are not layers";
  EXPECT_EQ(imported.operator_index, std::vector<int32_t>{1});
  EXPECT_EQ(imported.operator_name, std::vector<std::string>{"FULLY_CONNECTED"});
  EXPECT_EQ(imported.quant.input.scale, 0.5f);

  // A test input file holds the float32 tensor; the host quantizes it as QUANTIZE would:
  // round(x / 0.5) half away from zero, plus zero point 0, saturated.
  const std::vector<float> values = {1.0f, -0.75f, 2.25f, 1000.0f};
  std::string bytes(sizeof(float) * values.size(), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  Suite suite;
  suite.name = "float_io";
  suite.file = model;
  suite.model = ModelSource{model, ""};
  suite.input_files = {dir.write("in.bin", bytes)};
  const PreparedSuite p = prepare_suite(suite, "");
  EXPECT_EQ(p.inputs, (std::vector<int8_t>{2, -2, 5, 127}));
  const RunResult host = HostTarget().run(run_request(p, 1));
  ASSERT_EQ(host.layer_outputs.size(), 1u);

  // The same file read as int8 (a quarter of the bytes) is the wrong size.
  suite.input_files = {dir.write("int8.bin", std::string(4, '\0'))};
  try {
    prepare_suite(suite, "");
    ADD_FAILURE() << "an int8-sized input for a float-input model was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("expected 16 bytes (one float32 input tensor"), std::string::npos) << e.what();
  }
}

// int8 [1,5,4,2] -> DEPTHWISE_CONV_2D 3x3 SAME, multiplier 2 -> [1,5,4,4]: output channel c
// reads input channel c / 2.
BuiltModel depthwise_multiplier_model() {
  BuiltModel m;
  m.codes = {fb::BuiltinOperator::DEPTHWISE_CONV_2D};
  std::vector<uint8_t> weights(3 * 3 * 4);
  for (size_t i = 0; i < weights.size(); ++i) {
    weights[i] = static_cast<uint8_t>(static_cast<int8_t>(static_cast<int>((i * 37) % 255) - 127));
  }
  const uint32_t w = m.add_buffer(weights);
  const uint32_t bias = m.add_buffer(raw_bytes(std::vector<int32_t>{-300, 120, 4000, -17}));
  m.tensors = {
      {"input", {1, 5, 4, 2}, fb::TensorType::INT8, 0, {0.05f}, {-7}},
      {"weights", {1, 3, 3, 4}, fb::TensorType::INT8, w, {0.01f, 0.02f, 0.004f, 0.03f}, {0, 0, 0, 0}, 3},
      {"bias", {4}, fb::TensorType::INT32, bias, {0.0005f, 0.001f, 0.0002f, 0.0015f}, {0, 0, 0, 0}},
      {"output", {1, 5, 4, 4}, fb::TensorType::INT8, 0, {0.04f}, {3}},
  };
  m.operators = {{0, {0, 1, 2}, {3}, [](flatbuffers::FlatBufferBuilder& b) {
                    return std::make_pair(
                        fb::BuiltinOptions::DepthwiseConv2DOptions,
                        fb::CreateDepthwiseConv2DOptions(b, fb::Padding::SAME, 1, 1, 2).Union());
                  }}};
  m.inputs = {0};
  m.outputs = {3};
  return m;
}

TEST(TfliteImport, DepthMultiplierOnSeveralChannelsRunsAndAgreesWithFloat) {
  ScratchDir dir;
  const std::string model = dir.write("dw_m2.tflite", depthwise_multiplier_model().bytes());
  Suite suite;
  suite.name = "dw_m2";
  suite.file = model;
  suite.model = ModelSource{model, ""};
  const PreparedSuite p = prepare_suite(suite, "");  // four samples over the input's range
  ASSERT_EQ(p.graph.nodes.size(), 1u);
  EXPECT_EQ(p.graph.nodes[0].def.op, OpKind::kDepthwiseConv2d);
  EXPECT_EQ(p.graph.nodes[0].filter_shape.c, 4);

  const RunResult host = HostTarget().run(run_request(p, 1));
  // Against the float graph (dequantized weights on the dequantized inputs): integer
  // rounding keeps every value within one step; reading the wrong input channel would not.
  const auto& q = p.calibration.nodes[0];
  const std::vector<int8_t>& got = host.layer_outputs[0];
  ASSERT_EQ(got.size(), p.float_outputs[0].size());
  for (size_t i = 0; i < got.size(); ++i) {
    const float f = std::clamp(p.float_outputs[0][i], kernels::fp::dequantize(-128, q), kernels::fp::dequantize(127, q));
    EXPECT_NEAR(kernels::fp::dequantize(got[i], q), f, q.scale * 1.01f) << "value " << i;
  }
  // An emulated core runs the same reference path: the same bytes.
  const auto table = load_targets(source_dir() + "/targets/targets.json");
  const RunResult m4 = make_target(find_target(table, "cortex-m4"))->run(run_request(p, 1));
  EXPECT_EQ(m4.layer_outputs, host.layer_outputs);
}

}  // namespace
}  // namespace qb::harness
