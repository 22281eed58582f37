// import_tflite against hostile files: not a flatbuffer, truncated, corrupted, forged at
// the flatbuffer level, and well-formed files that ask for what qbench does not support.
// Each must give one InputError line naming the file and the operator or tensor; nothing
// may crash (the sanitized build runs these under ASan and UBSan).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <nlohmann/json.hpp>

#include "harness/import/tflite_import.h"
#include "harness/import/tflite_subset_generated.h"
#include "harness/pipeline/suite_pipeline.h"
#include "harness/suite/input_error.h"
#include "harness/tests/suite_test_support.h"
#include "harness/tests/tflite_test_builder.h"

namespace qb::harness {
namespace {

namespace fb = qb::tflite;
using namespace testing::tflite_builder;
using testing::ScratchDir;
using testing::source_dir;

std::string model_path(const std::string& name) { return source_dir() + "/models/" + name; }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The InputError import_tflite gives for `path`; a failure if it imports. Any other
// exception escapes and fails the test with its own message.
std::string import_error(const std::string& path) {
  try {
    import_tflite(path);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << path << ": imported without an error";
  return "";
}

// One line that starts with the file and holds every part.
void expect_message(const std::string& message, const std::string& file,
                    std::initializer_list<std::string> parts) {
  EXPECT_EQ(message.rfind(file + ": ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  for (const std::string& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos) << "no \"" << part << "\" in: " << message;
  }
}

uint32_t u32_at(const std::string& bytes, size_t offset) {
  uint32_t v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

void set_u32(std::string& bytes, size_t offset, uint32_t v) { std::memcpy(bytes.data() + offset, &v, sizeof v); }

// Where a flatbuffer object lives inside `bytes` (a vector or string: its length field).
size_t offset_of(const std::string& bytes, const void* object) {
  return static_cast<size_t>(static_cast<const char*>(object) - bytes.data());
}

// A scratch folder holding the files of one test.
struct Files {
  ScratchDir dir;
  std::string write(const std::string& name, const std::string& bytes) const { return dir.write(name, bytes); }
  std::string model(const std::string& name, const BuiltModel& spec) const { return write(name, spec.bytes()); }
};

// ---------------------------------------------------------------------------------------

TEST(TfliteImportErrors, TheBuiltModelsImport) {
  // The hostile files below are these with one thing changed; they must import as they are.
  Files f;
  const ImportedModel dense = import_tflite(f.model("dense.tflite", dense_model()));
  EXPECT_TRUE(dense.quantized);
  ASSERT_EQ(dense.graph.nodes.size(), 1u);
  EXPECT_EQ(dense.graph.nodes[0].def.op, OpKind::kDense);
  EXPECT_EQ(import_tflite(f.model("softmax.tflite", dense_softmax_model())).graph.nodes.size(), 2u);
  const ImportedModel conv = import_tflite(f.model("conv.tflite", conv_model()));
  ASSERT_EQ(conv.graph.nodes.size(), 1u);
  EXPECT_EQ(conv.graph.nodes[0].def.op, OpKind::kConv2d);
  EXPECT_TRUE(import_tflite(model_path("hello_world_int8.tflite")).quantized);
}

TEST(TfliteImportErrors, FilesThatAreNotTfliteFlatbuffers) {
  Files f;
  const std::string empty = f.write("empty.tflite", "");
  expect_message(import_error(empty), empty, {"TFL3", "got 0 bytes"});
  const std::string three = f.write("three.tflite", "TFL");
  expect_message(import_error(three), three, {"TFL3", "got 3 bytes"});
  const std::string text = f.write("text.tflite", "name,value\nthis is a CSV file, not a model\n");
  expect_message(import_error(text), text, {"TFL3", "another file"});
  std::string other = read_bytes(model_path("hello_world_int8.tflite"));
  other.replace(4, 4, "TFL2");
  const std::string renamed = f.write("tfl2.tflite", other);
  expect_message(import_error(renamed), renamed, {"\"TFL3\"", "another file"});
  const std::string missing = f.dir.path() + "/missing.tflite";
  expect_message(import_error(missing), missing, {"no such file"});
  expect_message(import_error(f.dir.path()), f.dir.path(), {"not a regular file"});
}

TEST(TfliteImportErrors, EveryTruncationOfASmallModelIsRefused) {
  Files f;
  const std::string whole = read_bytes(model_path("hello_world_int8.tflite"));
  ASSERT_EQ(whole.size(), 2704u);
  const std::string path = f.dir.path() + "/cut.tflite";
  for (size_t len = 0; len < whole.size(); ++len) {
    f.write("cut.tflite", whole.substr(0, len));
    const std::string message = import_error(path);
    ASSERT_EQ(message.rfind(path + ": ", 0), 0u) << "length " << len << ": " << message;
    ASSERT_NE(message.find(len < 8 ? "TFL3" : "failed verification"), std::string::npos)
        << "length " << len << ": " << message;
  }
}

TEST(TfliteImportErrors, TruncationsOfALargerModelAreRefused) {
  Files f;
  const std::string whole = read_bytes(model_path("person_detect.tflite"));
  ASSERT_GT(whole.size(), 100000u);
  const std::string path = f.dir.path() + "/cut.tflite";
  std::vector<size_t> lengths;
  for (size_t i = 0; i < 200; ++i) lengths.push_back(whole.size() * i / 200);
  for (size_t back = 1; back <= 64; ++back) lengths.push_back(whole.size() - back);
  for (size_t len : lengths) {
    f.write("cut.tflite", whole.substr(0, len));
    const std::string message = import_error(path);
    ASSERT_EQ(message.rfind(path + ": ", 0), 0u) << "length " << len << ": " << message;
  }
}

// Seeded random damage to a real model: 1 to 4 bytes set to random values or bit-flipped.
// Each file must import or be refused with an InputError naming it, never anything else.
void corrupt_and_import(const std::string& model, uint32_t seed, int mutations, int* imported,
                        int* refused) {
  Files f;
  const std::string whole = read_bytes(model_path(model));
  ASSERT_FALSE(whole.empty()) << model;
  const std::string path = f.dir.path() + "/damaged.tflite";
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> position(0, whole.size() - 1);
  std::uniform_int_distribution<int> count(1, 4), byte(0, 255), bit(0, 7), kind(0, 1);
  for (int m = 0; m < mutations; ++m) {
    std::string bytes = whole;
    const int n = count(rng);
    for (int k = 0; k < n; ++k) {
      char& c = bytes[position(rng)];
      c = kind(rng) == 0 ? static_cast<char>(byte(rng)) : static_cast<char>(c ^ (1 << bit(rng)));
    }
    f.write("damaged.tflite", bytes);
    try {
      import_tflite(path);
      ++*imported;
    } catch (const InputError& e) {
      ++*refused;
      const std::string message = e.what();
      ASSERT_EQ(message.rfind(path + ": ", 0), 0u) << model << " mutation " << m << ": " << message;
      ASSERT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

TEST(TfliteImportErrors, RandomCorruptionImportsOrIsRefusedCleanly) {
  int imported = 0, refused = 0;
  corrupt_and_import("hello_world_int8.tflite", 1, 2500, &imported, &refused);
  corrupt_and_import("micro_speech_quantized.tflite", 2, 1000, &imported, &refused);
  EXPECT_EQ(imported + refused, 3500);
  // Both outcomes occur: damage to weight bytes imports, damage to offsets does not.
  EXPECT_GT(imported, 0);
  EXPECT_GT(refused, 0);
}

TEST(TfliteImportErrors, RootOffsetPastTheFileFailsVerification) {
  Files f;
  std::string bytes = read_bytes(model_path("hello_world_int8.tflite"));
  set_u32(bytes, 0, static_cast<uint32_t>(bytes.size() + 64));
  const std::string path = f.write("root.tflite", bytes);
  expect_message(import_error(path), path, {"failed verification"});
}

TEST(TfliteImportErrors, HugeVectorLengthFailsVerification) {
  const std::string whole = read_bytes(model_path("hello_world_int8.tflite"));
  const fb::Model* model = fb::GetModel(whole.data());
  ASSERT_NE(model->buffers(), nullptr);
  // A vector of tables, and a byte vector (a constant tensor's data).
  std::vector<size_t> length_fields = {offset_of(whole, model->buffers())};
  for (const fb::Buffer* buffer : *model->buffers()) {
    if (buffer->data() != nullptr && buffer->data()->size() > 0) {
      length_fields.push_back(offset_of(whole, buffer->data()));
      break;
    }
  }
  ASSERT_EQ(length_fields.size(), 2u);
  Files f;
  for (size_t field : length_fields) {
    for (uint32_t length : {uint32_t{0x7fffffff}, uint32_t{0x7ffffffe}, uint32_t{0xffffffff}}) {
      std::string bytes = whole;
      set_u32(bytes, field, length);
      const std::string path = f.write("vector.tflite", bytes);
      expect_message(import_error(path), path, {"failed verification"});
    }
  }
}

TEST(TfliteImportErrors, StringWithoutTerminatorFailsVerification) {
  const std::string whole = read_bytes(model_path("hello_world_int8.tflite"));
  const fb::Tensor* tensor = fb::GetModel(whole.data())->subgraphs()->Get(0)->tensors()->Get(0);
  ASSERT_NE(tensor->name(), nullptr);
  const size_t field = offset_of(whole, tensor->name());
  const size_t terminator = field + 4 + u32_at(whole, field);
  ASSERT_EQ(whole[terminator], '\0');
  std::string bytes = whole;
  bytes[terminator] = 'x';
  Files f;
  const std::string path = f.write("string.tflite", bytes);
  expect_message(import_error(path), path, {"failed verification"});
}

TEST(TfliteImportErrors, MisalignedZeroPointsAreRefused) {
  // 8-byte elements 4 bytes off their alignment pass the Verifier; reading them is
  // undefined behaviour.
  BuiltModel m = dense_model();
  m.misaligned_zero_points = 3;
  const std::string bytes = m.bytes();
  const auto* zero_point = fb::GetModel(bytes.data())->subgraphs()->Get(0)->tensors()->Get(3)->quantization()->zero_point();
  ASSERT_NE(zero_point, nullptr);
  ASSERT_EQ(zero_point->size(), 1u);
  ASSERT_EQ(offset_of(bytes, zero_point->data()) % 8, 4u);
  Files f;
  const std::string path = f.write("misaligned.tflite", bytes);
  expect_message(import_error(path), path, {"tensor 3 (output)", "zero points are not 8-byte aligned"});
}

TEST(TfliteImportErrors, UnsupportedOperatorIsNamedWithWhatIsSupported) {
  BuiltModel m = dense_model();
  m.codes = {fb::BuiltinOperator::MUL};
  m.operators[0].options = nullptr;
  Files f;
  const std::string path = f.model("mul.tflite", m);
  expect_message(import_error(path), path,
                 {"operator 0 (MUL)", "unsupported operator", "supported: CONV_2D", "FULLY_CONNECTED"});
}

TEST(TfliteImportErrors, Uint8AndInt16ModelsAreRefused) {
  Files f;
  for (fb::TensorType type : {fb::TensorType::UINT8, fb::TensorType::INT16}) {
    const std::string name = fb::EnumNameTensorType(type);
    BuiltModel whole = dense_model();
    whole.tensors[0].type = whole.tensors[3].type = type;
    const std::string all = f.model("all_" + name + ".tflite", whole);
    expect_message(import_error(all), all, {"input tensor 0 is " + name, "supported: int8 models"});

    BuiltModel output = dense_model();
    output.tensors[3].type = type;
    const std::string last = f.model("output_" + name + ".tflite", output);
    expect_message(import_error(last), last,
                   {"operator 0 (FULLY_CONNECTED)", "output tensor 3 is " + name, "expected INT8",
                    "uint8 and int16 models are not supported"});
  }
}

TEST(TfliteImportErrors, ShapesThatOverflowOrAreNegativeAreRefused) {
  Files f;
  BuiltModel huge = dense_model();
  huge.tensors[1].shape = {65536, 65536, 2};
  const std::string overflow = f.model("overflow.tflite", huge);
  expect_message(import_error(overflow), overflow, {"tensor 1 (weights)", "more than 2^31 - 1 elements"});

  BuiltModel negative = dense_model();
  negative.tensors[0].shape = {1, -4};
  const std::string path = f.model("negative.tflite", negative);
  expect_message(import_error(path), path, {"tensor 0 (input)", "at least 1, got -4"});

  BuiltModel zero = dense_model();
  zero.tensors[3].shape = {1, 0};
  const std::string empty = f.model("zero.tflite", zero);
  expect_message(import_error(empty), empty, {"tensor 3 (output)", "at least 1, got 0"});
}

TEST(TfliteImportErrors, IndicesPastTheirTablesAreRefused) {
  Files f;
  BuiltModel buffer = dense_model();
  buffer.tensors[1].buffer = 7;
  const std::string b = f.model("buffer.tflite", buffer);
  expect_message(import_error(b), b, {"tensor 1 (weights)", "buffer 7 is past the model's 3 buffers"});

  BuiltModel input = dense_model();
  input.operators[0].inputs = {0, 9, 2};
  const std::string i = f.model("input.tflite", input);
  expect_message(import_error(i), i, {"operator 0 (FULLY_CONNECTED)", "tensor index 9", "graph's 4 tensors"});

  BuiltModel negative = dense_model();
  negative.operators[0].outputs = {-3};
  const std::string n = f.model("output.tflite", negative);
  expect_message(import_error(n), n, {"operator 0 (FULLY_CONNECTED)", "tensor index -3"});

  BuiltModel graph = dense_model();
  graph.outputs = {4};
  const std::string g = f.model("graph.tflite", graph);
  expect_message(import_error(g), g, {"graph outputs", "tensor index 4"});

  BuiltModel code = dense_model();
  code.operators[0].opcode_index = 5;
  const std::string c = f.model("code.tflite", code);
  expect_message(import_error(c), c, {"operator 0: operator code 5 is past the model's 1 codes"});
}

TEST(TfliteImportErrors, WeightsThatDoNotFitAreRefused) {
  Files f;
  BuiltModel short_conv = conv_model();
  short_conv.buffers[short_conv.tensors[1].buffer].pop_back();
  const std::string conv = f.model("short.tflite", short_conv);
  expect_message(import_error(conv), conv,
                 {"operator 0 (CONV_2D)", "the weights", "53 bytes", "[3,3,3,2] of INT8 needs 54"});

  BuiltModel asymmetric = dense_model();
  asymmetric.buffers[asymmetric.tensors[1].buffer][5] = 0x80;
  const std::string minus = f.model("minus128.tflite", asymmetric);
  expect_message(import_error(minus), minus, {"operator 0 (FULLY_CONNECTED)", "-128", "[-127, 127]"});

  BuiltModel wide = dense_model();
  wide.tensors[1].shape = {3, 5};
  wide.buffers[wide.tensors[1].buffer].resize(15, 1);
  const std::string dense = f.model("wide.tflite", wide);
  expect_message(import_error(dense), dense,
                 {"operator 0 (FULLY_CONNECTED)", "the weights are [3,5]", "expected [3, 4]"});
}

TEST(TfliteImportErrors, GraphsOtherThanOneNonEmptyGraphAreRefused) {
  Files f;
  BuiltModel two = dense_model();
  two.subgraphs = 2;
  const std::string graphs = f.model("two.tflite", two);
  expect_message(import_error(graphs), graphs, {"2 subgraphs", "single-graph"});

  BuiltModel none = dense_model();
  none.subgraphs = 0;
  const std::string no_graph = f.model("none.tflite", none);
  expect_message(import_error(no_graph), no_graph, {"no subgraph"});

  BuiltModel empty = dense_model();
  empty.operators.clear();
  const std::string no_ops = f.model("empty.tflite", empty);
  expect_message(import_error(no_ops), no_ops, {"no operators"});
}

TEST(TfliteImportErrors, SoftmaxOutputMustBeTflitesInt8Softmax) {
  Files f;
  BuiltModel m = dense_softmax_model();
  m.tensors[4].scale = {1.0f / 128.0f};
  const std::string path = f.model("softmax.tflite", m);
  expect_message(import_error(path), path, {"operator 1 (SOFTMAX)", "scale 1/256 and zero point -128"});
}

// Numbers at the ends of int32 in operator options and constants: refused, and computed
// without overflow on the way (UBSan traps any signed overflow).
TEST(TfliteImportErrors, ExtremeGeometryIsRefusedWithoutOverflow) {
  Files f;
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  for (fb::Padding padding : {fb::Padding::SAME, fb::Padding::VALID}) {
    BuiltModel stride = conv_model();
    stride.operators[0].options = conv_options(padding, kMax);
    const std::string conv = f.model("stride.tflite", stride);
    expect_message(import_error(conv), conv, {"operator 0 (CONV_2D)", "stride 2147483647x2147483647", "1..4096"});
  }

  for (fb::Padding padding : {fb::Padding::SAME, fb::Padding::VALID}) {
    BuiltModel pool = conv_model();
    pool.codes = {fb::BuiltinOperator::AVERAGE_POOL_2D};
    pool.tensors[3].shape = {1, 4, 4, 2};
    pool.tensors[3].scale = pool.tensors[0].scale;
    pool.tensors[3].zero_point = pool.tensors[0].zero_point;
    pool.operators[0].inputs = {0};
    pool.operators[0].options = [padding](flatbuffers::FlatBufferBuilder& b) {
      return std::make_pair(fb::BuiltinOptions::Pool2DOptions,
                            fb::CreatePool2DOptions(b, padding, 1, 1, kMax, kMax).Union());
    };
    const std::string path = f.model("pool.tflite", pool);
    expect_message(import_error(path), path, {"operator 0 (AVERAGE_POOL_2D)", "window 2147483647x2147483647", "1..4096"});
  }

  BuiltModel pad = conv_model();
  pad.codes = {fb::BuiltinOperator::PAD};
  pad.tensors[1] = {"paddings", {4, 2}, fb::TensorType::INT32,
                    pad.add_buffer(raw_bytes(std::vector<int32_t>{0, 0, kMax, kMax, 1, 1, 0, 0})), {}, {}};
  pad.tensors[3].shape = {1, 6, 6, 2};
  pad.tensors[3].scale = pad.tensors[0].scale;
  pad.tensors[3].zero_point = pad.tensors[0].zero_point;
  pad.operators[0] = {0, {0, 1}, {3}, nullptr};
  const std::string padded = f.model("pad.tflite", pad);
  expect_message(import_error(padded), padded, {"operator 0 (PAD)", "does not match the padded input"});
}

// One sample's activation is bounded as a suite's is: the host keeps every layer's float
// outputs of every test sample.
TEST(TfliteImportErrors, ActivationsOverTheSuiteBoundAreRefused) {
  Files f;
  BuiltModel reshape;
  reshape.codes = {fb::BuiltinOperator::RESHAPE};
  reshape.tensors = {{"input", {1, 2049, 2048, 1}, fb::TensorType::INT8, 0, {0.5f}, {0}},
                     {"flat", {1, 2049 * 2048}, fb::TensorType::INT8, 0, {0.5f}, {0}}};
  reshape.operators = {{0, {0}, {1}, nullptr}};
  reshape.inputs = {0};
  reshape.outputs = {1};
  const std::string input = f.model("input.tflite", reshape);
  expect_message(import_error(input), input, {"the model input has shape [1,2049,2048,1]", "at most 4194304"});

  BuiltModel pad = conv_model();
  pad.codes = {fb::BuiltinOperator::PAD};
  pad.tensors[1] = {"paddings", {4, 2}, fb::TensorType::INT32,
                    pad.add_buffer(raw_bytes(std::vector<int32_t>{0, 0, 1022, 1022, 1022, 1022, 0, 0})), {}, {}};
  pad.tensors[3].shape = {1, 2048, 2048, 2};
  pad.tensors[3].scale = pad.tensors[0].scale;
  pad.tensors[3].zero_point = pad.tensors[0].zero_point;
  pad.operators[0] = {0, {0, 1}, {3}, nullptr};
  const std::string padded = f.model("pad.tflite", pad);
  expect_message(import_error(padded), padded, {"operator 0 (PAD)", "output tensor 3 has shape", "at most 4194304"});
}

// QUANTIZE / DEQUANTIZE at the edges with a missing tensor are refused, not followed.
TEST(TfliteImportErrors, EdgeConvertersWithMissingTensorsAreRefused) {
  Files f;
  BuiltModel quantize = dense_model();
  quantize.codes.push_back(fb::BuiltinOperator::QUANTIZE);
  quantize.tensors.push_back({"float_input", {1, 4}, fb::TensorType::FLOAT32, 0, {}, {}});
  quantize.operators.insert(quantize.operators.begin(), BuiltOperator{1, {4}, {}, nullptr});
  quantize.inputs = {4};
  const std::string q = f.model("quantize.tflite", quantize);
  expect_message(import_error(q), q, {"operator 0 (QUANTIZE)"});

  BuiltModel dequantize = dense_model();
  dequantize.codes.push_back(fb::BuiltinOperator::DEQUANTIZE);
  dequantize.tensors.push_back({"float_output", {1, 3}, fb::TensorType::FLOAT32, 0, {}, {}});
  dequantize.operators.push_back({1, {-1}, {4}, nullptr});
  dequantize.outputs = {4};
  const std::string d = f.model("dequantize.tflite", dequantize);
  expect_message(import_error(d), d, {"operator 1 (DEQUANTIZE)"});
}

TEST(TfliteImportErrors, FloatTwinOfAnotherNetworkNamesTheFirstDifference) {
  // Two real models of different networks: the input already differs.
  const ImportedModel vww = import_tflite(model_path("vww_96_int8.tflite"));
  const ImportedModel ic = import_tflite(model_path("pretrainedResnet.tflite"));
  try {
    check_same_network(vww, ic);
    ADD_FAILURE() << "the IC float model passed as the VWW twin";
  } catch (const InputError& e) {
    expect_message(e.what(), ic.path, {"input [1,32,32,3]", "[1,96,96,3]", vww.path});
  }

  // Same input, a different first operator: the message names both operators.
  Files f;
  BuiltModel float_spec = dense_model();
  for (BuiltTensor& t : float_spec.tensors) {
    t.type = fb::TensorType::FLOAT32;
    t.scale.clear();
    t.zero_point.clear();
  }
  float_spec.buffers[1] = raw_bytes(std::vector<float>(12, 0.25f));
  float_spec.buffers[2] = raw_bytes(std::vector<float>{1.0f, 2.0f, 3.0f});
  float_spec.operators[0].options = fully_connected_options(fb::ActivationFunctionType::RELU);
  const ImportedModel twin = import_tflite(f.model("float_relu.tflite", float_spec));
  EXPECT_FALSE(twin.quantized);
  const ImportedModel int8 = import_tflite(f.model("int8.tflite", dense_model()));
  try {
    check_same_network(int8, twin);
    ADD_FAILURE() << "a float twin with another activation passed";
  } catch (const InputError& e) {
    expect_message(e.what(), twin.path,
                   {"operator 0 (FULLY_CONNECTED) does not match operator 0 (FULLY_CONNECTED) of " + int8.path,
                    "fused activation differs"});
  }
}

TEST(TfliteImportErrors, Int8ModelGivenAsTheFloatTwinIsRefused) {
  const std::string path = model_path("hello_world_int8.tflite");
  const ImportedModel model = import_tflite(path);
  try {
    check_same_network(model, model);
    ADD_FAILURE() << "an int8 model passed as its own float twin";
  } catch (const InputError& e) {
    expect_message(e.what(), path, {"expected a float32 model", "got an int8 one"});
  }

  // The same through a model suite, and the other way round.
  Files f;
  const std::string float_path = model_path("kws_ref_model_float32.tflite");
  const nlohmann::json data = {{"test", {{"samples", 2}, {"inputs", {{"generator", "uniform"}, {"seed", 1}}}}}};
  const nlohmann::json twin = {{"name", "twin"}, {"model", {{"tflite", path}, {"float_tflite", path}}}, {"data", data}};
  const nlohmann::json swapped = {{"name", "swapped"}, {"model", {{"tflite", float_path}}}, {"data", data}};
  for (const auto& [suite, file, expected] :
       {std::make_tuple(twin, path, "expected a float32 model"),
        std::make_tuple(swapped, float_path, "expected an int8 model, got a float32 one")}) {
    try {
      prepare_suite(f.write(suite["name"].get<std::string>() + ".json", suite.dump()));
      ADD_FAILURE() << suite.dump() << " was accepted";
    } catch (const InputError& e) {
      expect_message(e.what(), file, {expected});
    }
  }
}

TEST(TfliteImportErrors, TestInputFileOfTheWrongSizeNamesTheFileAndTheSize) {
  Files f;
  const std::string good = f.write("good.bin", std::string(49 * 40, '\x01'));
  const std::string bad = f.write("short.bin", std::string(49 * 40 - 1, '\x01'));
  nlohmann::json suite = {
      {"name", "speech"},
      {"model", {{"tflite", model_path("micro_speech_quantized.tflite")}}},
      {"data", {{"test", {{"files", {good, bad}}}}}},
  };
  const std::string file = f.write("speech.json", suite.dump());
  try {
    prepare_suite(file);
    ADD_FAILURE() << "a test input of the wrong size was accepted";
  } catch (const InputError& e) {
    expect_message(e.what(), bad, {"expected 1960 bytes", "got 1959"});
  }
  suite["data"]["test"]["files"] = {good};
  EXPECT_EQ(prepare_suite(f.write("speech_ok.json", suite.dump())).test_samples, 1);
}

}  // namespace
}  // namespace qb::harness
