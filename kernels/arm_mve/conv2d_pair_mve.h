// Two columns against every group of four filter rows: im2col columns for conv2d
// (conv2d_mve.cc), pixels' channel vectors for the pointwise and dense product
// (mve_matmul.h).
//
// Why: VMLADAV sums into a core register, so one column against four rows (the C loop)
// loads the column and the four rows, 5 loads and 4 VMLADAV (+ the loop's LE) per 64 MACs.
// Two columns share the row loads: 2 + 4 loads and 8 VMLADAV per 128 MACs, but that takes
// eight accumulators, all even-numbered registers (VMLADAV's rule), which with the five
// pointers and a counter is every core register; GCC spills inside the loop, so it is
// assembly. The two columns are interleaved chunk by chunk (A0 B0 A1 B1 ...) so that one
// pointer reaches both.
//
// The assembly walks all the groups of a pair in one call and leaves their sums in a
// buffer, requantized afterwards four channels at a time: a call per group cost about as
// many instructions in set-up, stores and reloads as a 64-deep group's dot products.
#pragma once

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include <algorithm>
#include <cstdint>

#include "kernels/arm_mve/mve_requant.h"

namespace qb::kernels::mve {

// The interleaved pair lives on the caller's stack: at most this many chunks per column
// (1.25 KiB; 640 values, 3x3 over 64 channels and more). Longer columns go one at a time.
inline constexpr int32_t kMaxPairChunks = 40;
// The pair buffer's size: one chunk more than the columns, which the assembly's look-ahead
// load reads (and ignores) after the last chunk.
inline constexpr int32_t kPairBytes = (kMaxPairChunks + 1) * 32;

// Groups of four rows per assembly call: the sums buffer on the stack holds 8 per group
// (512 bytes, 64 channels; stack is scarce on these parts). More channels take more
// calls, each about fifteen instructions.
inline constexpr int32_t kMaxPairGroups = 16;

// The assembly's state; field order up to sums_end is what its LDM and offsets expect.
struct PairGroupsJob {
  const int8_t* pair;   // two columns, chunk-interleaved
  const int8_t* rows;   // the next group's first row; rows are row_len bytes apart
  int32_t row_len;
  int32_t more_chunks;  // passes of the two-chunk loop after the first chunk (and the odd one)
  int32_t tail_back;    // 0, or: a last (tail) chunk, its row loads this far back
  int32_t* sums;        // out, per group: column A's four dot products, then column B's
  int32_t* sums_end;    // sums after the last group (at least one group)
  void (*run)(PairGroupsJob*);  // the entry below that fits the depth; not read by it
};

// One entry per depth shape: an even or odd number of whole chunks after the first, and
// no tail chunk (tail_back == 0) or one.
extern "C" void qb_mve_dot_pair_groups(PairGroupsJob* job);
extern "C" void qb_mve_dot_pair_groups_odd(PairGroupsJob* job);
extern "C" void qb_mve_dot_pair_groups_tail(PairGroupsJob* job);
extern "C" void qb_mve_dot_pair_groups_odd_tail(PairGroupsJob* job);

// The job's fields that stay for a whole layer: the pair buffer, the row geometry
// (full_chunks >= 1 whole chunks, then a tail chunk whose row loads step tail_back bytes
// back, 0: none) and the entry for it. Built once outside the pixel loop, so each call
// sets only three fields.
inline PairGroupsJob pair_groups_job(const int8_t* pair, int32_t row_len, int32_t full_chunks,
                                     int32_t tail_back) {
  const int32_t more = full_chunks - 1;
  const bool odd = (more & 1) != 0;
  void (*run)(PairGroupsJob*) =
      tail_back != 0 ? (odd ? qb_mve_dot_pair_groups_odd_tail : qb_mve_dot_pair_groups_tail)
                     : (odd ? qb_mve_dot_pair_groups_odd : qb_mve_dot_pair_groups);
  return {pair, nullptr, row_len, more / 2, tail_back, nullptr, nullptr, run};
}

// out_a[c] and out_b[c] for every c < 4 * groups: the pair's dot products with the filter
// rows at rows, plus bias[c], requantized with channel c's multiplier and shift
// (kPerChannel) or the first ones.
template <bool kLeft, bool kPerChannel>
inline void pair_channel_groups(PairGroupsJob* job, const int8_t* rows, int32_t groups,
                                const int32_t* bias, const int32_t* multiplier,
                                const int32_t* shift, const OutputStage& o, int8_t* out_a,
                                int8_t* out_b) {
  alignas(16) int32_t sums[kMaxPairGroups * 8];
  LaneRequant q = broadcast_requant(multiplier[0], shift[0]);
  int32_t oc = 0;
  do {
    const int32_t batch = std::min(groups, kMaxPairGroups);
    groups -= batch;
    job->rows = rows + oc * job->row_len;
    job->sums = sums;
    job->sums_end = sums + 8 * batch;
    job->run(job);
    const int32_t* s = sums;
    for (int32_t g = 0; g < batch; ++g, oc += 4, s += 8) {
      if (kPerChannel) q = channel_requant<kLeft>(multiplier + oc, shift + oc);
      const int32x4_t b = vldrwq_s32(bias + oc);
      vstrbq_s32(out_a + oc, finish(requantize<kLeft>(vaddq_s32(vldrwq_s32(s), b), q), o));
      vstrbq_s32(out_b + oc, finish(requantize<kLeft>(vaddq_s32(vldrwq_s32(s + 4), b), q), o));
    }
  } while (groups > 0);
}

}  // namespace qb::kernels::mve

#endif
