#include "harness/pipeline/suite_pipeline.h"

#include <cmath>
#include <algorithm>
#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include <chrono>

#include <spdlog/spdlog.h>

#include "harness/diagnostics/activation_range.h"
#include "harness/diagnostics/local_error.h"
#include "harness/diagnostics/weight_quality.h"
#include "harness/import/tflite_import.h"
#include "harness/model/aligned_bytes.h"
#include "harness/model/arena_planner.h"
#include "harness/model/model_writer.h"
#include "harness/pipeline/batch_norm_folding.h"
#include "harness/pipeline/float_reference.h"
#include "harness/pipeline/hash.h"
#include "harness/pipeline/metrics.h"
#include "harness/suite/generators.h"
#include "harness/suite/graph_builder.h"
#include "harness/suite/input_error.h"
#include "harness/suite/json_input.h"
#include "harness/suite/suite_loader.h"
#include "kernels/runtime/crc32.h"
#include "kernels/runtime/model.h"

namespace qb::harness {
namespace {

namespace fp = kernels::fp;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string shape_text(const kernels::Shape& s) {
  return std::to_string(s.n) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w) + "x" +
         std::to_string(s.c);
}

// The decision-surface inputs: a steps x steps grid over [0,1]^2, x2 outer, x1 inner.
std::vector<float> grid_inputs(int32_t steps) {
  std::vector<float> values;
  for (int32_t j = 0; j < steps; ++j) {
    for (int32_t i = 0; i < steps; ++i) {
      values.push_back(static_cast<float>(i) / static_cast<float>(steps - 1));
      values.push_back(static_cast<float>(j) / static_cast<float>(steps - 1));
    }
  }
  return values;
}

// The runtime's own checks (every target runs them before anything else), on the host, so
// that a model no target would accept is bad input and not a failure of every target.
void check_runtime_accepts(const std::string& file, const std::vector<uint8_t>& qbm) {
  const AlignedBytes copy(qbm);
  runtime::Model model;
  if (const runtime::Status s = model.load(copy.data(), qbm.size()); s != runtime::Status::kOk) {
    throw InputError(file + ": the compiled model fails the runtime's checks (" +
                     runtime::status_name(s) + "): a value is outside what the int8 kernels can hold exactly");
  }
}

void add_gate(const std::string& name, const std::optional<double>& threshold, double value,
              bool at_least, SuiteTargetRun* run) {
  if (!threshold) return;
  const bool passed = at_least ? value >= *threshold : value <= *threshold;
  run->gates.push_back({name, *threshold, value, passed});
}

}  // namespace

