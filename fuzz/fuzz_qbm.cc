// Fuzz target "qbm": bytes -> qb::runtime::Model::load -> Interpreter::invoke.
//
// Reaches: the .qbm reader's validation of everything in the file (header, tables, every
// layer's shapes, parameters, buffers, arena ranges and the int32 overflow proofs), and
// for every file it accepts, one inference with the reference kernels and with every
// other kernel set compiled for this machine (AVX2 where the CPU has it, chosen as
// harness/targets/host_target.cc does), each in an arena of exactly arena_size() bytes.
//
// Expected outcome: load() refuses the file with a Status, or the model runs.
// A bug (the process aborts): any sanitizer report (a read or write outside the file or
// the arena, both heap blocks of exactly their size; signed overflow, a bad shift, a
// misaligned access), any crash, or two kernel sets producing different bytes for any
// layer's output on the same input (every variant must be byte-identical to the
// reference). Also >2 GB RSS or >10 s for one input (libFuzzer's -rss_limit_mb/-timeout).
//
// The driver rewrites the header's CRC-32 (bytes 12..15) over the rest of the input
// before loading, as the writer would, so mutations reach the structural checks instead
// of stopping at the checksum. Driver limits, not findings: a file whose arena exceeds
// 64 MiB or whose estimated work exceeds kMaxWork element operations is loaded but not run.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz/fuzz_util.h"
#include "kernels/runtime/crc32.h"
#include "kernels/runtime/model.h"
#include "kernels/runtime/qbm_format.h"

namespace {

constexpr size_t kMaxArena = size_t{64} << 20;
constexpr uint64_t kMaxWork = uint64_t{1} << 26;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qb;
  // The file as the runtime wants it: 16-byte aligned, in a block of exactly its size.
  fuzz::ExactBuffer file(size);
  if (file.data() == nullptr && size != 0) return 0;
  if (size != 0) std::memcpy(file.data(), data, size);
  if (size >= runtime::qbm::kChecksumStart) {
    const uint32_t crc = runtime::crc32(file.data() + runtime::qbm::kChecksumStart,
                                        size - runtime::qbm::kChecksumStart);
    for (int i = 0; i < 4; ++i) {
      file.data()[runtime::qbm::header::kChecksum + i] = static_cast<uint8_t>(crc >> (8 * i));
    }
  }

  runtime::Model model;
  if (model.load(file.data(), size) != runtime::Status::kOk) return 0;
  // Every record decodes; the interpreter relies on what load() proved about them.
  for (uint32_t t = 0; t < model.tensor_count(); ++t) (void)model.tensor(t);
  for (uint32_t l = 0; l < model.layer_count(); ++l) (void)model.layer(l);
  if (fuzz::estimated_work(model) > kMaxWork) return 0;
  fuzz::run_and_compare(model, fuzz::fnv1a64(data, size), kMaxArena);
  return 0;
}
