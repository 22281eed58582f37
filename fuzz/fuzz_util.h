// Shared by the fuzz targets: exact-size heap buffers (so that AddressSanitizer sees the
// first byte past the end), a deterministic input from the fuzz data, running a loaded
// .qbm with every kernel set this machine has and comparing them, and a file that holds
// the fuzz data for the readers that take a path.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/runtime/interpreter.h"
#include "kernels/runtime/model.h"
#include "kernels/variant/kernel_set.h"

namespace qb::fuzz {

// A heap block of exactly `size` bytes, 16-byte aligned (the runtime needs that for the
// model and the arena). posix_memalign, not aligned_alloc: the latter wants a size that
// is a multiple of the alignment, which would hide overruns of up to 15 bytes.
class ExactBuffer {
 public:
  explicit ExactBuffer(size_t size) : size_(size) {
    void* p = nullptr;
    if (posix_memalign(&p, 16, size) != 0) p = nullptr;
    bytes_ = static_cast<uint8_t*>(p);
  }
  ~ExactBuffer() { std::free(bytes_); }
  ExactBuffer(const ExactBuffer&) = delete;
  ExactBuffer& operator=(const ExactBuffer&) = delete;
  uint8_t* data() const { return bytes_; }
  size_t size() const { return size_; }

 private:
  uint8_t* bytes_ = nullptr;
  size_t size_ = 0;
};

inline uint64_t fnv1a64(const uint8_t* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

// SplitMix64: the model input, from a hash of the fuzz data.
inline uint64_t next_random(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "qb-fuzz: BUG: %s\n", what);
  std::fflush(stderr);
  std::abort();
}

// A rough count of the element operations one inference of a loaded model costs, so that
// a driver can skip files that are valid but too slow to run thousands of times a second
// (a driver limit, not a finding).
inline uint64_t estimated_work(const runtime::Model& model) {
  using runtime::qbm::Op;
  uint64_t work = 0;
  for (uint32_t i = 0; i < model.layer_count(); ++i) {
    const runtime::LayerInfo l = model.layer(i);
    const runtime::TensorInfo out = model.tensor(l.output);
    const runtime::TensorInfo in = model.tensor(l.input0);
    const uint64_t out_elems = static_cast<uint64_t>(out.shape.elements());
    const uint64_t in_elems = static_cast<uint64_t>(in.shape.elements());
    uint64_t taps = 1;
    switch (l.op) {
      case Op::kConv2d:
      case Op::kPointwiseConv2d:
      case Op::kDense:
      case Op::kDepthwiseConv2d:  // weights per output channel: the taps of one output
        taps = out.shape.c > 0 ? l.buffers[runtime::qbm::kWeights].size / static_cast<uint32_t>(out.shape.c) : 1;
        break;
      case Op::kMaxPool2d:
      case Op::kAvgPool2d: {
        const int64_t kh = l.params[runtime::qbm::param::kKernelH], kw = l.params[runtime::qbm::param::kKernelW];
        taps = kh > 0 && kw > 0 ? static_cast<uint64_t>(kh * kw) : 1;
        break;
      }
      case Op::kSoftmax:
        taps = static_cast<uint64_t>(out.shape.c > 0 ? out.shape.c : 1);
        break;
      default:
        break;
    }
    work += out_elems * (taps + 1) + in_elems;
  }
  return work;
}

// Runs `model` (loaded) once with each kernel set compiled for this machine on the same
// input, each in its own arena of exactly arena_size() bytes, and aborts if any two sets
// disagree on any byte of any layer's output. Returns false (and runs nothing) when the
// arena is larger than max_arena or the interpreter refuses the model.
inline bool run_and_compare(const runtime::Model& model, uint64_t input_seed, size_t max_arena) {
  const size_t arena_size = model.arena_size();
  if (arena_size > max_arena) return false;
  std::vector<const kernels::KernelSet*> sets = {&kernels::reference_kernels()};
#if defined(__x86_64__)
  // As harness/targets/host_target.cc chooses: AVX2 only where the CPU has it.
  if (kernels::cpu_has_avx2()) sets.push_back(&kernels::avx2_kernels());
#endif
  if (&kernels::selected_kernels() != sets.front()) sets.push_back(&kernels::selected_kernels());

  struct Capture {
    std::vector<std::vector<int8_t>> outputs;
  };
  std::vector<std::vector<int8_t>> first;
  for (size_t s = 0; s < sets.size(); ++s) {
    ExactBuffer arena(arena_size);
    if (arena.data() == nullptr && arena_size != 0) return false;
    // The same bytes before every run: a kernel that reads what nothing wrote still
    // sees the same values under each set.
    if (arena_size != 0) std::memset(arena.data(), 0xA5, arena_size);
    runtime::Interpreter interpreter;
    if (interpreter.init(&model, arena.data(), arena_size, sets[s]) != runtime::Status::kOk) return false;
    uint64_t state = input_seed;
    int8_t* input = interpreter.input();
    for (uint32_t i = 0; i < interpreter.input_bytes(); ++i) {
      input[i] = static_cast<int8_t>(next_random(&state));
    }
    Capture capture;
    capture.outputs.resize(model.layer_count());
    const runtime::LayerHooks hooks{
        &capture, nullptr, [](void* context, uint32_t layer, const int8_t* output, uint32_t bytes) {
          static_cast<Capture*>(context)->outputs[layer].assign(output, output + bytes);
        }};
    interpreter.invoke(&hooks);
    if (s == 0) {
      first = std::move(capture.outputs);
      continue;
    }
    for (uint32_t l = 0; l < model.layer_count(); ++l) {
      if (capture.outputs[l] != first[l]) {
        std::fprintf(stderr, "qb-fuzz: layer %u (op %u): kernel set \"%s\" differs from \"%s\"\n", l,
                     static_cast<unsigned>(model.layer(l).op), sets[s]->name, sets[0]->name);
        fail("kernel sets disagree");
      }
    }
  }
  return true;
}

// An anonymous in-memory file, rewritten for every input; path() names it for readers
// that open a path (/proc/self/fd/N: a regular file to stat, reopenable by ifstream).
class MemFile {
 public:
  explicit MemFile(const char* name) : fd_(memfd_create(name, MFD_CLOEXEC)) {
    if (fd_ < 0) fail("memfd_create failed");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemFile() { close(fd_); }
  void write(const uint8_t* data, size_t size) const {
    if (ftruncate(fd_, 0) != 0) fail("ftruncate failed");
    size_t done = 0;
    while (done < size) {
      const ssize_t n = pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) fail("pwrite failed");
      done += static_cast<size_t>(n);
    }
  }
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
};

}  // namespace qb::fuzz
