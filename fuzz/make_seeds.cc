// Writes the fuzz targets' seed corpora, through the harness library itself:
//
//   OUT/suite/   suites/*.json (the committed suites) and fuzz/seeds/suite/*.json (small
//                suites from the tests, one with every op)
//   OUT/qbm/     the .qbm that prepare_suite compiles from each of those suites and from
//                all_ops.tflite (below); files over 256 KiB are left out
//   OUT/tflite/  models/*.tflite up to 300 KiB, all_ops.tflite, and truncated and
//                byte-patched variants of the small ones
//   OUT/report/  fuzz/seeds/report/* (trimmed report.json and report.csv of a quick run)
//
// all_ops.tflite is an int8 model built here with the flatbuffers builders, so that one
// model holds every op the runtime has but sigmoid and global average pooling (which the
// every_op suite has): PAD, CONV_2D 3x3 + RELU6, DEPTHWISE_CONV_2D + RELU, MAX_POOL_2D,
// AVERAGE_POOL_2D, ADD, a 1x1 CONV_2D (pointwise) with per-tensor weights, RESHAPE,
// FULLY_CONNECTED with per-tensor weights, SOFTMAX.
//
// Usage: qb_fuzz_make_seeds OUT_DIR
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "harness/pipeline/suite_pipeline.h"
#include "harness/suite/suite_loader.h"
#include "harness/tests/tflite_test_builder.h"

namespace {

namespace fs = std::filesystem;
namespace tb = qb::harness::testing::tflite_builder;
namespace fb = qb::tflite;

constexpr uintmax_t kMaxTflite = 300 * 1024;
constexpr size_t kMaxQbm = 256 * 1024;

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Deterministic symmetric int8 weights in [-100, 100].
std::vector<uint8_t> weights(size_t count, int salt) {
  std::vector<uint8_t> w(count);
  for (size_t i = 0; i < count; ++i) {
    w[i] = static_cast<uint8_t>(static_cast<int8_t>(static_cast<int>((i * 29 + static_cast<size_t>(salt) * 7) % 201) - 100));
  }
  return w;
}

tb::OptionsFn pool_options(int32_t size) {
  return [size](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::BuiltinOptions::Pool2DOptions,
                          fb::CreatePool2DOptions(b, fb::Padding::VALID, size, size, size, size).Union());
  };
}

