#include "harness/targets/host_target.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "harness/model/aligned_bytes.h"
#include "harness/suite/input_error.h"
#include "kernels/runtime/interpreter.h"
#include "kernels/runtime/model.h"

namespace qb::harness {
namespace {

using Clock = std::chrono::steady_clock;

struct Capture {
  std::vector<std::vector<int8_t>>* outputs;
};

void capture_after(void* context, uint32_t layer, const int8_t* output, uint32_t bytes) {
  auto& dst = (*static_cast<Capture*>(context)->outputs)[layer];
  dst.insert(dst.end(), output, output + bytes);
}

struct Stopwatch {
  std::vector<Clock::time_point> start;
  std::vector<double> elapsed_ns;  // summed over the samples of one repetition
};

void stopwatch_before(void* context, uint32_t layer) {
  static_cast<Stopwatch*>(context)->start[layer] = Clock::now();
}

void stopwatch_after(void* context, uint32_t layer, const int8_t*, uint32_t) {
  auto* sw = static_cast<Stopwatch*>(context);
  sw->elapsed_ns[layer] +=
      std::chrono::duration<double, std::nano>(Clock::now() - sw->start[layer]).count();
}

// Median, first and third quartiles and interquartile range of repeated measurements. The
// quartiles are nearest-rank picks from the sorted values, never interpolated: q1 is the
// value at 0-based index floor(n/4), q3 the one at floor(3n/4), so both are measured
// repetitions and the IQR is exactly q3 - q1.
void summarize(std::vector<double> values, LayerCostMeasured* out) {
  if (values.empty()) return;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  out->time_ns = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  out->time_ns_q1 = values[n / 4];
  out->time_ns_q3 = values[(3 * n) / 4];
  out->time_ns_iqr = *out->time_ns_q3 - *out->time_ns_q1;
}

const kernels::KernelSet* host_kernel_set(const TargetInfo& info) {
  const std::string wanted = info.config.value("kernels", std::string("reference"));
  if (wanted == "reference") return &kernels::reference_kernels();
  if (wanted == "avx2") {
#if defined(__x86_64__)
    if (!kernels::cpu_has_avx2()) {
      throw TargetError(info.name + ": this CPU has no AVX2; run the host target instead");
    }
    return &kernels::avx2_kernels();
#else
    throw TargetError(info.name + ": AVX2 kernels exist only in x86-64 builds");
#endif
  }
  throw InputError("targets.json: /targets/" + info.name + "/kernels: expected \"reference\" or \"avx2\", got \"" +
                   wanted + "\"");
}

}  // namespace

HostTarget::HostTarget(const TargetInfo& info) : name_(info.name), kernels_(host_kernel_set(info)) {}

RunResult HostTarget::run(const RunRequest& request) {
  const std::vector<uint8_t>& file = *request.model;
  const AlignedBytes model_bytes(file);

  runtime::Model model;
  if (const runtime::Status s = model.load(model_bytes.data(), file.size()); s != runtime::Status::kOk) {
    throw TargetError(name_ + ": the runtime rejected the model file: " + runtime::status_name(s));
  }
  const AlignedBytes arena(model.arena_size());
  runtime::Interpreter interpreter;
  if (const runtime::Status s = interpreter.init(&model, arena.data(), model.arena_size(), kernels_);
      s != runtime::Status::kOk) {
    throw TargetError(name_ + ": interpreter init failed: " + runtime::status_name(s));
  }
  const uint32_t input_bytes = interpreter.input_bytes();
  if (request.inputs->size() != static_cast<size_t>(input_bytes) * request.samples) {
    throw TargetError(name_ + ": input data does not match the model's input size");
  }
  const uint32_t layers = model.layer_count();
  auto load_sample = [&](int32_t s) {
    std::memcpy(interpreter.input(), request.inputs->data() + static_cast<size_t>(s) * input_bytes,
                input_bytes);
  };

  RunResult result;
  result.layer_outputs.resize(layers);
  Capture capture{&result.layer_outputs};
  const runtime::LayerHooks capture_hooks{&capture, nullptr, capture_after};
  for (int32_t s = 0; s < request.samples; ++s) {
    load_sample(s);
    interpreter.invoke(&capture_hooks);
  }

  // Timing: per layer through the hooks (each figure includes one clock read pair, a few
  // tens of ns), and whole inferences without hooks for the total. Each repetition runs
  // every test sample; a figure is the mean per inference within a repetition, and the
  // report gives the median over repetitions with its first and third quartiles and their
  // difference, the interquartile range.
  std::vector<std::vector<double>> per_layer(layers);
  std::vector<double> totals;
  Stopwatch sw{std::vector<Clock::time_point>(layers), std::vector<double>(layers)};
  const runtime::LayerHooks timing_hooks{&sw, stopwatch_before, stopwatch_after};
  for (int32_t r = 0; r < request.repetitions; ++r) {
    std::fill(sw.elapsed_ns.begin(), sw.elapsed_ns.end(), 0.0);
    for (int32_t s = 0; s < request.samples; ++s) {
      load_sample(s);
      interpreter.invoke(&timing_hooks);
    }
    for (uint32_t l = 0; l < layers; ++l) per_layer[l].push_back(sw.elapsed_ns[l] / request.samples);

    double total = 0.0;
    for (int32_t s = 0; s < request.samples; ++s) {
      load_sample(s);
      const auto t0 = Clock::now();
      interpreter.invoke();
      total += std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    }
    totals.push_back(total / request.samples);
  }
  result.layers.resize(layers);
  for (uint32_t l = 0; l < layers; ++l) summarize(per_layer[l], &result.layers[l]);
  summarize(totals, &result.total);
  return result;
}

}  // namespace qb::harness
