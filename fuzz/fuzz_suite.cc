// Fuzz target "suite": suite text -> parse_suite_text -> everything `qbench validate` and
// the prepare step of `qbench run` do before any target runs.
//
// Reaches: the strict JSON reader and the suite loader (every key, op, generator and
// range check, "file" generators and model files relative to suites/), build_graph
// (input resolution, relu fusion, shape inference, "same" padding, weights and bias
// generation, label checks) as `qbench validate` calls it (harness/cli/main.cc), and
// prepare_suite (harness/pipeline/suite_pipeline.h): data generation, the float
// reference, calibration, compile_model, serialize_model, the arena plan; for model
// suites import_tflite on the committed models a suite can name. Finally the compiled
// .qbm of a declared suite must load in the runtime (the host cannot hand a target a
// model it refuses).
//
// Expected outcome: an InputError (one line: "fuzz.json: /layers/2/kernel: expected ...").
// A bug (the process aborts): any other exception escaping (std::logic_error,
// std::out_of_range, nlohmann::json::exception, ...), any sanitizer report or crash, a
// compiled declared suite the runtime refuses, >2 GB RSS or >10 s for one input
// (libFuzzer's -rss_limit_mb=2048 -timeout=10).
//
// Driver limit, not a finding: a suite whose estimated work (samples x the element
// operations of one float inference) exceeds the budget is parsed and its graph built,
// but not prepared. The budget is QB_FUZZ_SUITE_MAX_WORK (default 2^26; 0 = no limit).
//
// A structure-aware mutator (LLVMFuzzerCustomMutator) parses the input as JSON, changes a
// value, key or array, and writes it back, half the time; the other half it leaves to
// libFuzzer's byte mutations (with fuzz/suite.dict), which also exercise the JSON reader.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz/fuzz_util.h"
#include "harness/import/tflite_import.h"
#include "harness/pipeline/suite_pipeline.h"
#include "harness/suite/graph_builder.h"
#include "harness/suite/input_error.h"
#include "harness/suite/suite_loader.h"
#include "kernels/runtime/model.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

using namespace qb::harness;
using nlohmann::json;

// Where "file" generators and model paths are looked up: the committed suites' folder,
// so the seeds' "../models/..." resolve.
const std::string& base_dir() {
  static const std::string dir = std::string(QB_SOURCE_DIR) + "/suites";
  return dir;
}

uint64_t work_budget() {
  static const uint64_t budget = [] {
    const char* env = std::getenv("QB_FUZZ_SUITE_MAX_WORK");
    return env != nullptr && *env != '\0' ? std::strtoull(env, nullptr, 10) : uint64_t{1} << 26;
  }();
  return budget;
}

// Element operations of one float inference, roughly (saturating).
uint64_t graph_work(const Graph& graph) {
  uint64_t work = 0;
  for (const Node& n : graph.nodes) {
    const uint64_t out = static_cast<uint64_t>(n.output_shape.elements());
    uint64_t taps = 1;
    const int64_t filter = n.filter_shape.elements();
    if (filter > 0 && n.output_shape.c > 0) {
      taps = n.def.op == OpKind::kDepthwiseConv2d ? static_cast<uint64_t>(filter / n.output_shape.c)
                                                  : static_cast<uint64_t>(filter / n.filter_shape.n);
    }
    if (n.def.op == OpKind::kMaxPool2d || n.def.op == OpKind::kAvgPool2d) {
      taps = static_cast<uint64_t>(n.def.kernel[0]) * static_cast<uint64_t>(n.def.kernel[1]);
    }
    if (n.def.op == OpKind::kSoftmax) taps = static_cast<uint64_t>(n.output_shape.c);
    work += out * (taps + 1);
    if (work > (uint64_t{1} << 60)) return work;
  }
  return work;
}

bool within_budget(uint64_t per_sample, uint64_t samples) {
  const uint64_t budget = work_budget();
  if (budget == 0) return true;
  if (samples == 0) samples = 1;
  return per_sample <= budget / samples;
}

