// Host microbenchmarks of the int8 kernels: one benchmark per op x variant x shape, for
// the reference set, the AVX2 set (where the CPU has AVX2) and XNNPACK's int8 operators
// (where built with it) doing the same work: same shapes, same per-channel quantization,
// single-threaded. XNNPACK need not produce our bytes; its max |difference| from the
// reference is reported as the counter `max_diff_ref`.
//
// Rates are counters (`MACs` per second for convolutions, `items_per_second` elements for
// add and pooling). By default each benchmark runs 5 repetitions and the console shows
// their aggregates; after the runs a table puts the medians side by side: reference/AVX2
// speedup and AVX2/XNNPACK time ratio per shape. Any Google Benchmark flag overrides the
// defaults, e.g.
//   qb_kernels_bench --benchmark_filter=conv --benchmark_out=bench.json --benchmark_out_format=json
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/float/quantize.h"
#include "kernels/variant/kernel_set.h"
#include "kernels/variant/offline.h"

#if defined(QB_HAVE_XNNPACK)
#include <xnnpack.h>
#endif

namespace {

using namespace qb::kernels;

// ---- shapes --------------------------------------------------------------------------

enum class Op { kConv2d, kDepthwise, kPointwise, kAdd, kMaxPool };

struct Case {
  const char* name;  // the row of the ratio table
  Op op;
  Shape in;
  int32_t kernel = 1, stride = 1;
  int32_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;  // bottom/right for XNNPACK
  int32_t out_c = 0;                                                 // convolutions
};

// The three larger layers the kernels are measured on (suites/kernels.json), the suites'
// stems (kws conv1, resnet18_block stem) and an add and a max pool of a mid-sized tensor.
const Case kCases[] = {
    {"conv2d/3x3_pad1_32x32x16_to_32", Op::kConv2d, {1, 32, 32, 16}, 3, 1, 1, 1, 1, 1, 32},
    {"depthwise/3x3_pad1_32x32x64", Op::kDepthwise, {1, 32, 32, 64}, 3, 1, 1, 1, 1, 1, 64},
    {"pointwise/32x32_64_to_64", Op::kPointwise, {1, 32, 32, 64}, 1, 1, 0, 0, 0, 0, 64},
    {"conv2d/kws_conv1_3x3_20x20x1_to_8", Op::kConv2d, {1, 20, 20, 1}, 3, 1, 0, 0, 0, 0, 8},
    {"conv2d/resnet_stem_7x7s2_16x16x3_to_8", Op::kConv2d, {1, 16, 16, 3}, 7, 2, 3, 3, 2, 2, 8},
    {"add/32x32x32", Op::kAdd, {1, 32, 32, 32}},
    {"max_pool/2x2s2_32x32x32", Op::kMaxPool, {1, 32, 32, 32}, 2, 2},
};

Shape output_shape(const Case& c) {
  if (c.op == Op::kAdd) return c.in;
  auto extent = [&](int32_t in, int32_t before, int32_t after) {
    return (in + before + after - c.kernel) / c.stride + 1;
  };
  const int32_t channels = c.op == Op::kConv2d || c.op == Op::kPointwise ? c.out_c : c.in.c;
  return Shape{c.in.n, extent(c.in.h, c.pad_top, c.pad_bottom),
               extent(c.in.w, c.pad_left, c.pad_right), channels};
}

int64_t macs(const Case& c) {
  const Shape out = output_shape(c);
  const int64_t per_output =
      c.op == Op::kDepthwise ? int64_t{c.kernel} * c.kernel : int64_t{c.kernel} * c.kernel * c.in.c;
  return int64_t{out.elements()} * per_output;
}

// ---- one layer's data, quantized once -------------------------------------------------

// Real-valued quantization of every operand, so that our integer parameters and
// XNNPACK's float ones describe the same layer.
struct Layer {
  const Case* c = nullptr;
  Shape out;
  float input_scale = 0.05f, input2_scale = 0.04f, output_scale = 1.0f;
  int32_t input_zero_point = -3, input2_zero_point = 5, output_zero_point = 2;
  std::vector<float> kernel_scale;
  std::vector<int8_t> input, input2, filter;
  std::vector<int32_t> bias, folded, multiplier, shift;
  std::vector<int8_t> scratch_storage;
  ConvArgs conv;
  AddParams add;
  PoolParams pool;
};

Layer make_layer(const Case& c) {
  Layer l;
  l.c = &c;
  l.out = output_shape(c);
  std::mt19937 rng(1234);
  auto uniform = [&](int32_t lo, int32_t hi) {
    return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
  };
  l.input.resize(static_cast<size_t>(c.in.elements()));
  for (auto& x : l.input) x = static_cast<int8_t>(uniform(-128, 127));
  if (c.op == Op::kAdd) {
    l.input2.resize(l.input.size());
    for (auto& x : l.input2) x = static_cast<int8_t>(uniform(-128, 127));
    l.output_scale = 0.08f;
    l.add =
        fp::add_params({l.input_scale, l.input_zero_point}, {l.input2_scale, l.input2_zero_point},
                       {l.output_scale, l.output_zero_point}, -1e30f, 1e30f);
    return l;
  }
  if (c.op == Op::kMaxPool) {
    l.output_zero_point = l.input_zero_point;
    l.pool.filter_h = l.pool.filter_w = c.kernel;
    l.pool.stride_h = l.pool.stride_w = c.stride;
    return l;
  }

  const bool depthwise = c.op == Op::kDepthwise;
  const int32_t channels = l.out.c;
  const int32_t taps = depthwise ? c.kernel * c.kernel : c.kernel * c.kernel * c.in.c;
  const Shape filter_shape = depthwise ? Shape{1, c.kernel, c.kernel, channels}
                                       : Shape{channels, c.kernel, c.kernel, c.in.c};
  l.filter.resize(static_cast<size_t>(filter_shape.elements()));
  for (auto& w : l.filter) w = static_cast<int8_t>(uniform(-127, 127));
  l.kernel_scale.resize(static_cast<size_t>(channels));
  double mean_kernel_scale = 0;
  for (auto& s : l.kernel_scale) {
    s = 0.002f * static_cast<float>(uniform(100, 300)) / 100.0f;
    mean_kernel_scale += s / channels;
  }
  // Outputs spread over the int8 range: +-4 standard deviations of a sum of `taps`
  // products of uniform int8 values (each about 73 in standard deviation).
  l.output_scale = static_cast<float>(4.0 * std::sqrt(double(taps)) * 73.0 * 73.0 * l.input_scale *
                                      mean_kernel_scale / 127.0);
  l.bias.resize(static_cast<size_t>(channels));
  for (auto& b : l.bias) b = uniform(-5000, 5000);
  l.multiplier.resize(l.bias.size());
  l.shift.resize(l.bias.size());
  for (int32_t oc = 0; oc < channels; ++oc) {
    const auto m =
        fp::quantize_multiplier(double(l.input_scale) * l.kernel_scale[oc] / l.output_scale);
    l.multiplier[oc] = m.multiplier;
    l.shift[oc] = m.shift;
  }
  l.folded.resize(l.bias.size());
  const int32_t input_offset = -l.input_zero_point;
  if (depthwise) {
    fold_bias(l.filter.data(), l.bias.data(), channels, taps, 1, channels, input_offset,
              l.folded.data());
  } else {
    fold_bias(l.filter.data(), l.bias.data(), channels, taps, taps, 1, input_offset,
              l.folded.data());
  }

  ConvArgs& a = l.conv;
  a.params.stride_h = a.params.stride_w = c.stride;
  a.params.pad_top = c.pad_top;
  a.params.pad_left = c.pad_left;
  a.params.input_offset = input_offset;
  a.params.output_offset = l.output_zero_point;
  a.requant = {l.multiplier.data(), l.shift.data()};
  a.input_shape = c.in;
  a.input = l.input.data();
  a.filter_shape = filter_shape;
  a.filter = l.filter.data();
  a.bias = l.bias.data();
  a.folded_bias = l.folded.data();
  a.output_shape = l.out;
  if (c.op == Op::kConv2d) {
    a.scratch_bytes = conv_scratch_bytes(filter_shape);
    l.scratch_storage.assign(a.scratch_bytes + 16, 0);
    const uintptr_t at = reinterpret_cast<uintptr_t>(l.scratch_storage.data());
    a.scratch = l.scratch_storage.data() + (16 - at % 16) % 16;
  }
  return l;
}

// Runs one of our kernel sets on the layer.
void run_set(const KernelSet& set, const Layer& l, int8_t* output) {
  switch (l.c->op) {
    case Op::kConv2d:
    case Op::kDepthwise:
    case Op::kPointwise: {
      ConvArgs a = l.conv;
      a.output = output;
      (l.c->op == Op::kConv2d      ? set.conv2d
       : l.c->op == Op::kDepthwise ? set.depthwise_conv2d
                                   : set.pointwise_conv2d)(a);
      break;
    }
    case Op::kAdd:
      set.add(l.add, l.c->in.elements(), l.input.data(), l.input2.data(), output);
      break;
    case Op::kMaxPool: set.max_pool2d(l.pool, l.c->in, l.input.data(), l.out, output); break;
  }
}

void set_rates(benchmark::State& state, const Case& c) {
  if (c.op == Op::kAdd || c.op == Op::kMaxPool) {
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * output_shape(c).elements());
  } else {
    state.counters["MACs"] = benchmark::Counter(static_cast<double>(macs(c)),
                                                benchmark::Counter::kIsIterationInvariantRate);
  }
}