namespace {

// Values a float cannot hold (a generator's parameters near the float range) are the
// suite's problem, named where they come from, and never reach a report as NaN.
void check_finite(const std::vector<float>& values, const std::string& file, const std::string& where,
                  const std::string& what) {
  for (float v : values) {
    if (!std::isfinite(v)) {
      throw InputError(file, where, "expected " + what + " a float can hold, got " + (std::isnan(v) ? "NaN" : "infinity") +
                                        " (the values or parameters are too large for float)");
    }
  }
}

std::string node_pointer(const Node& node) { return node.def.json_path.empty() ? "/layers" : node.def.json_path; }

// A declared suite: generate, calibrate on the host, compile.
void prepare_declared(const CalibrationOptions& options, PreparedSuite& p) {
  // The float reference runs the suite's graph as written; the int8 model is compiled from
  // it with every batch_norm folded into the layer before, whose rows then compare with the
  // batch_norm's float output.
  const Graph written = build_graph(p.suite);
  std::vector<int32_t> float_source;
  p.graph = fold_batch_norms(written, &float_source);
  for (const Node& node : p.graph.nodes) {
    check_finite(node.weights, p.suite.file, node_pointer(node) + "/weights", "weights");
    check_finite(node.bias, p.suite.file, node_pointer(node) + "/bias", "biases");
  }
  const size_t input_size = static_cast<size_t>(p.graph.input_shape.elements());
  const Dataset& cal = p.suite.calibration;
  const std::vector<float> cal_inputs =
      generate(cal.inputs, input_size * static_cast<size_t>(cal.samples), 0, p.suite.file);
  check_finite(cal_inputs, p.suite.file, "/data/calibration/inputs", "inputs");
  const Dataset& test = p.suite.test;
  p.test_samples = test.samples;
  std::vector<float> test_inputs =
      generate(test.inputs, input_size * static_cast<size_t>(test.samples), 0, p.suite.file);
  check_finite(test_inputs, p.suite.file, "/data/test/inputs", "inputs");
  p.float_outputs.resize(p.graph.nodes.size());
  for (int32_t s = 0; s < test.samples; ++s) {
    const auto outputs = run_float(written, test_inputs.data() + input_size * static_cast<size_t>(s));
    for (size_t i = 0; i < p.graph.nodes.size(); ++i) {
      const auto& o = outputs[static_cast<size_t>(float_source[i])];
      p.float_outputs[i].insert(p.float_outputs[i].end(), o.begin(), o.end());
    }
  }
  for (size_t i = 0; i < p.graph.nodes.size(); ++i) {
    check_finite(p.float_outputs[i], p.suite.file, node_pointer(p.graph.nodes[i]), "float outputs");
  }

  p.calibration = calibrate(p.graph, cal_inputs, cal.samples, options);
  fit_requantization(p.graph, &p.calibration);
  for (size_t i = 0; i < p.graph.nodes.size(); ++i) {
    const float scale = p.calibration.nodes[i].scale;
    check_finite({scale}, p.suite.file, node_pointer(p.graph.nodes[i]), "calibrated output ranges");
  }
  try {
    p.compiled = compile_model(p.graph, p.calibration);
    p.model_file = serialize_model(p.compiled.spec);
  } catch (const ModelSpecError& e) {
    // Layer i of the spec is node i of the graph.
    const std::string where =
        e.layer() && *e.layer() < p.graph.nodes.size() ? node_pointer(p.graph.nodes[*e.layer()]) : "/layers";
    std::string what = e.what();
    const size_t colon = what.find(": ", what.find(": ") + 2);  // after "serialize_model: layer N (op)"
    throw InputError(p.suite.file, where,
                     "expected a layer int8 can represent, got one it cannot (" +
                         (colon == std::string::npos ? what : what.substr(colon + 2)) + ")");
  }
  if (p.suite.decision_grid > 0) {
    const std::vector<float> grid = grid_inputs(p.suite.decision_grid);
    p.grid_samples = p.suite.decision_grid * p.suite.decision_grid;
    test_inputs.insert(test_inputs.end(), grid.begin(), grid.end());
  }
  p.inputs.reserve(test_inputs.size());
  for (float v : test_inputs) p.inputs.push_back(fp::quantize(v, p.calibration.input));
  p.float_reference = "the suite's float graph (calibrated on the host)";
}

// A model suite: the file's graph and quantization; test inputs from raw files or a
// generator; the float twin (or the int8 graph in float) as the reference, fed the
// dequantized int8 inputs so both sides see the same values.
void prepare_model(PreparedSuite& p, std::string* hashed_bytes) {
  const ModelSource& source = *p.suite.model;
  const auto t0 = std::chrono::steady_clock::now();
  // Without an int8 file, qbench quantizes the float32 model itself: its own calibration on
  // the suite's calibration set, with the suite's quantization choices.
  const bool own_quantization = source.tflite.empty();
  const std::string& file = own_quantization ? source.float_tflite : source.tflite;
  ImportedModel model = import_tflite(file);
  if (own_quantization && model.quantized) {
    throw InputError(file + ": expected a float32 model (\"float_tflite\"), got an int8 one (name it as "
                     "\"tflite\" to run its own quantization)");
  }
  if (!own_quantization && !model.quantized) {
    throw InputError(file + ": expected an int8 model, got a float32 one (name it as "
                     "\"float_tflite\", the float reference, beside its int8 twin)");
  }
  p.graph = model.graph;
  p.graph.suite_name = p.suite.name;
  p.source_operator = model.operator_index;
  if (own_quantization) {
    p.graph.default_range = p.suite.default_range;
    for (Node& node : p.graph.nodes) node.def.per_channel = p.suite.default_per_channel;
    const size_t cal_size =
        static_cast<size_t>(p.graph.input_shape.elements()) * static_cast<size_t>(p.suite.calibration.samples);
    check_generator_count(p.suite.calibration.inputs, cal_size,
                          std::to_string(p.suite.calibration.samples) + " samples x " +
                              std::to_string(p.graph.input_shape.elements()) + " input elements",
                          p.suite.file);
    const std::vector<float> cal_inputs = generate(p.suite.calibration.inputs, cal_size, 0, p.suite.file);
    p.calibration = calibrate(p.graph, cal_inputs, p.suite.calibration.samples);
    fit_requantization(p.graph, &p.calibration);
    p.compiled = compile_model(p.graph, p.calibration);
  } else {
    p.calibration = model.quant;
    p.compiled = compile_model(p.graph, p.calibration, &model.weights);
  }
  try {
    p.model_file = serialize_model(p.compiled.spec);
  } catch (const std::invalid_argument& e) {
    throw InputError(file + ": cannot be compiled: " + e.what());
  }
  check_runtime_accepts(file, p.model_file);
  spdlog::debug("imported {} in {:.1f} ms ({} layers, .qbm {} bytes)", file,
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(),
                p.graph.nodes.size(), p.model_file.size());
  *hashed_bytes += read_bytes(file);

  const size_t input_size = static_cast<size_t>(p.graph.input_shape.elements());
  if (!p.suite.input_files.empty()) {
    // A file holds the model's input tensor as the file declares it: int8, or float32 where
    // the model quantizes its own input (then the host does that QUANTIZE, as TFLite would).
    const bool float_input = model.quantize_at_input || own_quantization;
    const size_t value_bytes = float_input ? sizeof(float) : 1;
    for (const std::string& file : p.suite.input_files) {
      // Sized before it is read: a wrong file costs nothing, whatever its size.
      std::error_code ec;
      const uintmax_t size = std::filesystem::file_size(file, ec);
      const std::string bytes = !ec && size == input_size * value_bytes ? read_bytes(file) : std::string();
      if (ec || bytes.size() != input_size * value_bytes) {
        throw InputError(file + ": expected " + std::to_string(input_size * value_bytes) + " bytes (one " +
                         (float_input ? "float32" : "int8") + " input tensor " +
                         shape_text(p.graph.input_shape) + " of " + file + "), got " +
                         (ec ? std::string("an unreadable file") : std::to_string(size) + " bytes"));
      }
      for (size_t k = 0; k < input_size; ++k) {
        if (float_input) {
          float v;
          std::memcpy(&v, bytes.data() + k * sizeof v, sizeof v);
          p.inputs.push_back(fp::quantize(v, p.calibration.input));
        } else {
          p.inputs.push_back(static_cast<int8_t>(bytes[k]));
        }
      }
    }
    p.test_samples = static_cast<int32_t>(p.suite.input_files.size());
  } else {
    Dataset& test = p.suite.test;
    if (test.samples == 0) {
      // No data given: a few seeded samples over every value the int8 input can hold.
      test.samples = 4;
      test.inputs.kind = Generator::Kind::kUniform;
      test.inputs.seed = 1;
      test.inputs.low = fp::dequantize(-128, p.calibration.input);
      test.inputs.high = fp::dequantize(127, p.calibration.input);
      test.inputs.json_path = "/data/test/inputs";
    }
    const size_t count = input_size * static_cast<size_t>(test.samples);
    check_generator_count(test.inputs, count,
                          std::to_string(test.samples) + " samples x " + std::to_string(input_size) +
                              " input elements",
                          p.suite.file);
    for (float v : generate(test.inputs, count, 0, p.suite.file)) {
      p.inputs.push_back(fp::quantize(v, p.calibration.input));
    }
    p.test_samples = test.samples;
  }

  const Graph* reference = &p.graph;
  ImportedModel float_model;
  if (own_quantization) {
    p.float_reference = "float_tflite " + source.float_tflite + ", quantized by qbench";
  } else if (!source.float_tflite.empty()) {
    float_model = import_tflite(source.float_tflite);
    check_same_network(model, float_model);
    reference = &float_model.graph;
    *hashed_bytes += read_bytes(source.float_tflite);
    p.float_reference = "float_tflite " + source.float_tflite;
  } else {
    p.float_reference = "the int8 model's graph in float (dequantized weights and biases)";
  }
  p.float_outputs.resize(p.graph.nodes.size());
  std::vector<float> input(input_size);
  for (int32_t s = 0; s < p.test_samples; ++s) {
    for (size_t k = 0; k < input_size; ++k) {
      input[k] = fp::dequantize(p.inputs[static_cast<size_t>(s) * input_size + k], p.calibration.input);
    }
    const auto outputs = run_float(*reference, input.data());
    for (size_t i = 0; i < outputs.size(); ++i) {
      p.float_outputs[i].insert(p.float_outputs[i].end(), outputs[i].begin(), outputs[i].end());
    }
  }
}

}  // namespace