void run_one(const std::string& text) {
  Suite suite = parse_suite_text(text, "fuzz.json", base_dir());
  if (suite.model) {
    // `qbench validate` reads the model files; prepare imports them again.
    const ImportedModel model = import_tflite(suite.model->tflite);
    if (!suite.model->float_tflite.empty()) check_same_network(model, import_tflite(suite.model->float_tflite));
    const uint64_t samples = !suite.input_files.empty()   ? suite.input_files.size()
                             : suite.test.samples > 0 ? static_cast<uint64_t>(suite.test.samples)
                                                      : 4;
    if (!within_budget(graph_work(model.graph), samples)) return;
    (void)prepare_suite(std::move(suite), text);
    return;
  }
  const Graph graph = build_graph(suite);
  const uint64_t samples = static_cast<uint64_t>(suite.calibration.samples) + static_cast<uint64_t>(suite.test.samples) +
                           static_cast<uint64_t>(suite.decision_grid) * static_cast<uint64_t>(suite.decision_grid);
  if (!within_budget(graph_work(graph), samples)) return;
  const PreparedSuite prepared = prepare_suite(std::move(suite), text);
  qb::fuzz::ExactBuffer file(prepared.model_file.size());
  std::memcpy(file.data(), prepared.model_file.data(), prepared.model_file.size());
  qb::runtime::Model model;
  const qb::runtime::Status s = model.load(file.data(), prepared.model_file.size());
  if (s != qb::runtime::Status::kOk) {
    std::fprintf(stderr, "qb-fuzz: the runtime refuses the compiled model: %s\n", qb::runtime::status_name(s));
    qb::fuzz::fail("prepare_suite compiled a declared suite into a .qbm the runtime refuses");
  }
}

// ---- structure-aware mutation ----

const std::vector<std::string>& words() {
  static const std::vector<std::string> w = {
      // keys
      "name", "description", "input", "shape", "layers", "op", "inputs", "filters", "units", "kernel",
      "stride", "padding", "activation", "weights", "bias", "per_channel", "pool", "data", "calibration",
      "test", "samples", "labels", "generator", "seed", "low", "high", "amp", "freq", "phase", "value",
      "values", "path", "gates", "min_sqnr_db", "max_err_pct_range", "min_top1_agreement",
      "min_label_accuracy", "decision_grid", "model", "tflite", "float_tflite", "files", "$schema",
      // ops and enum values
      "conv2d", "depthwise_conv2d", "pointwise_conv2d", "dense", "add", "max_pool2d", "avg_pool2d",
      "global_avg_pool2d", "pad", "relu", "relu6", "sigmoid", "none", "same", "valid", "sinusoid",
      "uniform", "constant", "file", "input",
      // paths a suite in suites/ can name
      "../models/hello_world_int8.tflite", "../models/kws_ref_model.tflite",
      "../models/kws_ref_model_float32.tflite", "../models/micro_speech_quantized.tflite",
      "../models/reference/kws_ref_model/seed1/in.bin", "", "a", "x.txt"};
  return w;
}

double interesting_number(std::minstd_rand& rng) {
  static const double values[] = {0, 1, -1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 64, 127, 128, 255, 256,
                                  1024, 4095, 4096, 4097, 65535, 65536, 65537, 2147483647.0,
                                  -2147483648.0, 4294967296.0, 1e9, 1e300, -1e300, 0.5, -0.5, 1e-300,
                                  9007199254740993.0};
  return values[rng() % (sizeof values / sizeof values[0])];
}

