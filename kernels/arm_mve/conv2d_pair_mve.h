// Two columns against every group of four filter rows: im2col columns for conv2d
// (conv2d_mve.cc), pixels' channel vectors for the pointwise and dense product
// (mve_matmul.h).
//
// Why: VMLADAV sums into a core register, so one column against four rows (the C loop)
// loads the column and the four rows, 5 loads and 4 VMLADAV (+ the loop's LE) per 64 MACs.
// Two columns share the row loads: 2 + 4 loads and 8 VMLADAV per 128 MACs, but that takes
// eight accumulators, all even-numbered registers (VMLADAV's rule), which with the five
// pointers and the job's address is every core register; GCC spills inside the loop, so it is
// assembly. The two columns are interleaved chunk by chunk (A0 B0 A1 B1 ...) so that one
// pointer reaches both.
//
// The assembly walks all the groups of a pair in one call and leaves their sums in a
// buffer, requantized afterwards four channels at a time: a call per group cost about as
// many instructions in set-up, stores and reloads as a 64-deep group's dot products.
// Within a group there is no chunk counter (no register is left for one): the chunks
// after the first are one unrolled run, entered as many chunks before its end as the
// depth needs, and a second computed branch after it takes the tail chunk or not; both
// addresses are set once per layer (pair_groups_job).
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

// The assembly's state; the field order is what its LDM and offsets expect.
struct PairGroupsJob {
  const int8_t* pair;   // two columns, chunk-interleaved
  int32_t row_len;      // bytes from one row to the next
  const void* chunks;   // where the chunks after the first start (see pair_groups_job)
  const void* after;    // the tail chunk, or the group's end
  int32_t tail_back;    // 0, or: a last (tail) chunk, its row loads this far back
  int32_t* sums;        // out, per group: column A's four dot products, then column B's
  int32_t* sums_end;    // sums after the last group (at least one group)
  const int8_t* rows;   // the first group's first row
};

extern "C" void qb_mve_dot_pair_groups(PairGroupsJob* job);
// Labels inside it, as code addresses: the end of the unrolled run of chunks (one chunk
// is kPairChunkBytes of code), the tail chunk and the group's end.
extern "C" void qb_mve_pair_chunks_end();
extern "C" void qb_mve_pair_tail();
extern "C" void qb_mve_pair_group_end();
inline constexpr int32_t kPairChunkBytes = 14 * 4;  // fourteen 32-bit MVE instructions

// One output row's interior pairs of 3x3 windows over 16 channels (three 16-byte chunks a
// kernel row), pair by pair: both windows copied into the pair, the two-column core over
// every group (up to kMaxPairGroups), then the groups' sums requantized and stored as
// store_groups_asm does (per-channel parameters, right shifts, neighbouring outputs).
// As one assembly loop, qb_mve_pair_row_3x3 (_ties: with the tie step): in C its
// pointers and parameters lived on the stack around the core's call, about 30
// instructions a pair more. The field order is what its LDM and offsets expect.
struct alignas(16) PairRowJob {
  int32_t* sums;               // the core's sums buffer (8 per group)
  const int32_t* bias;         // per channel, then multipliers and shifts
  const int32_t* multiplier;
  const int32_t* shift;
  PairGroupsJob* groups_job;   // its rows and sums_end set; sums set here per pair
  int8_t* pair;                // the job's pair buffer (16-byte aligned)
  int32_t groups;              // output channels / 4
  int32_t offset;              // the stage's output offset
  const int8_t* first;         // the row's first window (its top-left tap)
  int32_t first_step;          // bytes from a window to the next
  int8_t* out;                 // the row's first output pixel
  int32_t in_row;              // bytes from a kernel row to the next
  int32_t pairs;               // >= 1
  alignas(16) int16x8_t lo;    // the stage's bounds
  alignas(16) int16x8_t hi;
  alignas(16) uint16x8_t offsets;  // the pair's scatter offsets
};
extern "C" void qb_mve_pair_row_3x3(PairRowJob* job);
extern "C" void qb_mve_pair_row_3x3_ties(PairRowJob* job);

