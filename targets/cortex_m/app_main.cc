// The application image: the least a device application built on the runtime needs, and
// nothing of the test harness (no file I/O, no command line, no markers, no stdio). The
// model's constants stay where the device keeps them, in the model region of the code
// memory (flash); the arena comes from RAM at the size the model's plan asks for; one
// inference runs on an all-zero input.
//
// qbench measures this image's flash and RAM as the runtime's share of a deployment
// (harness/targets/deploy_footprint.h); a ctest runs it under QEMU with a real model so the
// figures belong to an image that works. Exit status: 0 after one inference, otherwise
// the step that failed (below).
#include <cstdint>
#include <cstring>

#include "kernels/runtime/interpreter.h"
#include "kernels/runtime/model.h"
#include "kernels/runtime/qbm_format.h"
#include "targets/runner/port.h"

namespace {

enum AppExit : int { kNoModel = 1, kModelRejected = 2, kArenaTooBig = 3, kInitFailed = 4 };

uint32_t header_u32(const uint8_t* model, uint32_t at) {
  return static_cast<uint32_t>(model[at]) | (static_cast<uint32_t>(model[at + 1]) << 8) |
         (static_cast<uint32_t>(model[at + 2]) << 16) | (static_cast<uint32_t>(model[at + 3]) << 24);
}

}  // namespace

int main() {
  const uint8_t* model_bytes = nullptr;
  size_t region = 0;
  if (!qb_port_model_region(&model_bytes, &region) || region < qb::runtime::qbm::kHeaderSize) return kNoModel;
  const uint32_t size = header_u32(model_bytes, qb::runtime::qbm::header::kFileSize);
  if (size > region) return kNoModel;

  qb::runtime::Model model;
  if (model.load(model_bytes, size) != qb::runtime::Status::kOk) return kModelRejected;

  uint8_t* ram = nullptr;
  size_t ram_size = 0;
  qb_port_memory_pool(&ram, &ram_size);
  if (model.arena_size() > ram_size) return kArenaTooBig;
  qb::runtime::Interpreter interpreter;
  if (interpreter.init(&model, ram, model.arena_size()) != qb::runtime::Status::kOk) return kInitFailed;

  std::memset(interpreter.input(), 0, interpreter.input_bytes());
  interpreter.invoke();
  return 0;
}