void bench_set(benchmark::State& state, const KernelSet* set, const Layer* l) {
  std::vector<int8_t> output(static_cast<size_t>(l->out.elements()));
  if (set != &reference_kernels()) {
    // A fast set that is not byte-identical here is a bug, not a benchmark result.
    std::vector<int8_t> want(output.size());
    run_set(reference_kernels(), *l, want.data());
    run_set(*set, *l, output.data());
    if (want != output) {
      state.SkipWithError("output differs from the reference kernels");
      return;
    }
  }
  for (auto _ : state) {
    run_set(*set, *l, output.data());
    benchmark::DoNotOptimize(output.data());
    benchmark::ClobberMemory();
  }
  set_rates(state, *l->c);
}

#if defined(QB_HAVE_XNNPACK)

// XNNPACK's int8 operator for the layer: qc8 convolutions (per-channel weight scales;
// depthwise as one group per channel), qs8 add, s8 max pooling.
xnn_status create_xnn(const Layer& l, xnn_operator_t* op) {
  const Case& c = *l.c;
  const auto zp = [](int32_t v) { return static_cast<int8_t>(v); };
  switch (c.op) {
    case Op::kConv2d:
    case Op::kPointwise:
      return xnn_create_convolution2d_nhwc_qc8(
          c.pad_top, c.pad_right, c.pad_bottom, c.pad_left, c.kernel, c.kernel, c.stride, c.stride,
          1, 1, 1, c.in.c, l.out.c, c.in.c, l.out.c, zp(l.input_zero_point), l.input_scale,
          l.kernel_scale.data(), l.filter.data(), l.bias.data(), zp(l.output_zero_point),
          l.output_scale, -128, 127, 0, op);
    case Op::kDepthwise:
      return xnn_create_convolution2d_nhwc_qc8(
          c.pad_top, c.pad_right, c.pad_bottom, c.pad_left, c.kernel, c.kernel, c.stride, c.stride,
          1, 1, c.in.c, 1, 1, c.in.c, c.in.c, zp(l.input_zero_point), l.input_scale,
          l.kernel_scale.data(), l.filter.data(), l.bias.data(), zp(l.output_zero_point),
          l.output_scale, -128, 127, XNN_FLAG_DEPTHWISE_CONVOLUTION, op);
    case Op::kAdd:
      return xnn_create_add_nd_qs8(zp(l.input_zero_point), l.input_scale, zp(l.input2_zero_point),
                                   l.input2_scale, zp(l.output_zero_point), l.output_scale, -128,
                                   127, 0, op);
    case Op::kMaxPool:
      return xnn_create_max_pooling2d_nhwc_s8(c.pad_top, c.pad_right, c.pad_bottom, c.pad_left,
                                              c.kernel, c.kernel, c.stride, c.stride, 1, 1, c.in.c,
                                              c.in.c, c.in.c, -128, 127, 0, op);
  }
  return xnn_status_invalid_parameter;
}