// The job's fields that stay for a whole layer: the pair buffer, the row geometry
// (full_chunks >= 1 whole chunks, then a tail chunk whose row loads step tail_back bytes
// back, 0: none) and the two branch targets for it. Built once outside the pixel loop,
// so each call sets only three fields.
inline PairGroupsJob pair_groups_job(const int8_t* pair, int32_t row_len, int32_t full_chunks,
                                     int32_t tail_back) {
  const uintptr_t end = reinterpret_cast<uintptr_t>(&qb_mve_pair_chunks_end);
  const void* chunks = reinterpret_cast<const void*>(end - (full_chunks - 1) * kPairChunkBytes);
  const void* after = reinterpret_cast<const void*>(
      tail_back != 0 ? &qb_mve_pair_tail : &qb_mve_pair_group_end);
  return {pair, row_len, chunks, after, tail_back, nullptr, nullptr, nullptr};
}

namespace pair_detail {

// The tie step of requantize() on the accumulator in register A, with T as scratch and
// the VRSHL counts in q3.
#define QB_MVE_TIE_STEP(A, T)            \
  "vand " T ", " A ", q3\n\t"           \
  "vshr.s32 " T ", " T ", #31\n\t"     \
  "vqadd.s32 " A ", " A ", " T "\n\t"

// The common case, per-channel parameters and right shifts only, as assembly: GCC 12
// keeps the stage's vectors in memory (an int8 store may alias them) and reloads them,
// and copies a register before each narrowing, 24-28 instructions a group against these
// 19 (25 with the tie step). Loads are spread among the arithmetic so that the
// load/store pipe's beats overlap the others'. The _IN form names its registers (sums,
// bias, multipliers, shifts and output pointers, the group count, the output offset, the
// stage's two bounds and the scatter offsets), for assembly outside an asm statement;
// it uses q0-q4 and lr.
#define QB_MVE_STORE_GROUPS_IN(TIE_A, TIE_B, S, BIAS, MULT, SHIFT, OUT, N, OFFSET, LO, HI, \
                               OFFSETS)                                                  \
  "dls lr, " N "\n"                                                                       \
  "1:\n\t"                                                                              \
  "vldrw.u32 q1, [" S "], #16\n\t"                                                       \
  "vldrw.u32 q0, [" BIAS "], #16\n\t"                                                    \
  "vldrw.u32 q2, [" MULT "], #16\n\t"                                                    \
  "vadd.i32 q1, q1, q0\n\t"                                                             \
  "vldrw.u32 q4, [" S "], #16\n\t"                                                       \
  "vqrdmulh.s32 q1, q1, q2\n\t"                                                         \
  "vldrw.u32 q3, [" SHIFT "], #16\n\t"                                                   \
  "vadd.i32 q4, q4, q0\n\t"                                                             \
  "vqrdmulh.s32 q4, q4, q2\n\t"                                                         \
  TIE_A                                                                                 \
  "vrshl.s32 q1, q1, q3\n\t"                                                            \
  TIE_B                                                                                 \
  "vrshl.s32 q4, q4, q3\n\t"                                                            \
  "vqmovnb.s32 q0, q1\n\t"                                                              \
  "vqmovnt.s32 q0, q4\n\t"                                                              \
  "vqadd.s16 q0, q0, " OFFSET "\n\t"                                                     \
  "vmax.s16 q0, q0, " LO "\n\t"                                                          \
  "vmin.s16 q0, q0, " HI "\n\t"                                                          \
  "vstrb.16 q0, [" OUT ", " OFFSETS "]\n\t"                                               \
  "adds " OUT ", #4\n\t"                                                                 \
  "le lr, 1b\n\t"
#define QB_MVE_STORE_GROUPS(TIE_A, TIE_B)                                                \
  QB_MVE_STORE_GROUPS_IN(TIE_A, TIE_B, "%[s]", "%[bias]", "%[mult]", "%[shift]", "%[out]", \
                         "%[n]", "%[offset]", "%q[lo]", "%q[hi]", "%q[offsets]")

