// Executes a loaded model's layers in order inside a caller-provided arena, calling
// optional hooks around every layer (per-layer timing, instruction-count markers,
// capture of layer outputs for error metrics).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/runtime/model.h"
#include "kernels/variant/kernel_set.h"

namespace qb::runtime {

struct LayerHooks {
  void* context = nullptr;
  void (*before)(void* context, uint32_t layer) = nullptr;
  // output points at the layer's output tensor in the arena, valid until the next layer runs.
  void (*after)(void* context, uint32_t layer, const int8_t* output, uint32_t bytes) = nullptr;
};

class Interpreter {
 public:
  // arena must be 16-byte aligned and at least model.arena_size() bytes. kernels: the
  // variant to run; null means the one this build selects (kernels::selected_kernels).
  Status init(const Model* model, uint8_t* arena, size_t arena_size,
              const kernels::KernelSet* kernels = nullptr);

  int8_t* input() const;   // write the model input here before invoke()
  const int8_t* output() const;
  uint32_t input_bytes() const;
  uint32_t output_bytes() const;

  void invoke(const LayerHooks* hooks = nullptr) const;
  void run_layer(uint32_t index) const;

 private:
  const Model* model_ = nullptr;
  uint8_t* arena_ = nullptr;
  const kernels::KernelSet* kernels_ = nullptr;
};

}  // namespace qb::runtime