json random_value(std::minstd_rand& rng, const json& doc) {
  switch (rng() % 7) {
    case 0: return interesting_number(rng);
    case 1: return static_cast<int64_t>(rng() % 20);
    case 2: return words()[rng() % words().size()];
    case 3: return json::array({static_cast<int64_t>(rng() % 8 + 1), static_cast<int64_t>(rng() % 8 + 1)});
    case 4: return json::array({rng() % 3, rng() % 3, rng() % 3, rng() % 3});
    case 5: return rng() % 2 == 0;
    default: {
      // A copy of some subtree of the document (e.g. a whole layer).
      std::vector<const json*> nodes;
      std::vector<const json*> stack = {&doc};
      while (!stack.empty() && nodes.size() < 4096) {
        const json* v = stack.back();
        stack.pop_back();
        nodes.push_back(v);
        if (v->is_structured()) {
          for (const auto& child : *v) stack.push_back(&child);
        }
      }
      return *nodes[rng() % nodes.size()];
    }
  }
}

void mutate_json(json& doc, std::minstd_rand& rng) {
  // Every value in the document, by address; pick one.
  std::vector<json*> nodes;
  std::vector<json*> stack = {&doc};
  while (!stack.empty() && nodes.size() < 4096) {
    json* v = stack.back();
    stack.pop_back();
    nodes.push_back(v);
    if (v->is_structured()) {
      for (auto& child : *v) stack.push_back(&child);
    }
  }
  json& v = *nodes[rng() % nodes.size()];
  const json snapshot = doc;  // what random_value copies from
  switch (v.type()) {
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: {
      const double x = v.get<double>();
      switch (rng() % 5) {
        case 0: v = interesting_number(rng); break;
        case 1:  // a neighbour; llround is only defined on what an int64 holds
          if (std::fabs(x) < 1e15) {
            v = static_cast<int64_t>(std::llround(x)) + static_cast<int64_t>(rng() % 5) - 2;
          } else {
            v = interesting_number(rng);
          }
          break;
        case 2: v = x * 2; break;
        case 3: v = -x; break;
        default: v = x + 0.5; break;
      }
      break;
    }
    case json::value_t::string:
      v = rng() % 4 == 0 ? random_value(rng, snapshot) : json(words()[rng() % words().size()]);
      break;
    case json::value_t::array:
      switch (v.empty() ? 0 : rng() % 5) {
        case 0: {  // a copy first: push_back may move the array's elements
          json extra = v.empty() ? random_value(rng, snapshot) : v[rng() % v.size()];
          v.push_back(std::move(extra));
          break;
        }
        case 1: v.erase(v.begin() + static_cast<std::ptrdiff_t>(rng() % v.size())); break;
        case 2: std::swap(v[rng() % v.size()], v[rng() % v.size()]); break;
        case 3: {  // a new length: truncate or repeat the last element
          const size_t n = rng() % 6;
          while (v.size() > n) v.erase(v.end() - 1);
          while (!v.empty() && v.size() < n) {
            json last = v.back();
            v.push_back(std::move(last));
          }
          break;
        }
        default: v[rng() % v.size()] = random_value(rng, snapshot); break;
      }
      break;
    case json::value_t::object:
      if (!v.empty() && rng() % 3 == 0) {
        auto it = v.begin();
        std::advance(it, static_cast<std::ptrdiff_t>(rng() % v.size()));
        const std::string key = it.key();
        if (rng() % 2 == 0) {
          v.erase(key);
        } else {  // rename
          json moved = *it;
          v.erase(key);
          v[words()[rng() % words().size()]] = std::move(moved);
        }
      } else {
        v[words()[rng() % words().size()]] = random_value(rng, snapshot);
      }
      break;
    default:
      v = random_value(rng, snapshot);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    run_one(text);
  } catch (const InputError&) {
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::minstd_rand rng(seed);
  if (rng() % 2 == 0) return LLVMFuzzerMutate(data, size, max_size);
  json doc = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return LLVMFuzzerMutate(data, size, max_size);
  const int rounds = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < rounds; ++i) mutate_json(doc, rng);
  std::string out;
  try {
    out = doc.dump(rng() % 2 == 0 ? -1 : 1);
  } catch (const json::exception&) {  // invalid UTF-8 in a string that byte mutation made
    return LLVMFuzzerMutate(data, size, max_size);
  }
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}