template <bool kTies>
inline void store_groups_asm(const int32_t* s, const int32_t* bias, const int32_t* multiplier,
                             const int32_t* shift, int32_t batch, const NarrowStage& o,
                             uint16x8_t offsets, int8_t* out) {
  const int16x8_t lo = o.lo, hi = o.hi;
  const int32_t offset = o.offset;
#define QB_MVE_STORE_GROUPS_OPERANDS                                                  \
  : [s] "+r"(s), [bias] "+r"(bias), [mult] "+r"(multiplier), [shift] "+r"(shift),     \
    [out] "+r"(out)                                                                   \
  : [n] "r"(batch), [offset] "r"(offset), [lo] "w"(lo), [hi] "w"(hi),                 \
    [offsets] "w"(offsets)                                                            \
  : "q0", "q1", "q2", "q3", "q4", "lr", "memory"
  if constexpr (kTies) {
    __asm__ volatile(QB_MVE_STORE_GROUPS(QB_MVE_TIE_STEP("q1", "q0"), QB_MVE_TIE_STEP("q4", "q0"))
                         QB_MVE_STORE_GROUPS_OPERANDS);
  } else {
    __asm__ volatile(QB_MVE_STORE_GROUPS("", "") QB_MVE_STORE_GROUPS_OPERANDS);
  }
#undef QB_MVE_STORE_GROUPS_OPERANDS
}

// The sums of `batch` groups (column A's four, then column B's, per group) for channels
// from oc on, requantized and stored: one narrowing pair and one scatter store of eight
// bytes per group, at `offsets` from out_a (A's lanes even, B's odd; see pair_offsets).

template <bool kLeft, bool kTies, bool kPerChannel>
inline void store_groups(const int32_t* s, int32_t oc, int32_t batch, const int32_t* bias,
                         const int32_t* multiplier, const int32_t* shift, LaneRequant q,
                         const NarrowStage& o, uint16x8_t offsets, int8_t* out_a) {
  if constexpr (kPerChannel && !kLeft) {
    store_groups_asm<kTies>(s, bias + oc, multiplier + oc, shift + oc, batch, o, offsets,
                            out_a + oc);
    return;
  }
  for (int32_t g = 0; g < batch; ++g, oc += 4, s += 8) {
    if (kPerChannel) q = channel_requant<kLeft>(multiplier + oc, shift + oc);
    const int32x4_t b = vldrwq_s32(bias + oc);
    const int32x4_t a_out = requantize<kLeft, kTies>(vaddq_s32(vldrwq_s32(s), b), q);
    const int32x4_t b_out = requantize<kLeft, kTies>(vaddq_s32(vldrwq_s32(s + 4), b), q);
    vstrbq_scatter_offset_s16(out_a + oc, offsets, finish_pair(a_out, b_out, o));
  }
}

// The same for outputs further apart than the scatter's 16-bit offsets reach (columns
// from the edges of a large image): two four-byte stores per group.
template <bool kLeft, bool kPerChannel>
inline void store_groups_apart(const int32_t* s, int32_t oc, int32_t batch, const int32_t* bias,
                               const int32_t* multiplier, const int32_t* shift, LaneRequant q,
                               const OutputStage& o, int8_t* out_a, int8_t* out_b) {
  for (int32_t g = 0; g < batch; ++g, oc += 4, s += 8) {
    if (kPerChannel) q = channel_requant<kLeft>(multiplier + oc, shift + oc);
    const int32x4_t b = vldrwq_s32(bias + oc);
    vstrbq_s32(out_a + oc, finish(requantize<kLeft>(vaddq_s32(vldrwq_s32(s), b), q), o));
    vstrbq_s32(out_b + oc, finish(requantize<kLeft>(vaddq_s32(vldrwq_s32(s + 4), b), q), o));
  }
}

// The largest out_b - out_a the scatter reaches: lane 7's offset, d + 3, is 16-bit.
inline constexpr int32_t kMaxScatterApart = 65535 - 3;

// Byte offsets 0, d, 1, d + 1, 2, d + 2, 3, d + 3: lane 2i at out_a + i, lane 2i + 1 at
// out_b + i, for out_b = out_a + d.
// Arithmetic, not a predicated add: GCC 12 miscompiles a constant predicate for 16-bit
// lanes (0xCCCC became 0xFFFC).
inline uint16x8_t pair_offsets(uint16_t d) {
  const uint16x8_t lane = vidupq_n_u16(0, 1);
  const uint16x8_t odd = vandq_u16(lane, vdupq_n_u16(1));
  return vmlaq_n_u16(vshrq_n_u16(lane, 1), odd, d);
}

}  // namespace pair_detail

