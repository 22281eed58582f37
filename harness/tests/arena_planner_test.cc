// The arena plan: peak of live bytes rather than their sum, memory reused along a chain,
// a residual skip kept alive, and never two simultaneously live blocks sharing a byte.
#include "harness/model/arena_planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>

namespace qb::harness {
namespace {

namespace qbm = runtime::qbm;

uint32_t tensor(ModelSpec& m, int32_t bytes) {
  TensorSpec t;
  t.dims = {1, 1, 1, bytes};
  m.tensors.push_back(t);
  return static_cast<uint32_t>(m.tensors.size() - 1);
}

void layer(ModelSpec& m, uint32_t in0, uint32_t out, uint32_t in1 = qbm::kNone,
           uint32_t scratch = 0) {
  LayerSpec l;
  l.op = in1 == qbm::kNone ? qbm::Op::kLookupTable : qbm::Op::kAdd;
  l.input0 = in0;
  l.input1 = in1;
  l.output = out;
  l.scratch_bytes = scratch;
  m.layers.push_back(l);
}

bool disjoint(uint32_t a, uint64_t a_size, uint32_t b, uint64_t b_size) {
  return a + a_size <= b || b + b_size <= a;
}

// A chain x -> t1 -> ... -> t{n-1}, every tensor `bytes` large.
ModelSpec chain(int n, int32_t bytes) {
  ModelSpec m;
  for (int i = 0; i < n; ++i) tensor(m, bytes);
  for (int i = 0; i + 1 < n; ++i) layer(m, static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1));
  m.input = 0;
  m.output = static_cast<uint32_t>(n - 1);
  return m;
}

TEST(ArenaPlanner, PeakIsTheLargestLiveSetNotTheSum) {
  const ArenaPlan plan = plan_arena(chain(6, 64));
  EXPECT_EQ(plan.arena_bytes, 128u);  // one layer's input and output
  EXPECT_EQ(plan.unplanned_bytes, 6u * 64u);
}

TEST(ArenaPlanner, ChainReusesMemory) {
  const ArenaPlan plan = plan_arena(chain(3, 64));  // A -> B -> C
  ASSERT_EQ(plan.tensor_offsets.size(), 3u);
  EXPECT_EQ(plan.tensor_offsets[2], plan.tensor_offsets[0]);  // C takes A's place
  EXPECT_NE(plan.tensor_offsets[1], plan.tensor_offsets[0]);
  EXPECT_EQ(plan.arena_bytes, 128u);
}

TEST(ArenaPlanner, ResidualSkipStaysAlive) {
  // A -> B -> C; D = add(C, A): A is read last by the add.
  ModelSpec m;
  const uint32_t a = tensor(m, 64), b = tensor(m, 64), c = tensor(m, 64), d = tensor(m, 64);
  layer(m, a, b);
  layer(m, b, c);
  layer(m, c, d, a);
  m.input = a;
  m.output = d;
  const ArenaPlan plan = plan_arena(m);
  const auto& o = plan.tensor_offsets;
  EXPECT_TRUE(disjoint(o[a], 64, o[b], 64));
  EXPECT_TRUE(disjoint(o[a], 64, o[c], 64));
  EXPECT_TRUE(disjoint(o[a], 64, o[d], 64));
  EXPECT_TRUE(disjoint(o[c], 64, o[d], 64));
  EXPECT_EQ(plan.arena_bytes, 192u);  // A, B and C live together at the second layer
}

TEST(ArenaPlanner, ReshapeSharesItsInputsBytes) {
  // A -> B, C = reshape(B), D = reshape(C), E = add(D, A): B, C and D are one block, live
  // from the first layer to the add.
  ModelSpec m;
  const uint32_t a = tensor(m, 64), b = tensor(m, 64), c = tensor(m, 64), d = tensor(m, 64),
                 e = tensor(m, 64);
  layer(m, a, b);
  layer(m, b, c);
  m.layers.back().op = qbm::Op::kReshape;
  layer(m, c, d);
  m.layers.back().op = qbm::Op::kReshape;
  layer(m, d, e, a);
  m.input = a;
  m.output = e;
  const ArenaPlan plan = plan_arena(m);
  const auto& o = plan.tensor_offsets;
  EXPECT_EQ(o[c], o[b]);
  EXPECT_EQ(o[d], o[b]);
  EXPECT_TRUE(disjoint(o[a], 64, o[b], 64));
  EXPECT_TRUE(disjoint(o[e], 64, o[b], 64));
  EXPECT_TRUE(disjoint(o[e], 64, o[a], 64));
  EXPECT_EQ(plan.arena_bytes, 192u);
  EXPECT_EQ(plan.unplanned_bytes, 5u * 64u);
}

TEST(ArenaPlanner, ScratchLivesOnlyDuringItsLayer) {
  ModelSpec m = chain(4, 64);
  m.layers[1].scratch_bytes = 100;
  const ArenaPlan plan = plan_arena(m);
  ASSERT_EQ(plan.scratch_offsets.size(), 3u);
  EXPECT_EQ(plan.scratch_offsets[0], 0u);
  EXPECT_EQ(plan.scratch_offsets[2], 0u);
  const uint32_t s = plan.scratch_offsets[1];
  EXPECT_EQ(s % 16, 0u);
  EXPECT_TRUE(disjoint(s, 100, plan.tensor_offsets[1], 64));
  EXPECT_TRUE(disjoint(s, 100, plan.tensor_offsets[2], 64));
  EXPECT_EQ(plan.arena_bytes, 100u + 12u + 64u + 64u);  // 100 rounded up to 112
  EXPECT_EQ(plan.unplanned_bytes, 4u * 64u + 100u);
}

TEST(ArenaPlanner, OffsetsAreAligned) {
  const ArenaPlan plan = plan_arena(chain(5, 10));
  for (uint32_t offset : plan.tensor_offsets) EXPECT_EQ(offset % 16, 0u);
  EXPECT_EQ(plan.arena_bytes, 26u);  // 10, padding to 16, 10
}

TEST(ArenaPlanner, DeadOutputIsStillPlacedForItsLayer) {
  // A layer whose output nobody reads still writes it: it must not land on its input.
  ModelSpec m = chain(3, 64);
  const uint32_t dead = tensor(m, 64);
  layer(m, 1, dead);
  const ArenaPlan plan = plan_arena(m);
  EXPECT_TRUE(disjoint(plan.tensor_offsets[dead], 64, plan.tensor_offsets[1], 64));
  EXPECT_TRUE(disjoint(plan.tensor_offsets[dead], 64, plan.tensor_offsets[2], 64));
}

TEST(ArenaPlanner, RejectsBadIndices) {
  ModelSpec m = chain(3, 64);
  m.layers[1].input0 = 7;
  EXPECT_THROW(plan_arena(m), std::invalid_argument);
  m = chain(3, 64);
  m.output = 3;
  EXPECT_THROW(plan_arena(m), std::invalid_argument);
}

// Random DAGs: every layer reads one or two already available tensors and writes a new
// one; lifetimes are recomputed here independently of the planner.
TEST(ArenaPlanner, RandomGraphsNeverOverlapLiveBlocks) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 300; ++trial) {
    ModelSpec m;
    const int layers = std::uniform_int_distribution<int>(1, 24)(rng);
    std::uniform_int_distribution<int32_t> size(1, 400);
    m.input = tensor(m, size(rng));
    std::vector<uint32_t> available{m.input};
    for (int i = 0; i < layers; ++i) {
      std::uniform_int_distribution<size_t> pick(0, available.size() - 1);
      const uint32_t in0 = available[pick(rng)];
      const uint32_t in1 = rng() % 3 == 0 ? available[pick(rng)] : qbm::kNone;
      const uint32_t out = tensor(m, size(rng));
      layer(m, in0, out, in1, rng() % 4 == 0 ? static_cast<uint32_t>(size(rng)) : 0);
      available.push_back(out);
    }
    m.output = available.back();
    const ArenaPlan plan = plan_arena(m);

    struct Live {
      int64_t first, last;
      uint32_t offset;
      uint64_t size;
    };
    std::vector<Live> blocks;
    const int64_t end = static_cast<int64_t>(m.layers.size());
    uint64_t sum = 0;
    for (uint32_t t = 0; t < m.tensors.size(); ++t) {
      int64_t first = t == m.input ? -1 : end + 1, last = t == m.output ? end : -2;
      for (int64_t i = 0; i < end; ++i) {
        const LayerSpec& l = m.layers[static_cast<size_t>(i)];
        if (l.output == t || l.input0 == t || l.input1 == t) {
          first = std::min(first, i);
          last = std::max(last, i);
        }
      }
      const uint64_t bytes = static_cast<uint64_t>(m.tensors[t].elements());
      blocks.push_back({first, last, plan.tensor_offsets[t], bytes});
      sum += bytes;
    }
    for (int64_t i = 0; i < end; ++i) {
      const uint32_t scratch = m.layers[static_cast<size_t>(i)].scratch_bytes;
      if (scratch > 0)
        blocks.push_back({i, i, plan.scratch_offsets[static_cast<size_t>(i)], scratch});
      sum += scratch;
    }
    EXPECT_EQ(plan.unplanned_bytes, sum);

    uint64_t top = 0;
    for (size_t x = 0; x < blocks.size(); ++x) {
      EXPECT_EQ(blocks[x].offset % 16, 0u);
      top = std::max(top, blocks[x].offset + blocks[x].size);
      for (size_t y = x + 1; y < blocks.size(); ++y) {
        const bool together =
            blocks[x].first <= blocks[y].last && blocks[y].first <= blocks[x].last;
        if (together) {
          EXPECT_TRUE(disjoint(blocks[x].offset, blocks[x].size, blocks[y].offset, blocks[y].size))
              << "trial " << trial << ": blocks " << x << " and " << y << " share bytes";
        }
      }
    }
    EXPECT_EQ(plan.arena_bytes, top);
    // Never below the largest live set; never above no planning at all (plus alignment).
    for (int64_t time = -1; time <= end; ++time) {
      uint64_t live = 0;
      for (const Live& b : blocks) live += (b.first <= time && time <= b.last) ? b.size : 0;
      EXPECT_GE(plan.arena_bytes, live);
    }
    EXPECT_LE(plan.arena_bytes, sum + 16 * blocks.size());
  }
}

}  // namespace
}  // namespace qb::harness
