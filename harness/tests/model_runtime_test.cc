// A model built here, serialized, loaded and run by the interpreter must give exactly the
// bytes of the same kernels called by hand, layer by layer, with the hooks seeing every
// layer's output in place.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "harness/model/model_writer.h"
#include "harness/tests/qbm_test_support.h"
#include "kernels/runtime/interpreter.h"

namespace qb::test {
namespace {

using runtime::Interpreter;
using runtime::LayerHooks;
using runtime::Model;
using runtime::Status;

TEST(Crc32, MatchesTheStandardCheckValue) {
  const char* text = "123456789";
  const auto* bytes = reinterpret_cast<const uint8_t*>(text);
  EXPECT_EQ(runtime::crc32(bytes, 9), 0xCBF43926u);
  EXPECT_EQ(runtime::crc32(bytes, 0), 0u);
  // Continuing over a second chunk gives the one-shot value.
  EXPECT_EQ(runtime::crc32(bytes + 4, 5, runtime::crc32(bytes, 4)), 0xCBF43926u);
}

TEST(Status, EveryValueHasAName) {
  EXPECT_STREQ(runtime::status_name(Status::kOk), "ok");
  EXPECT_STREQ(runtime::status_name(Status::kArenaTooSmall), "arena_too_small");
  for (int32_t s = 0; s <= static_cast<int32_t>(Status::kArenaTooSmall); ++s) {
    EXPECT_STRNE(runtime::status_name(static_cast<Status>(s)), "unknown") << s;
  }
}

struct Event {
  bool before;
  uint32_t layer;
  const int8_t* output;
  uint32_t bytes;
  std::vector<int8_t> data;  // the output's bytes when `after` ran
};

void on_before(void* context, uint32_t layer) {
  static_cast<std::vector<Event>*>(context)->push_back({true, layer, nullptr, 0, {}});
}
void on_after(void* context, uint32_t layer, const int8_t* output, uint32_t bytes) {
  static_cast<std::vector<Event>*>(context)->push_back(
      {false, layer, output, bytes, std::vector<int8_t>(output, output + bytes)});
}

// Serializes, loads and runs `spec` on a random input; checks every layer against the
// direct kernel calls and the hook protocol.
void expect_runs_like_the_kernels(const ModelSpec& spec, uint32_t seed) {
  const std::vector<uint8_t> file = harness::serialize_model(spec);
  AlignedBytes image(file);
  Model model;
  ASSERT_EQ(model.load(image.data(), image.size()), Status::kOk);
  ASSERT_EQ(model.layer_count(), spec.layers.size());
  ASSERT_EQ(model.tensor_count(), spec.tensors.size());

  // An exactly sized arena: ASan flags any byte a kernel writes past the plan.
  AlignedBytes arena(model.arena_size());
  std::memset(arena.data(), 0x5A, arena.size());
  Interpreter interpreter;
  ASSERT_EQ(interpreter.init(&model, arena.data(), arena.size()), Status::kOk);

  std::mt19937 rng(seed);
  const std::vector<int8_t> input =
      random_int8(static_cast<size_t>(spec.tensors[spec.input].elements()), rng);
  ASSERT_EQ(interpreter.input_bytes(), input.size());
  std::memcpy(interpreter.input(), input.data(), input.size());

  std::vector<Event> events;
  LayerHooks hooks{&events, on_before, on_after};
  interpreter.invoke(&hooks);

  const auto expected = reference_run(spec, input);
  const auto& want = expected[spec.output];
  ASSERT_EQ(interpreter.output_bytes(), want.size());
  EXPECT_EQ(std::vector<int8_t>(interpreter.output(), interpreter.output() + want.size()), want);

  ASSERT_EQ(events.size(), 2 * spec.layers.size());
  for (uint32_t i = 0; i < spec.layers.size(); ++i) {
    const Event& before = events[2 * i];
    const Event& after = events[2 * i + 1];
    EXPECT_TRUE(before.before);
    EXPECT_EQ(before.layer, i);
    EXPECT_FALSE(after.before);
    EXPECT_EQ(after.layer, i);
    const uint32_t out = spec.layers[i].output;
    const runtime::TensorInfo info = model.tensor(out);
    EXPECT_EQ(after.output, reinterpret_cast<const int8_t*>(arena.data() + info.arena_offset))
        << "layer " << i;
    EXPECT_EQ(after.bytes, static_cast<uint32_t>(spec.tensors[out].elements())) << "layer " << i;
    EXPECT_EQ(after.data, expected[out]) << "layer " << i << " output differs";
  }

  // Hooks are optional, and a second run over the same arena is identical.
  std::memcpy(interpreter.input(), input.data(), input.size());
  interpreter.invoke();
  EXPECT_EQ(std::vector<int8_t>(interpreter.output(), interpreter.output() + want.size()), want);
  LayerHooks after_only{&events, nullptr, on_after};
  events.clear();
  interpreter.invoke(&after_only);
  EXPECT_EQ(events.size(), spec.layers.size());
}

TEST(ModelRuntime, ResidualModelMatchesDirectKernelCalls) {
  expect_runs_like_the_kernels(residual_model(), 11);
  expect_runs_like_the_kernels(residual_model(5), 12);
}

TEST(ModelRuntime, InPlaceReshapeMatchesDirectKernelCalls) {
  expect_runs_like_the_kernels(reshaped_model(), 13);
}

TEST(ModelRuntime, PaddedModelMatchesDirectKernelCalls) {
  expect_runs_like_the_kernels(padded_model(), 21);
  expect_runs_like_the_kernels(padded_model(9), 22);
}

TEST(ModelRuntime, OutputIsNotConstant) {
  // Guards the comparison above against a model that saturates to one value.
  const ModelSpec spec = residual_model();
  std::mt19937 rng(3);
  const auto a = reference_run(spec, random_int8(384, rng));
  const auto b = reference_run(spec, random_int8(384, rng));
  EXPECT_NE(a[spec.output], b[spec.output]);
  const auto& out = a[spec.output];
  EXPECT_NE(std::count(out.begin(), out.end(), out[0]), static_cast<long>(out.size()));
}

TEST(ModelRuntime, LoadedModelDescribesTheSpec) {
  const ModelSpec spec = residual_model();
  const std::vector<uint8_t> file = harness::serialize_model(spec);
  AlignedBytes image(file);
  Model model;
  ASSERT_EQ(model.load(image.data(), image.size()), Status::kOk);
  EXPECT_EQ(model.input_tensor(), spec.input);
  EXPECT_EQ(model.output_tensor(), spec.output);
  for (uint32_t t = 0; t < spec.tensors.size(); ++t) {
    const runtime::TensorInfo info = model.tensor(t);
    EXPECT_EQ(info.shape.n, spec.tensors[t].dims[0]);
    EXPECT_EQ(info.shape.c, spec.tensors[t].dims[3]);
    EXPECT_EQ(info.scale, spec.tensors[t].scale);
    EXPECT_EQ(info.zero_point, spec.tensors[t].zero_point);
    EXPECT_EQ(info.arena_offset % 16, 0u);
  }
  const runtime::LayerInfo conv = model.layer(0);
  EXPECT_EQ(conv.op, Op::kConv2d);
  ASSERT_NE(conv.buffers[qbm::kBias].data, nullptr);
  EXPECT_EQ(conv.buffers[qbm::kBias].size, 4 * spec.layers[0].bias.size());
  int32_t first_bias;
  std::memcpy(&first_bias, conv.buffers[qbm::kBias].data, 4);
  EXPECT_EQ(first_bias, spec.layers[0].bias[0]);
  EXPECT_EQ(conv.buffers[qbm::kTable].data, nullptr);
  const runtime::LayerInfo pointwise = model.layer(2);
  EXPECT_EQ(pointwise.scratch_size, 40u);
  EXPECT_EQ(pointwise.scratch_offset % 16, 0u);
}

TEST(ModelWriter, LaysOutTablesAndAlignedBuffers) {
  const ModelSpec spec = residual_model();
  QbmFile f{harness::serialize_model(spec)};
  EXPECT_EQ(std::memcmp(f.bytes.data(), "QBM1", 4), 0);
  EXPECT_EQ(f.u32(qbm::header::kFileSize), f.bytes.size());
  EXPECT_EQ(f.u32(qbm::header::kHeaderSize), qbm::kHeaderSize);
  EXPECT_EQ(f.u32(qbm::header::kChecksum),
            runtime::crc32(f.bytes.data() + 16, f.bytes.size() - 16));
  EXPECT_EQ(f.u32(qbm::header::kTensorCount), spec.tensors.size());
  EXPECT_EQ(f.u32(qbm::header::kTensorTable), qbm::kHeaderSize);
  EXPECT_EQ(f.u32(qbm::header::kLayerCount), spec.layers.size());
  for (uint32_t at :
       {qbm::header::kTensorTable, qbm::header::kLayerTable, qbm::header::kBufferTable}) {
    EXPECT_EQ(f.u32(at) % 16, 0u);
  }
  const uint32_t buffers = f.u32(qbm::header::kBufferCount);
  // Four conv-like layers (weights, bias, multiplier, shift, folded bias), one table.
  EXPECT_EQ(buffers, 4u * 5u + 1u);
  for (uint32_t b = 0; b < buffers; ++b) {
    EXPECT_EQ(f.u32(f.buffer_record(b)) % 16, 0u) << "buffer " << b;
  }
  for (uint64_t i = 56; i < 64; ++i) EXPECT_EQ(f.bytes[i], 0);
  // Deterministic: the same spec gives the same bytes.
  EXPECT_EQ(harness::serialize_model(spec), f.bytes);
}

void expect_invalid(const ModelSpec& spec, const std::string& fragment) {
  try {
    harness::serialize_model(spec);
    ADD_FAILURE() << "no exception; expected one mentioning '" << fragment << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(ModelWriter, RejectsInconsistentSpecs) {
  ModelSpec spec = residual_model();
  spec.layers[0].weights.pop_back();
  expect_invalid(spec, "layer 0 (conv2d): weights has 215 entries, expected 216");

  spec = residual_model();
  spec.layers[1].input0 = 99;
  expect_invalid(spec, "layer 1 (depthwise_conv2d): input0 is not a tensor index");

  spec = residual_model();
  spec.layers[2].input1 = 0;
  expect_invalid(spec, "only add takes a second input");

  spec = residual_model();
  spec.layers[6].multiplier.push_back(1 << 30);
  expect_invalid(spec, "layer 6 (dense): multiplier");

  spec = residual_model();
  spec.layers[7].table.resize(255);
  expect_invalid(spec, "table has 255 entries, expected 256");

  spec = residual_model();
  std::swap(spec.layers[1], spec.layers[2]);
  expect_invalid(spec, "neither the model input nor written by an earlier layer");

  spec = residual_model();
  spec.layers[3].output = spec.layers[2].output;
  expect_invalid(spec, "already written by an earlier layer");

  spec = residual_model();
  spec.layers.pop_back();
  expect_invalid(spec, "no layer writes the model output");

  spec = residual_model();
  spec.tensors[3].zero_point = 130;
  expect_invalid(spec, "tensor 3 has zero point 130");

  spec = residual_model();
  spec.tensors[2].dims[1] = 0;
  expect_invalid(spec, "tensor 2 has a dimension 0");

  spec = residual_model();
  spec.layers[0].params[qbm::param::kKernelH] = 0x7FFFFFFF;
  spec.layers[0].params[qbm::param::kKernelW] = 0x7FFFFFFF;
  expect_invalid(spec, "layer 0 (conv2d): weights has 216 entries, expected");

  spec = residual_model();
  spec.layers[1].params[qbm::param::kKernelW] = 0;
  expect_invalid(spec, "layer 1 (depthwise_conv2d): kernel size 3x0 must be at least 1x1");

  // What only the runtime knows is still reported against the right layer.
  spec = residual_model();
  spec.layers[4].params[qbm::param::kStrideH] = 0;
  expect_invalid(spec, "layer 4 (max_pool2d): the runtime rejects it (bad_layer)");

  spec = residual_model();
  spec.layers[1].shift[3] = 31;
  expect_invalid(spec, "layer 1 (depthwise_conv2d): the runtime rejects it (bad_layer)");
}

}  // namespace
}  // namespace qb::test