xnn_status setup_xnn(const Layer& l, xnn_operator_t op, int8_t* output) {
  const Case& c = *l.c;
  switch (c.op) {
    case Op::kConv2d:
    case Op::kPointwise:
    case Op::kDepthwise:
      return xnn_setup_convolution2d_nhwc_qc8(op, c.in.n, c.in.h, c.in.w, l.input.data(), output,
                                              nullptr);
    case Op::kAdd: {
      const size_t dims[4] = {size_t(c.in.n), size_t(c.in.h), size_t(c.in.w), size_t(c.in.c)};
      return xnn_setup_add_nd_qs8(op, 4, dims, 4, dims, l.input.data(), l.input2.data(), output,
                                  nullptr);
    }
    case Op::kMaxPool:
      return xnn_setup_max_pooling2d_nhwc_s8(op, c.in.n, c.in.h, c.in.w, l.input.data(), output,
                                             nullptr);
  }
  return xnn_status_invalid_parameter;
}

void bench_xnnpack(benchmark::State& state, const Layer* l) {
  std::vector<int8_t> output(static_cast<size_t>(l->out.elements()));
  xnn_operator_t op = nullptr;
  if (create_xnn(*l, &op) != xnn_status_success ||
      setup_xnn(*l, op, output.data()) != xnn_status_success) {
    if (op != nullptr) xnn_delete_operator(op);
    state.SkipWithError("XNNPACK rejected the operator");
    return;
  }
  for (auto _ : state) {
    xnn_run_operator(op, nullptr);
    benchmark::DoNotOptimize(output.data());
    benchmark::ClobberMemory();
  }
  xnn_delete_operator(op);
  std::vector<int8_t> want(output.size());
  run_set(reference_kernels(), *l, want.data());
  int32_t max_diff = 0;
  for (size_t i = 0; i < want.size(); ++i)
    max_diff = std::max(max_diff, std::abs(int32_t{want[i]} - output[i]));
  state.counters["max_diff_ref"] = max_diff;
  set_rates(state, *l->c);
}

