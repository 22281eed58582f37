// Fuzz target "tflite": bytes -> the .tflite reader and importer (harness/import) -> what
// `qbench run --model FILE` does with an imported int8 file before any target runs.
//
// Reaches: read_tflite (file identifier, the flatbuffers Verifier, copying every tensor,
// buffer, quantization and operator into checked structs), import_tflite (mapping every
// operator onto qbench's layers with TFLite's shapes, padding and quantization rules),
// the float reference over the imported graph (run_float) on one deterministic input,
// and for an int8 file compile_model + serialize_model + Model::load, and when the
// runtime accepts the compiled model one inference with every kernel set of this machine,
// compared byte for byte (as fuzz_qbm does).
//
// Expected outcome: an InputError (one line naming the file), or a serialize_model
// std::invalid_argument (the pipeline turns it into an InputError), or a compiled model
// the runtime refuses with a Status (likewise an InputError in the pipeline).
// A bug (the process aborts): any other exception escaping, any sanitizer report or
// crash, kernel sets disagreeing, >2 GB RSS or >10 s for one input.
//
// The reader takes a path: each input is written to one memfd, read as /proc/self/fd/N.
// Driver limit, not a finding: graphs whose estimated work exceeds kMaxWork are imported
// but not executed.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "harness/import/tflite_import.h"
#include "harness/model/model_writer.h"
#include "harness/pipeline/float_reference.h"
#include "harness/pipeline/model_compiler.h"
#include "harness/suite/input_error.h"
#include "kernels/runtime/model.h"

namespace {

using namespace qb::harness;

constexpr uint64_t kMaxWork = uint64_t{1} << 22;
constexpr size_t kMaxArena = size_t{64} << 20;

// Element operations of one float inference of the graph, roughly.
uint64_t graph_work(const Graph& graph) {
  uint64_t work = 0;
  for (const Node& n : graph.nodes) {
    const uint64_t out = static_cast<uint64_t>(n.output_shape.elements());
    uint64_t taps = 1;
    if (!n.weights.empty() && n.output_shape.c > 0) taps = n.weights.size() / static_cast<uint64_t>(n.output_shape.c);
    if (n.def.op == OpKind::kMaxPool2d || n.def.op == OpKind::kAvgPool2d) {
      taps = static_cast<uint64_t>(n.def.kernel[0]) * static_cast<uint64_t>(n.def.kernel[1]);
    }
    if (n.def.op == OpKind::kSoftmax) taps = static_cast<uint64_t>(n.output_shape.c);
    work += out * (taps + 1);
  }
  return work;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const qb::fuzz::MemFile file("qb_fuzz_tflite");
  file.write(data, size);
  const uint64_t seed = qb::fuzz::fnv1a64(data, size);
  try {
    const ImportedModel model = import_tflite(file.path());
    if (graph_work(model.graph) > kMaxWork) return 0;

    std::vector<float> input(static_cast<size_t>(model.graph.input_shape.elements()));
    uint64_t state = seed;
    for (float& v : input) v = static_cast<float>(qb::fuzz::next_random(&state) % 2001) / 1000.0f - 1.0f;
    (void)run_float(model.graph, input.data());

    if (!model.quantized) return 0;
    const CompiledModel compiled = compile_model(model.graph, model.quant, &model.weights);
    std::vector<uint8_t> qbm;
    try {
      qbm = serialize_model(compiled.spec);
    } catch (const std::invalid_argument&) {
      return 0;  // the pipeline reports this as an InputError ("cannot be compiled")
    }
    qb::fuzz::ExactBuffer bytes(qbm.size());
    std::memcpy(bytes.data(), qbm.data(), qbm.size());
    qb::runtime::Model loaded;
    if (loaded.load(bytes.data(), qbm.size()) != qb::runtime::Status::kOk) return 0;
    qb::fuzz::run_and_compare(loaded, seed, kMaxArena);
  } catch (const InputError&) {
  }
  return 0;
}
