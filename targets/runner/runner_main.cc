// The on-target runner: takes a .qbm model from the platform's read-only model region
// (MODEL is "@flash": on Cortex-M, the code memory after the image, where the host placed
// the file before the core started) or reads it from a host file, then reads the test inputs
// one sample at a time, runs each through the same runtime as the host, and writes every
// layer's output back. The QEMU plugin counts instructions between the markers around each layer and
// around one plain, hook-free inference per sample.
//
//   qb_runner MODEL INPUTS OUTPUTS RESULT SAMPLES
//
// OUTPUTS gets, sample after sample, every layer's output in layer order. RESULT is
// written last, only on success. Where the core's cycle counter runs (real silicon, never
// under QEMU), CYCLES ("cycles.bin") gets, per sample, every layer's cycles and then the
// plain inference's, as little-endian uint32. See harness/targets/runner_protocol.h.
// Failures print one line starting "qb-runner:" and return a non-zero code.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernels/runtime/interpreter.h"
#include "kernels/runtime/model.h"
#include "kernels/runtime/qbm_format.h"
#include "targets/runner/markers.h"
#include "targets/runner/port.h"

namespace {

using qb::runtime::Interpreter;
using qb::runtime::Model;
using qb::runtime::Status;

// Next to the other files, in the runner's working directory.
constexpr const char* kCyclesPath = "cycles.bin";
// The MODEL argument that names the platform's model region instead of a file.
constexpr const char* kModelInRegion = "@flash";

enum ExitCode : int {
  kExitUsage = 10,
  kExitIo = 11,
  kExitModel = 12,
  kExitMemory = 13,
  kExitMismatch = 14,
};

// Bump allocation from the platform's pool: everything lives as long as the run.
class Pool {
 public:
  Pool() { qb_port_memory_pool(&next_, &left_); }
  uint8_t* take(size_t bytes) {
    const size_t rounded = (bytes + 15u) & ~size_t{15};
    if (rounded > left_) return nullptr;
    uint8_t* p = next_;
    next_ += rounded;
    left_ -= rounded;
    return p;
  }
  size_t left() const { return left_; }

 private:
  uint8_t* next_ = nullptr;
  size_t left_ = 0;
};

int fail(int code, const char* what, const char* detail = "") {
  std::fprintf(stderr, "qb-runner: %s%s\n", what, detail);
  return code;
}

int fail_memory(const char* what, size_t need, size_t have) {
  std::fprintf(stderr, "qb-runner: %s needs %lu bytes, only %lu left in the memory pool\n", what,
               static_cast<unsigned long>(need), static_cast<unsigned long>(have));
  return kExitMemory;
}

long file_size(std::FILE* f) {
  if (std::fseek(f, 0, SEEK_END) != 0) return -1;
  const long size = std::ftell(f);
  if (std::fseek(f, 0, SEEK_SET) != 0) return -1;
  return size;
}

// Reads a whole host file into the pool.
int read_file(const char* path, Pool* pool, uint8_t** data, size_t* size) {
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr) return fail(kExitIo, "cannot open ", path);
  const long n = file_size(f);
  if (n < 0) {
    std::fclose(f);
    return fail(kExitIo, "cannot size ", path);
  }
  *size = static_cast<size_t>(n);
  *data = pool->take(*size);
  if (*data == nullptr) {
    std::fclose(f);
    return fail_memory(path, *size, pool->left());
  }
  const size_t got = std::fread(*data, 1, *size, f);
  std::fclose(f);
  if (got != *size) return fail(kExitIo, "short read from ", path);
  return 0;
}