// The output side of a layer's pair products, set up once per layer: the per-channel
// parameters, the stage (both widths), whether ties matter, and the scatter offsets for
// outputs `apart` bytes apart (a pair of neighbouring pixels: out_c).
struct PairStores {
  const int32_t* bias;
  const int32_t* multiplier;
  const int32_t* shift;
  LaneRequant q;  // the first channel's, for every channel unless kPerChannel
  OutputStage out;
  NarrowStage narrow;
  bool ties;
  int32_t apart;  // -1: too far for the scatter, every pair takes two stores a group
  uint16x8_t offsets;
};

inline PairStores pair_stores(const int32_t* bias, const int32_t* multiplier,
                              const int32_t* shift, const OutputStage& o, int32_t apart) {
  const bool reach = apart > 0 && apart <= pair_detail::kMaxScatterApart;
  return {bias,
          multiplier,
          shift,
          broadcast_requant(multiplier[0], shift[0]),
          o,
          narrow_stage(o),
          ties_visible(o),
          reach ? apart : -1,
          pair_detail::pair_offsets(static_cast<uint16_t>(reach ? apart : 0))};
}

// pair_channel_groups' common case, for callers that hoist the stage out of their pair
// loop: per-channel parameters, right shifts only, out_b = out_a + the scatter's distance
// (st.apart), so every group takes the pair stores' assembly loop (kTies: with the tie
// step); up to kMaxPairGroups groups (64 channels, every layer of the suites) need no
// batch loop. The general function's other cases and its batch state cost about 40
// instructions a pair more around the same two calls.
template <bool kTies>
inline void near_pair_groups(PairGroupsJob* job, const int8_t* rows, int32_t groups,
                             const int32_t* bias, const int32_t* multiplier, const int32_t* shift,
                             const NarrowStage& narrow, uint16x8_t offsets, int32_t* sums,
                             int8_t* out_a) {
  if (groups <= kMaxPairGroups) {
    job->rows = rows;
    job->sums = sums;
    job->sums_end = sums + 8 * groups;
    qb_mve_dot_pair_groups(job);
    pair_detail::store_groups_asm<kTies>(sums, bias, multiplier, shift, groups, narrow, offsets,
                                         out_a);
    return;
  }
  for (int32_t oc = 0; groups > 0;) {
    const int32_t batch = groups < kMaxPairGroups ? groups : kMaxPairGroups;
    groups -= batch;
    job->rows = rows + oc * job->row_len;
    job->sums = sums;
    job->sums_end = sums + 8 * batch;
    qb_mve_dot_pair_groups(job);
    pair_detail::store_groups_asm<kTies>(sums, bias + oc, multiplier + oc, shift + oc, batch,
                                         narrow, offsets, out_a + oc);
    oc += 4 * batch;
  }
}

// out_a[c] and out_b[c] for every c < 4 * groups: the pair's dot products with the filter
// rows at rows, plus bias[c], requantized with channel c's multiplier and shift
// (kPerChannel) or the first ones.
template <bool kLeft, bool kPerChannel>
inline void pair_channel_groups(PairGroupsJob* job, const int8_t* rows, int32_t groups,
                                const PairStores& st, int8_t* out_a, int8_t* out_b) {
  alignas(16) int32_t sums[kMaxPairGroups * 8];
  const bool scatter = out_b - out_a == st.apart;
  int32_t oc = 0;
  do {
    const int32_t batch = std::min(groups, kMaxPairGroups);
    groups -= batch;
    job->rows = rows + oc * job->row_len;
    job->sums = sums;
    job->sums_end = sums + 8 * batch;
    qb_mve_dot_pair_groups(job);
    if (!scatter) {
      pair_detail::store_groups_apart<kLeft, kPerChannel>(sums, oc, batch, st.bias,
                                                          st.multiplier, st.shift, st.q,
                                                          st.out, out_a, out_b);
    } else if (st.ties) {
      pair_detail::store_groups<kLeft, true, kPerChannel>(sums, oc, batch, st.bias,
                                                          st.multiplier, st.shift, st.q,
                                                          st.narrow, st.offsets, out_a);
    } else {
      pair_detail::store_groups<kLeft, false, kPerChannel>(sums, oc, batch, st.bias,
                                                           st.multiplier, st.shift, st.q,
                                                           st.narrow, st.offsets, out_a);
    }
    oc += 4 * batch;
  } while (groups > 0);
}

}  // namespace qb::kernels::mve

#endif