std::string all_ops_tflite() {
  tb::BuiltModel m;
  m.codes = {fb::BuiltinOperator::PAD,         fb::BuiltinOperator::CONV_2D,
             fb::BuiltinOperator::DEPTHWISE_CONV_2D, fb::BuiltinOperator::MAX_POOL_2D,
             fb::BuiltinOperator::AVERAGE_POOL_2D,   fb::BuiltinOperator::ADD,
             fb::BuiltinOperator::RESHAPE,     fb::BuiltinOperator::FULLY_CONNECTED,
             fb::BuiltinOperator::SOFTMAX};
  enum Code : uint32_t { kPad, kConv, kDepthwise, kMaxPool, kAvgPool, kAdd, kReshape, kDense, kSoftmax };
  const auto i8 = fb::TensorType::INT8;
  const auto i32 = fb::TensorType::INT32;
  const uint32_t pads = m.add_buffer(tb::raw_bytes(std::vector<int32_t>{0, 0, 1, 1, 1, 1, 0, 0}));
  const uint32_t conv_w = m.add_buffer(weights(4 * 3 * 3 * 3, 1));
  const uint32_t conv_b = m.add_buffer(tb::raw_bytes(std::vector<int32_t>{120, -80, 40, 0}));
  const uint32_t dw_w = m.add_buffer(weights(3 * 3 * 4, 2));
  const uint32_t dw_b = m.add_buffer(tb::raw_bytes(std::vector<int32_t>{-30, 60, 0, 15}));
  const uint32_t pw_w = m.add_buffer(weights(6 * 4, 3));
  const uint32_t pw_b = m.add_buffer(tb::raw_bytes(std::vector<int32_t>{5, -5, 10, -10, 20, 0}));
  const uint32_t new_shape = m.add_buffer(tb::raw_bytes(std::vector<int32_t>{1, 96}));
  const uint32_t fc_w = m.add_buffer(weights(5 * 96, 4));
  const uint32_t fc_b = m.add_buffer(tb::raw_bytes(std::vector<int32_t>{300, -200, 100, 0, -50}));
  m.tensors = {
      /* 0*/ {"input", {1, 8, 8, 3}, i8, 0, {0.05f}, {0}},
      /* 1*/ {"paddings", {4, 2}, i32, pads, {}, {}},
      /* 2*/ {"padded", {1, 10, 10, 3}, i8, 0, {0.05f}, {0}},
      /* 3*/ {"conv_w", {4, 3, 3, 3}, i8, conv_w, {0.004f, 0.005f, 0.006f, 0.007f}, {0, 0, 0, 0}, 0},
      /* 4*/ {"conv_b", {4}, i32, conv_b, {0.0002f, 0.00025f, 0.0003f, 0.00035f}, {0, 0, 0, 0}},
      /* 5*/ {"conv", {1, 8, 8, 4}, i8, 0, {6.0f / 255.0f}, {-128}},
      /* 6*/ {"dw_w", {1, 3, 3, 4}, i8, dw_w, {0.01f, 0.012f, 0.014f, 0.016f}, {0, 0, 0, 0}, 3},
      /* 7*/ {"dw_b", {4}, i32, dw_b, {0.0002f, 0.0003f, 0.0003f, 0.0004f}, {0, 0, 0, 0}},
      /* 8*/ {"dw", {1, 8, 8, 4}, i8, 0, {0.04f}, {-128}},
      /* 9*/ {"max", {1, 4, 4, 4}, i8, 0, {0.04f}, {-128}},
      /*10*/ {"avg", {1, 4, 4, 4}, i8, 0, {0.04f}, {-128}},
      /*11*/ {"sum", {1, 4, 4, 4}, i8, 0, {0.08f}, {-128}},
      /*12*/ {"pw_w", {6, 1, 1, 4}, i8, pw_w, {0.01f}, {0}},
      /*13*/ {"pw_b", {6}, i32, pw_b, {0.0008f}, {0}},
      /*14*/ {"pw", {1, 4, 4, 6}, i8, 0, {0.1f}, {3}},
      /*15*/ {"new_shape", {2}, i32, new_shape, {}, {}},
      /*16*/ {"flat", {1, 96}, i8, 0, {0.1f}, {3}},
      /*17*/ {"fc_w", {5, 96}, i8, fc_w, {0.005f}, {0}},
      /*18*/ {"fc_b", {5}, i32, fc_b, {0.0005f}, {0}},
      /*19*/ {"logits", {1, 5}, i8, 0, {0.25f}, {-10}},
      /*20*/ {"probs", {1, 5}, i8, 0, {1.0f / 256.0f}, {-128}},
  };
  m.operators = {
      {kPad, {0, 1}, {2}, nullptr},
      {kConv, {2, 3, 4}, {5},
       [](flatbuffers::FlatBufferBuilder& b) {
         return std::make_pair(fb::BuiltinOptions::Conv2DOptions,
                               fb::CreateConv2DOptions(b, fb::Padding::VALID, 1, 1, fb::ActivationFunctionType::RELU6).Union());
       }},
      {kDepthwise, {5, 6, 7}, {8},
       [](flatbuffers::FlatBufferBuilder& b) {
         return std::make_pair(fb::BuiltinOptions::DepthwiseConv2DOptions,
                               fb::CreateDepthwiseConv2DOptions(b, fb::Padding::SAME, 1, 1, 1, fb::ActivationFunctionType::RELU).Union());
       }},
      {kMaxPool, {8}, {9}, pool_options(2)},
      {kAvgPool, {8}, {10}, pool_options(2)},
      {kAdd, {9, 10}, {11}, nullptr},
      {kConv, {11, 12, 13}, {14}, tb::conv_options(fb::Padding::VALID, 1)},
      {kReshape, {14, 15}, {16}, nullptr},
      {kDense, {16, 17, 18}, {19}, tb::fully_connected_options()},
      {kSoftmax, {19}, {20},
       [](flatbuffers::FlatBufferBuilder& b) {
         return std::make_pair(fb::BuiltinOptions::SoftmaxOptions, fb::CreateSoftmaxOptions(b, 1.0f).Union());
       }},
  };
  m.inputs = {0};
  m.outputs = {20};
  return m.bytes();
}

// Truncations and single-byte patches of a model, for the reader's error paths.
void write_variants(const fs::path& dir, const std::string& stem, const std::string& bytes) {
  for (size_t cut : {size_t{7}, size_t{16}, bytes.size() / 2, bytes.size() - 1}) {
    if (cut < bytes.size()) write_file(dir / (stem + "_cut" + std::to_string(cut) + ".tflite"), bytes.substr(0, cut));
  }
  int n = 0;
  for (size_t at : {size_t{0}, size_t{4}, size_t{12}, bytes.size() / 3, bytes.size() * 2 / 3}) {
    if (at >= bytes.size()) continue;
    std::string patched = bytes;
    patched[at] = static_cast<char>(patched[at] ^ 0x41);
    write_file(dir / (stem + "_patch" + std::to_string(n++) + ".tflite"), patched);
  }
}