PreparedSuite prepare_suite(Suite suite, const std::string& file_bytes,
                            const CalibrationOptions& options) {
  PreparedSuite p;
  p.suite = std::move(suite);
  std::string hashed = file_bytes;
  if (p.suite.model) {
    prepare_model(p, &hashed);
  } else {
    prepare_declared(options, p);
  }
  p.arena_bytes = plan_arena(p.compiled.spec).arena_bytes;
  p.local_sqnr_db = local_sqnr_db(p.graph, p.calibration, p.compiled, p.inputs, p.test_samples,
                                  p.float_outputs);
  p.suite_hash = fnv1a64_hex(hashed.data(), hashed.size());
  p.model_hash = fnv1a64_hex(p.model_file.data(), p.model_file.size());
  return p;
}

PreparedSuite prepare_suite(const std::string& path, const CalibrationOptions& options) {
  // Read once, bounded and from a regular file only (json_input), for both the suite and
  // its hash.
  const std::string text = json_input::read_text_file(path, path);
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  if (base_dir.empty()) base_dir = ".";
  return prepare_suite(parse_suite_text(text, path, base_dir), text, options);
}

RunRequest run_request(const PreparedSuite& p, int32_t repetitions) {
  RunRequest r;
  r.model = &p.model_file;
  r.inputs = &p.inputs;
  r.samples = p.samples();
  r.repetitions = repetitions;
  return r;
}