#endif  // QB_HAVE_XNNPACK

// ---- the ratio table ---------------------------------------------------------------------

// Forwards everything to the reporter the flags asked for, keeping each benchmark's
// median (or its only run) for the table.
class TableReporter : public benchmark::BenchmarkReporter {
 public:
  explicit TableReporter(std::unique_ptr<benchmark::BenchmarkReporter> inner)
      : inner_(std::move(inner)) {}

  bool ReportContext(const Context& context) override {
    ran_ = true;
    return inner_->ReportContext(context);
  }
  void Finalize() override { inner_->Finalize(); }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      const bool single = run.run_type == Run::RT_Iteration && run.repetitions <= 1;
      if (!median && !single) continue;
      const double ns = run.GetAdjustedRealTime() * unit_in_ns(run.time_unit);
      medians_[run.run_name.function_name] = ns;
    }
    inner_->ReportRuns(runs);
  }

  // "op/shape/variant" -> ns
  const std::map<std::string, double>& medians() const { return medians_; }
  // False when nothing ran: --benchmark_list_tests only lists, and a filter can match nothing.
  bool ran() const { return ran_; }

 private:
  static double unit_in_ns(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kSecond: return 1e9;
      case benchmark::kMillisecond: return 1e6;
      case benchmark::kMicrosecond: return 1e3;
      default: return 1.0;
    }
  }

  std::unique_ptr<benchmark::BenchmarkReporter> inner_;
  std::map<std::string, double> medians_;
  bool ran_ = false;
};