bool compile_to(const fs::path& suite_file, const fs::path& out, size_t* total) {
  try {
    const qb::harness::Suite suite = qb::harness::load_suite(suite_file.string());
    if (suite.model) {
      for (const std::string& f : {suite.model->tflite, suite.model->float_tflite}) {
        if (!f.empty() && fs::file_size(f) > kMaxTflite) {
          std::printf("  skip %s: %s is over %ju bytes\n", suite_file.filename().c_str(), f.c_str(), kMaxTflite);
          return false;
        }
      }
    }
    const qb::harness::PreparedSuite p = qb::harness::prepare_suite(suite_file.string());
    if (p.model_file.size() > kMaxQbm) {
      std::printf("  skip %s: .qbm of %zu bytes\n", suite_file.filename().c_str(), p.model_file.size());
      return false;
    }
    write_file(out, std::string(p.model_file.begin(), p.model_file.end()));
    *total += p.model_file.size();
    std::printf("  %s: %zu bytes\n", out.filename().c_str(), p.model_file.size());
    return true;
  } catch (const std::exception& e) {
    std::printf("  skip %s: %s\n", suite_file.filename().c_str(), e.what());
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const fs::path src = QB_SOURCE_DIR;
  const fs::path out = argv[1];
  for (const char* sub : {"suite", "qbm", "tflite", "report", "work"}) {
    fs::remove_all(out / sub);
    fs::create_directories(out / sub);
  }

  std::vector<fs::path> suites;
  for (const fs::path& dir : {src / "suites", src / "fuzz" / "seeds" / "suite"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (e.path().extension() == ".json" && name != "presets.json" && name != "suite.schema.json") {
        files.push_back(e.path());
      }
    }
    std::sort(files.begin(), files.end());
    suites.insert(suites.end(), files.begin(), files.end());
  }
  for (const fs::path& s : suites) {
    const std::string prefix = s.parent_path().filename() == "suite" ? "test_" : "";
    fs::copy_file(s, out / "suite" / (prefix + s.filename().string()), fs::copy_options::overwrite_existing);
  }

  // The all-ops model, and a model suite that names it.
  const std::string all_ops = all_ops_tflite();
  write_file(out / "work" / "all_ops.tflite", all_ops);
  write_file(out / "work" / "all_ops_model.json",
             R"({"name": "fuzz_all_ops", "model": {"tflite": "all_ops.tflite"}})");

  std::printf("qbm seeds:\n");
  size_t qbm_total = 0;
  const bool all_ops_ok = compile_to(out / "work" / "all_ops_model.json", out / "qbm" / "all_ops_tflite.qbm", &qbm_total);
  for (const fs::path& s : suites) {
    const std::string prefix = s.parent_path().filename() == "suite" ? "test_" : "";
    // fuzz/seeds/suite/model_*.json name models relative to suites/, where fuzz_suite
    // looks them up; they are suite seeds only.
    if (!prefix.empty() && s.filename().string().rfind("model_", 0) == 0) continue;
    compile_to(s, out / "qbm" / (prefix + s.stem().string() + ".qbm"), &qbm_total);
  }

  std::printf("tflite seeds:\n");
  size_t tflite_total = all_ops.size();
  write_file(out / "tflite" / "all_ops.tflite", all_ops);
  write_variants(out / "tflite", "all_ops", all_ops);
  for (const auto& e : fs::directory_iterator(src / "models")) {
    if (e.path().extension() != ".tflite" || e.file_size() > kMaxTflite) continue;
    const std::string bytes = read_file(e.path());
    write_file(out / "tflite" / e.path().filename(), bytes);
    tflite_total += bytes.size();
    if (bytes.size() < 64 * 1024) write_variants(out / "tflite", e.path().stem().string(), bytes);
  }

  for (const auto& e : fs::directory_iterator(src / "fuzz" / "seeds" / "report")) {
    fs::copy_file(e.path(), out / "report" / e.path().filename(), fs::copy_options::overwrite_existing);
  }
  std::printf("seeds in %s: qbm %zu bytes, tflite %zu bytes (unpatched)\n", out.c_str(), qbm_total, tflite_total);
  if (!all_ops_ok) {
    std::fprintf(stderr, "all_ops.tflite did not compile: the all-ops seed is missing\n");
    return 1;
  }
  return 0;
}
