#include "harness/targets/runner_protocol.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "kernels/runtime/model.h"
#include "kernels/runtime/qbm_format.h"

namespace qb::harness {
namespace {

enum Marker { kLayerBegin = 0, kLayerEnd = 1, kInferenceBegin = 2, kInferenceEnd = 3 };

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TargetError("the runner left no " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const std::string& path, const void* data, size_t size) {
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) throw TargetError("cannot write " + path);
}

// Output sizes of every layer, from the same model file the runner received.
std::vector<uint32_t> layer_output_bytes(const std::vector<uint8_t>& file) {
  // The runtime wants the file 16-byte aligned, as on the target.
  std::vector<uint8_t> storage(file.size() + 16);
  uint8_t* aligned = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
  std::memcpy(aligned, file.data(), file.size());
  runtime::Model model;
  if (const runtime::Status s = model.load(aligned, file.size()); s != runtime::Status::kOk) {
    throw TargetError(std::string("the runtime rejected the model file: ") + runtime::status_name(s));
  }
  std::vector<uint32_t> bytes;
  for (uint32_t l = 0; l < model.layer_count(); ++l) bytes.push_back(model.tensor(model.layer(l).output).bytes());
  return bytes;
}

// The runner's "key value" result lines.
std::map<std::string, int64_t> read_result(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw TargetError("the runner finished without writing " + std::string(kRunnerResultFile));
  std::map<std::string, int64_t> values;
  std::string key;
  int64_t value = 0;
  while (in >> key >> value) values[key] = value;
  if (values["qb-runner"] != 1) throw TargetError("unrecognized runner result file");
  return values;
}

// Lower median: an integer that some sample actually took.
int64_t median(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  return values[(values.size() - 1) / 2];
}

}  // namespace

const std::vector<std::string>& runner_marker_symbols() {
  static const std::vector<std::string> names = {"qb_marker_layer_begin", "qb_marker_layer_end",
                                                 "qb_marker_inference_begin", "qb_marker_inference_end"};
  return names;
}

uint32_t model_arena_bytes(const std::vector<uint8_t>& model) {
  const size_t at = runtime::qbm::header::kArenaSize;
  if (model.size() < at + 4) throw TargetError("the model file is too short to hold a header");
  return static_cast<uint32_t>(model[at]) | (static_cast<uint32_t>(model[at + 1]) << 8) |
         (static_cast<uint32_t>(model[at + 2]) << 16) | (static_cast<uint32_t>(model[at + 3]) << 24);
}

std::vector<std::string> prepare_runner(const WorkDir& dir, const RunRequest& request) {
  write_all(dir.file(kRunnerModelFile), request.model->data(), request.model->size());
  write_all(dir.file(kRunnerInputsFile), request.inputs->data(), request.inputs->size());
  return {kRunnerModelFile, kRunnerInputsFile, kRunnerOutputsFile, kRunnerResultFile,
          std::to_string(request.samples)};
}