void print_table(FILE* out, const std::map<std::string, double>& medians) {
  auto find = [&](const std::string& name) {
    const auto it = medians.find(name);
    return it == medians.end() ? -1.0 : it->second;
  };
  auto cell = [](double v, const char* format) {
    char buffer[32];
    if (v <= 0) return std::string("-");
    std::snprintf(buffer, sizeof buffer, format, v);
    return std::string(buffer);
  };
  std::fprintf(out, "\nMedian real time per call (ns) and ratios\n");
  std::fprintf(out, "%-40s %12s %12s %12s %10s %12s\n", "op/shape", "reference", "avx2", "xnnpack",
               "ref/avx2", "avx2/xnnpack");
  for (const Case& c : kCases) {
    const std::string base = c.name;
    const double ref = find(base + "/reference"), avx2 = find(base + "/avx2"),
                 xnn = find(base + "/xnnpack");
    if (ref < 0 && avx2 < 0 && xnn < 0) continue;
    std::fprintf(out, "%-40s %12s %12s %12s %10s %12s\n", c.name, cell(ref, "%.0f").c_str(),
                 cell(avx2, "%.0f").c_str(), cell(xnn, "%.0f").c_str(),
                 cell(ref > 0 && avx2 > 0 ? ref / avx2 : -1, "%.2fx").c_str(),
                 cell(avx2 > 0 && xnn > 0 ? avx2 / xnn : -1, "%.2f").c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Defaults first, so that the caller's flags (parsed later) win.
  std::vector<char*> args;
  std::string repetitions = "--benchmark_repetitions=5";
  std::string aggregates = "--benchmark_display_aggregates_only=true";
  args.push_back(argv[0]);
  args.push_back(repetitions.data());
  args.push_back(aggregates.data());
  std::string format = "console";
  for (int i = 1; i < argc; ++i) {
    args.push_back(argv[i]);
    const std::string arg = argv[i];
    if (arg.rfind("--benchmark_format=", 0) == 0)
      format = arg.substr(std::strlen("--benchmark_format="));
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;

#if defined(QB_HAVE_XNNPACK)
  const bool have_xnnpack = xnn_initialize(nullptr) == xnn_status_success;
  if (!have_xnnpack)
    std::fprintf(stderr, "XNNPACK failed to initialize; its benchmarks are skipped\n");
#endif

  std::vector<std::unique_ptr<Layer>> layers;
  for (const Case& c : kCases) {
    layers.push_back(std::make_unique<Layer>(make_layer(c)));
    const Layer* l = layers.back().get();
    const std::string base = c.name;
    benchmark::RegisterBenchmark((base + "/reference").c_str(), bench_set, &reference_kernels(), l);
#if defined(__x86_64__)
    if (cpu_has_avx2())
      benchmark::RegisterBenchmark((base + "/avx2").c_str(), bench_set, &avx2_kernels(), l);
#endif
#if defined(QB_HAVE_XNNPACK)
    if (have_xnnpack) benchmark::RegisterBenchmark((base + "/xnnpack").c_str(), bench_xnnpack, l);
#endif
  }

  std::unique_ptr<benchmark::BenchmarkReporter> inner;
  if (format == "json") {
    inner = std::make_unique<benchmark::JSONReporter>();
  } else {
    const bool color = isatty(STDOUT_FILENO) != 0;
    inner = std::make_unique<benchmark::ConsoleReporter>(
        color ? benchmark::ConsoleReporter::OO_ColorTabular
              : benchmark::ConsoleReporter::OO_Tabular);
  }
  // Debian's libbenchmark is compiled without NDEBUG, so every context says
  // "library_build_type": "debug" (and the console warns). That is the library's own
  // bookkeeping; the timed loop (inline, from benchmark.h) and the kernels are this build's.
  benchmark::AddCustomContext(
      "library_build_type_note",
      "library_build_type describes the Google Benchmark library (Debian's libbenchmark is built "
      "without NDEBUG), not this benchmark: the timed loop and the kernels are compiled with this build's "
      "flags, see qb_build_type");
#if defined(NDEBUG)
  benchmark::AddCustomContext("qb_build_type", "release (NDEBUG)");
#else
  benchmark::AddCustomContext("qb_build_type", "debug (no NDEBUG)");
#endif
  TableReporter reporter(std::move(inner));
  benchmark::RunSpecifiedBenchmarks(&reporter);
  // The table goes where it cannot break a machine-readable stdout, and only after runs:
  // --benchmark_list_tests prints the list and nothing else.
  if (reporter.ran()) print_table(format == "console" ? stdout : stderr, reporter.medians());
  benchmark::Shutdown();
#if defined(QB_HAVE_XNNPACK)
  if (have_xnnpack) xnn_deinitialize();
#endif
  return 0;
}