// The model in place in the platform's model region: its header says how long it is.
int model_in_region(const uint8_t** data, size_t* size) {
  const uint8_t* base = nullptr;
  size_t region = 0;
  if (!qb_port_model_region(&base, &region)) return fail(kExitUsage, "this platform keeps no model in its memory");
  const uint32_t at = qb::runtime::qbm::header::kFileSize;
  if (region < at + 4) return fail(kExitModel, "the model region is too small to hold a header");
  const size_t file_size = static_cast<size_t>(base[at]) | (static_cast<size_t>(base[at + 1]) << 8) |
                           (static_cast<size_t>(base[at + 2]) << 16) | (static_cast<size_t>(base[at + 3]) << 24);
  if (file_size > region) return fail(kExitModel, "the model's header claims more bytes than its region holds");
  *data = base;
  *size = file_size;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    return fail(kExitUsage, "usage: qb_runner MODEL INPUTS OUTPUTS RESULT SAMPLES");
  }
  const char* model_path = argv[1];
  const char* inputs_path = argv[2];
  const char* outputs_path = argv[3];
  const char* result_path = argv[4];
  const long samples = std::strtol(argv[5], nullptr, 10);
  if (samples <= 0) return fail(kExitUsage, "SAMPLES must be a positive number, got ", argv[5]);

  Pool pool;
  const uint8_t* model_bytes = nullptr;
  size_t model_size = 0;
  if (std::strcmp(model_path, kModelInRegion) == 0) {
    if (const int rc = model_in_region(&model_bytes, &model_size)) return rc;
  } else {
    uint8_t* read = nullptr;
    if (const int rc = read_file(model_path, &pool, &read, &model_size)) return rc;
    model_bytes = read;
  }

  Model model;
  if (const Status s = model.load(model_bytes, model_size); s != Status::kOk) {
    return fail(kExitModel, "the runtime rejected the model file: ", qb::runtime::status_name(s));
  }
  const uint32_t layers = model.layer_count();
  if (layers == 0) return fail(kExitModel, "the model has no layers");

  // The arena comes from the pool at exactly the size the model's plan asks for.
  uint8_t* arena = pool.take(model.arena_size());
  if (arena == nullptr) return fail_memory("the activation arena", model.arena_size(), pool.left());
  Interpreter interpreter;
  if (const Status s = interpreter.init(&model, arena, model.arena_size()); s != Status::kOk) {
    return fail(kExitModel, "interpreter init failed: ", qb::runtime::status_name(s));
  }

  // One sample at a time, as on a device: RAM holds the arena, one input and
  // the last layer's output (for the cross-check below), never the whole test set or every
  // layer's outputs.
  std::FILE* inputs = std::fopen(inputs_path, "rb");
  if (inputs == nullptr) return fail(kExitIo, "cannot open ", inputs_path);
  const uint32_t input_bytes = interpreter.input_bytes();
  if (file_size(inputs) != static_cast<long>(input_bytes) * samples) {
    std::fclose(inputs);
    return fail(kExitUsage, "the input file does not hold SAMPLES inputs of the model's size");
  }
  uint8_t* sample = pool.take(input_bytes);
  if (sample == nullptr) return fail_memory("one input sample", input_bytes, pool.left());

  // Where each layer's output sits in the arena: bookkeeping of the capture, so it lives in
  // the pool and not in the image's RAM figure.
  auto* table = reinterpret_cast<uint32_t*>(pool.take(2 * sizeof(uint32_t) * layers));
  if (table == nullptr) return fail_memory("the layer table", 2 * sizeof(uint32_t) * layers, pool.left());
  uint32_t* out_offset = table;
  uint32_t* out_bytes = table + layers;
  size_t record_bytes = 0;
  for (uint32_t l = 0; l < layers; ++l) {
    const auto t = model.tensor(model.layer(l).output);
    out_offset[l] = t.arena_offset;
    out_bytes[l] = t.bytes();
    record_bytes += t.bytes();
  }
  const uint32_t last = layers - 1;
  uint8_t* last_output = pool.take(out_bytes[last]);
  if (last_output == nullptr) return fail_memory("the model's output", out_bytes[last], pool.left());

  std::FILE* out = std::fopen(outputs_path, "wb");
  if (out == nullptr) return fail(kExitIo, "cannot create ", outputs_path);

  // Cycles are read outside the markers, so they never add to the instruction counts.
  const bool with_cycles = qb_port_cycle_counter_start();
  uint32_t* cycles = nullptr;
  std::FILE* cycles_out = nullptr;
  if (with_cycles) {
    cycles = reinterpret_cast<uint32_t*>(pool.take(sizeof(uint32_t) * (layers + 1)));
    if (cycles == nullptr) return fail_memory("the cycle table", sizeof(uint32_t) * (layers + 1), pool.left());
    cycles_out = std::fopen(kCyclesPath, "wb");
    if (cycles_out == nullptr) return fail(kExitIo, "cannot create ", kCyclesPath);
  }

  size_t stack_bytes = 0;
  for (long s = 0; s < samples; ++s) {
    if (std::fread(sample, 1, input_bytes, inputs) != input_bytes) {
      std::fclose(out);
      return fail(kExitIo, "short read from ", inputs_path);
    }

    // Layer by layer, each output written out before a later layer reuses its arena bytes.
    std::memcpy(interpreter.input(), sample, input_bytes);
    for (uint32_t l = 0; l < layers; ++l) {
      const uint32_t c0 = with_cycles ? qb_port_cycles() : 0;
      qb_marker_layer_begin(l);
      interpreter.run_layer(l);
      qb_marker_layer_end(l);
      if (with_cycles) cycles[l] = qb_port_cycles() - c0;
      if (std::fwrite(arena + out_offset[l], 1, out_bytes[l], out) != out_bytes[l]) {
        std::fclose(out);
        return fail(kExitIo, "short write to ", outputs_path);
      }
    }
    std::memcpy(last_output, arena + out_offset[last], out_bytes[last]);

    // One whole inference with no hooks and no copies: the total an application pays, and
    // the stack it needs (painted here, after the host I/O above, which is the runner's
    // business and not the model's).
    std::memcpy(interpreter.input(), sample, input_bytes);
    qb_port_stack_paint();
    const uint32_t c0 = with_cycles ? qb_port_cycles() : 0;
    qb_marker_inference_begin();
    interpreter.invoke();
    qb_marker_inference_end();
    if (with_cycles) cycles[layers] = qb_port_cycles() - c0;
    const size_t used = qb_port_stack_used();
    if (used > stack_bytes) stack_bytes = used;
    if (std::memcmp(arena + out_offset[last], last_output, out_bytes[last]) != 0) {
      std::fclose(out);
      return fail(kExitMismatch, "a plain inference and the layer-by-layer run disagree");
    }
    if (with_cycles && std::fwrite(cycles, sizeof(uint32_t), layers + 1, cycles_out) != layers + 1) {
      return fail(kExitIo, "short write to ", kCyclesPath);
    }
  }
  std::fclose(inputs);
  if (std::fclose(out) != 0) return fail(kExitIo, "cannot finish ", outputs_path);
  if (with_cycles && std::fclose(cycles_out) != 0) return fail(kExitIo, "cannot finish ", kCyclesPath);

  std::FILE* result = std::fopen(result_path, "w");
  if (result == nullptr) return fail(kExitIo, "cannot create ", result_path);
  std::fprintf(result, "qb-runner 1\nlayers %lu\nsamples %ld\nrecord_bytes %lu\nstack_bytes %lu\ncycles %d\n",
               static_cast<unsigned long>(layers), samples, static_cast<unsigned long>(record_bytes),
               static_cast<unsigned long>(stack_bytes), with_cycles ? 1 : 0);
  if (std::fclose(result) != 0) return fail(kExitIo, "cannot finish ", result_path);
  return 0;
}