SuiteTargetRun evaluate_run(const PreparedSuite& p, const std::string& target,
                            const RunResult& result) {
  SuiteTargetRun run;
  run.suite = p.suite.name;
  run.target = target;
  run.suite_file = p.suite.file;
  run.suite_hash = p.suite_hash;
  run.model_hash = p.model_hash;
  run.float_reference = p.float_reference;

  ReportRow total;
  total.suite = run.suite;
  total.target = target;
  total.layer = "TOTAL";
  total.macs = 0;
  total.weight_bytes = total.bias_bytes = total.quant_param_bytes = total.activation_bytes = 0;
  total.arena_bytes = p.arena_bytes;
  total.flash_bytes = result.flash_bytes;
  total.ram_bytes = result.ram_bytes;
  total.stack_bytes = result.stack_bytes;
  total.harness_flash_bytes = result.harness_flash_bytes;
  total.harness_ram_bytes = result.harness_ram_bytes;
  total.insns = result.total.insns;
  total.cycles = result.total.cycles;
  total.est_cycles = result.total.est_cycles;
  total.time_ns = result.total.time_ns;
  total.time_ns_iqr = result.total.time_ns_iqr;
  total.time_ns_q1 = result.total.time_ns_q1;
  total.time_ns_q3 = result.total.time_ns_q3;

  ErrorMetrics output_error;
  for (size_t i = 0; i < p.graph.nodes.size(); ++i) {
    const Node& node = p.graph.nodes[i];
    const LayerCost& cost = p.compiled.costs[i];
    const size_t bytes = static_cast<size_t>(node.output_shape.elements()) * p.test_samples;
    const std::vector<int8_t> actual(result.layer_outputs[i].begin(),
                                     result.layer_outputs[i].begin() + static_cast<ptrdiff_t>(bytes));
    const ErrorMetrics err = error_metrics(p.float_outputs[i], actual, p.calibration.nodes[i]);
    if (i + 1 == p.graph.nodes.size()) output_error = err;

    ReportRow row;
    row.suite = run.suite;
    row.target = target;
    row.layer_index = static_cast<int32_t>(i);
    row.layer = node.def.name;
    row.op = op_name(node.def.op);
    if (node.batch_norm_folded) row.op += "+batch_norm";
    if (node.def.activation != Activation::kNone) {
      row.op += std::string("+") + activation_name(node.def.activation);
    }
    row.out_shape = shape_text(node.output_shape);
    row.macs = cost.macs;
    row.weight_bytes = cost.weight_bytes;
    row.bias_bytes = cost.bias_bytes;
    row.quant_param_bytes = cost.quant_param_bytes;
    row.activation_bytes = cost.activation_bytes;
    const LayerCostMeasured& m = result.layers[i];
    row.insns = m.insns;
    row.cycles = m.cycles;
    row.est_cycles = m.est_cycles;
    row.time_ns = m.time_ns;
    row.time_ns_iqr = m.time_ns_iqr;
    row.time_ns_q1 = m.time_ns_q1;
    row.time_ns_q3 = m.time_ns_q3;
    row.sqnr_db = err.sqnr_db;
    row.local_sqnr_db = p.local_sqnr_db[i];
    row.max_abs_err = err.max_abs_err;
    row.err_pct_range = err.err_pct_range;
    row.clip_pct = clip_percent(p.float_outputs[i], p.calibration.nodes[i]);
    row.range_used_pct = range_used_percent(p.float_outputs[i], p.calibration.nodes[i]);
    const WeightQuality wq =
        weight_quality(node, p.compiled.spec.layers[i].weights, p.compiled.weight_scales[i]);
    row.weight_sqnr_db = wq.sqnr_db;
    row.weight_range_spread = wq.range_spread;
    const auto& all_bytes = result.layer_outputs[i];
    row.output_crc32 = runtime::crc32(reinterpret_cast<const uint8_t*>(all_bytes.data()), all_bytes.size());
    run.rows.push_back(row);

    *total.macs += cost.macs;
    *total.weight_bytes += cost.weight_bytes;
    *total.bias_bytes += cost.bias_bytes;
    *total.quant_param_bytes += cost.quant_param_bytes;
    *total.activation_bytes += cost.activation_bytes;
  }

  // Decisions of the float and int8 models on every test sample.
  const Node& out_node = p.graph.nodes.back();
  const int32_t out_size = out_node.output_shape.elements();
  const auto& out_q = p.calibration.nodes.back();
  const auto& int8_out = result.layer_outputs.back();
  int32_t agree = 0, correct = 0;
  std::vector<float> deq(static_cast<size_t>(out_size));
  // Whole samples, up to a few thousand values: enough for a parity plot.
  constexpr int32_t kMaxParityValues = 4096;
  const int32_t parity_samples = std::min(p.test_samples, std::max(1, kMaxParityValues / out_size));
  run.output_values_per_sample = out_size;
  for (int32_t s = 0; s < p.test_samples; ++s) {
    const float* f = p.float_outputs.back().data() + static_cast<size_t>(s) * out_size;
    for (int32_t k = 0; k < out_size; ++k) {
      deq[static_cast<size_t>(k)] = fp::dequantize(int8_out[static_cast<size_t>(s) * out_size + k], out_q);
    }
    if (s < parity_samples) {
      run.test_output_float.insert(run.test_output_float.end(), f, f + out_size);
      run.test_output_int8.insert(run.test_output_int8.end(), deq.begin(), deq.end());
    }
    const int32_t d_int8 = decision(deq.data(), out_size);
    agree += d_int8 == decision(f, out_size) ? 1 : 0;
    if (!p.suite.test.labels.empty()) correct += d_int8 == p.suite.test.labels[static_cast<size_t>(s)];
  }
  total.sqnr_db = output_error.sqnr_db;
  total.max_abs_err = output_error.max_abs_err;
  total.err_pct_range = output_error.err_pct_range;
  total.top1_agreement = static_cast<double>(agree) / p.test_samples;
  if (!p.suite.test.labels.empty()) total.label_accuracy = static_cast<double>(correct) / p.test_samples;
  run.rows.push_back(total);

  const Gates& g = p.suite.gates;
  add_gate("min_sqnr_db", g.min_sqnr_db, output_error.sqnr_db, true, &run);
  if (g.max_err_pct_range) {
    add_gate("max_err_pct_range", g.max_err_pct_range, output_error.err_pct_range.value_or(0.0),
             false, &run);
  }
  add_gate("min_top1_agreement", g.min_top1_agreement, *total.top1_agreement, true, &run);
  if (g.min_label_accuracy) {
    add_gate("min_label_accuracy", g.min_label_accuracy, total.label_accuracy.value_or(0.0), true,
             &run);
  }

  if (p.grid_samples > 0) {
    run.decision_grid = p.suite.decision_grid;
    const size_t first = static_cast<size_t>(p.test_samples) * out_size;
    for (int32_t s = 0; s < p.grid_samples; ++s) {
      run.decision_surface.push_back(
          fp::dequantize(int8_out[first + static_cast<size_t>(s) * out_size], out_q));
    }
  }
  return run;
}

std::string golden_text(const PreparedSuite& p, const RunResult& result) {
  std::ostringstream out;
  out << "# qbench golden 1: int8 results, identical on every target\n";
  out << "suite " << p.suite.name << "\n";
  out << "samples " << p.test_samples << " test, " << p.grid_samples << " grid\n";
  for (size_t i = 0; i < p.graph.nodes.size(); ++i) {
    const auto& bytes = result.layer_outputs[i];
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08" PRIx32,
                  runtime::crc32(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    out << "layer " << i << " " << p.graph.nodes[i].def.name << " crc32 " << crc << " bytes "
        << bytes.size() << "\n";
  }
  const int32_t out_size = p.graph.nodes.back().output_shape.elements();
  const auto& final_out = result.layer_outputs.back();
  for (int32_t s = 0; s < p.samples(); ++s) {
    out << (s < p.test_samples ? "test " : "grid ") << (s < p.test_samples ? s : s - p.test_samples)
        << ":";
    for (int32_t k = 0; k < out_size; ++k) {
      out << " " << static_cast<int>(final_out[static_cast<size_t>(s) * out_size + k]);
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace qb::harness