RunResult read_runner_results(const WorkDir& dir, const RunRequest& request) {
  const std::vector<uint32_t> out_bytes = layer_output_bytes(*request.model);
  const size_t layers = out_bytes.size();
  const size_t samples = static_cast<size_t>(request.samples);
  if (samples == 0 || layers == 0) throw TargetError("nothing to run: no samples or no layers");
  size_t record = 0;
  for (uint32_t b : out_bytes) record += b;

  auto result_values = read_result(dir.file(kRunnerResultFile));
  if (result_values["layers"] != static_cast<int64_t>(layers) ||
      result_values["samples"] != static_cast<int64_t>(samples) ||
      result_values["record_bytes"] != static_cast<int64_t>(record)) {
    throw TargetError("the runner's result does not match the model (layers, samples or output sizes)");
  }

  RunResult result;
  const std::vector<uint8_t> outputs = read_all(dir.file(kRunnerOutputsFile));
  if (outputs.size() != record * samples) {
    throw TargetError("the runner wrote " + std::to_string(outputs.size()) + " output bytes, expected " +
                      std::to_string(record * samples));
  }
  // Sample-major on the target, layer-major in a RunResult.
  result.layer_outputs.resize(layers);
  for (size_t l = 0; l < layers; ++l) result.layer_outputs[l].reserve(out_bytes[l] * samples);
  const auto* p = reinterpret_cast<const int8_t*>(outputs.data());
  for (size_t s = 0; s < samples; ++s) {
    for (size_t l = 0; l < layers; ++l) {
      result.layer_outputs[l].insert(result.layer_outputs[l].end(), p, p + out_bytes[l]);
      p += out_bytes[l];
    }
  }

  // The marker log: per sample, begin/end for every layer, then one plain inference.
  std::ifstream log(dir.file(kInsnCountFile));
  if (!log) throw TargetError("the instruction-count plugin left no log");
  // Each line: marker index, instructions so far and, where the target has a cycle model,
  // estimated cycles so far (the same column count on every line).
  std::vector<std::vector<int64_t>> per_layer(layers), per_layer_cycles(layers);
  std::vector<int64_t> totals, total_cycles;
  size_t columns = 0;
  struct Hit {
    int64_t insns = 0, cycles = 0;
  };
  auto next = [&](int expected) {
    std::string line;
    std::vector<int64_t> v;
    if (std::getline(log, line)) {
      std::istringstream fields(line);
      for (int64_t x = 0; fields >> x;) v.push_back(x);
      if (!fields.eof()) v.clear();  // something that is not a number
    }
    const size_t found = v.size();
    if (found < 2 || found > 3 || v[0] != expected || (columns != 0 && found != columns)) {
      throw TargetError("the instruction-count log does not follow the runner's markers");
    }
    columns = found;
    return Hit{v[1], found == 3 ? v[2] : 0};
  };
  for (size_t s = 0; s < samples; ++s) {
    for (size_t l = 0; l < layers; ++l) {
      const Hit begin = next(kLayerBegin);
      const Hit end = next(kLayerEnd);
      per_layer[l].push_back(end.insns - begin.insns);
      per_layer_cycles[l].push_back(end.cycles - begin.cycles);
    }
    const Hit begin = next(kInferenceBegin);
    const Hit end = next(kInferenceEnd);
    totals.push_back(end.insns - begin.insns);
    total_cycles.push_back(end.cycles - begin.cycles);
  }
  std::string extra;
  while (std::getline(log, extra)) {
    if (!extra.empty()) throw TargetError("the instruction-count log has more marker hits than expected");
  }

  result.layers.resize(layers);
  for (size_t l = 0; l < layers; ++l) result.layers[l].insns = median(per_layer[l]);
  result.total.insns = median(totals);
  if (columns == 3) {
    // A model's estimate (est_cycles), never a measurement: `cycles` stays for real counters.
    for (size_t l = 0; l < layers; ++l) result.layers[l].est_cycles = median(per_layer_cycles[l]);
    result.total.est_cycles = median(total_cycles);
  }
  result.stack_bytes = result_values["stack_bytes"];

  if (result_values["cycles"] == 1) {
    const std::vector<uint8_t> bytes = read_all(dir.file(kRunnerCyclesFile));
    const size_t per_sample = layers + 1;
    if (bytes.size() != per_sample * samples * 4) throw TargetError("the runner's cycle file has the wrong size");
    auto cycles_at = [&](size_t s, size_t i) {
      const uint8_t* b = bytes.data() + (s * per_sample + i) * 4;
      return static_cast<int64_t>(b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24));
    };
    for (size_t i = 0; i < per_sample; ++i) {
      std::vector<int64_t> values;
      for (size_t s = 0; s < samples; ++s) values.push_back(cycles_at(s, i));
      (i < layers ? result.layers[i] : result.total).cycles = median(values);
    }
  }
  return result;
}

}  // namespace qb::harness
