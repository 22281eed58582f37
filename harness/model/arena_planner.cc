#include "harness/model/arena_planner.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace qb::harness {
namespace {

using runtime::qbm::kAlignment;
using runtime::qbm::kNone;

uint64_t align_up(uint64_t value) { return (value + kAlignment - 1) / kAlignment * kAlignment; }

// Something that needs arena bytes during [first, last] (layer indices; the model input
// is live from -1, before the first layer, and the model output until layer_count).
struct Block {
  uint64_t size = 0;
  int64_t first = std::numeric_limits<int64_t>::max();
  int64_t last = std::numeric_limits<int64_t>::min();
  bool is_scratch = false;
  uint32_t index = 0;  // tensor or layer
  uint64_t offset = 0;

  bool live() const { return first <= last; }
  void touch(int64_t time) {
    first = std::min(first, time);
    last = std::max(last, time);
  }
};

bool lifetimes_overlap(const Block& a, const Block& b) {
  return a.live() && b.live() && a.first <= b.last && b.first <= a.last;
}

}  // namespace

ArenaPlan plan_arena(const ModelSpec& model) {
  const size_t tensor_count = model.tensors.size();
  const int64_t layer_count = static_cast<int64_t>(model.layers.size());
  auto check_index = [&](uint32_t t, const std::string& what) {
    if (t >= tensor_count) {
      throw std::invalid_argument("plan_arena: " + what + " is tensor " + std::to_string(t) +
                                  ", but the model has " + std::to_string(tensor_count) +
                                  " tensors");
    }
  };

  std::vector<Block> blocks(tensor_count);
  for (size_t t = 0; t < tensor_count; ++t) {
    const int64_t elements = model.tensors[t].elements();
    if (elements < 1 || elements > std::numeric_limits<uint32_t>::max()) {
      throw std::invalid_argument("plan_arena: tensor " + std::to_string(t) +
                                  " has an invalid element count " + std::to_string(elements));
    }
    blocks[t].size = static_cast<uint64_t>(elements);
    blocks[t].index = static_cast<uint32_t>(t);
  }
  check_index(model.input, "the model input");
  check_index(model.output, "the model output");
  // A reshape's output is its input's bytes under another shape: both tensors take one
  // block (the root's), so the reshape moves nothing. Layers run in order, so a chain of
  // reshapes resolves to its first input.
  std::vector<uint32_t> root(tensor_count);
  for (size_t t = 0; t < tensor_count; ++t) root[t] = static_cast<uint32_t>(t);
  for (int64_t i = 0; i < layer_count; ++i) {
    const LayerSpec& layer = model.layers[static_cast<size_t>(i)];
    const std::string name = "layer " + std::to_string(i);
    check_index(layer.input0, name + " input0");
    check_index(layer.output, name + " output");
    if (layer.input1 != kNone) check_index(layer.input1, name + " input1");
    if (layer.op == runtime::qbm::Op::kReshape && layer.output != model.input &&
        blocks[layer.output].size == blocks[layer.input0].size) {
      root[layer.output] = root[layer.input0];
    }
  }
  blocks[root[model.input]].touch(-1);
  blocks[root[model.output]].touch(layer_count);
  for (int64_t i = 0; i < layer_count; ++i) {
    const LayerSpec& layer = model.layers[static_cast<size_t>(i)];
    blocks[root[layer.input0]].touch(i);
    if (layer.input1 != kNone) blocks[root[layer.input1]].touch(i);
    // Written here even if nobody reads it afterwards.
    blocks[root[layer.output]].touch(i);
    if (layer.scratch_bytes > 0) {
      Block scratch;
      scratch.size = layer.scratch_bytes;
      scratch.is_scratch = true;
      scratch.index = static_cast<uint32_t>(i);
      scratch.touch(i);
      blocks.push_back(scratch);
    }
  }

  // Largest first; ties broken so the plan does not depend on the sort's whims.
  std::vector<size_t> order(blocks.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Block& x = blocks[a];
    const Block& y = blocks[b];
    if (x.size != y.size) return x.size > y.size;
    return x.first < y.first;
  });

  ArenaPlan plan;
  plan.tensor_offsets.assign(tensor_count, 0);
  plan.scratch_offsets.assign(model.layers.size(), 0);
  uint64_t peak = 0;
  std::vector<size_t> placed;
  std::vector<std::pair<uint64_t, uint64_t>> busy;  // [begin, end) of conflicting blocks
  for (size_t b : order) {
    Block& block = blocks[b];
    if (!block.is_scratch && root[block.index] != block.index) {
      plan.unplanned_bytes += block.size;  // placed with its root, below
      continue;
    }
    busy.clear();
    for (size_t other : placed) {
      if (lifetimes_overlap(block, blocks[other])) {
        busy.emplace_back(blocks[other].offset, blocks[other].offset + blocks[other].size);
      }
    }
    std::sort(busy.begin(), busy.end());
    // First fit: the lowest aligned offset whose [offset, offset + size) is free.
    uint64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + block.size <= begin) break;
      offset = std::max(offset, align_up(end));
    }
    block.offset = offset;
    placed.push_back(b);
    peak = std::max(peak, offset + block.size);
    plan.unplanned_bytes += block.size;
    if (block.is_scratch) {
      plan.scratch_offsets[block.index] = static_cast<uint32_t>(offset);
    } else {
      plan.tensor_offsets[block.index] = static_cast<uint32_t>(offset);
    }
    if (peak > std::numeric_limits<uint32_t>::max()) {
      throw std::invalid_argument("plan_arena: the arena exceeds 4 GiB");
    }
  }
  for (size_t t = 0; t < tensor_count; ++t) plan.tensor_offsets[t] = plan.tensor_offsets[root[t]];
  plan.arena_bytes = static_cast<uint32_t>(peak);
  return plan;
}

}  // namespace qb::harness
