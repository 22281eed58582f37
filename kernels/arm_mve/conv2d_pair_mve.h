// Two columns against four filter rows at once: im2col columns for conv2d
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
#pragma once

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <cstdint>

namespace qb::kernels::mve {

// The interleaved pair lives on the caller's stack: at most this many chunks per column
// (1.25 KiB; 640 values, 3x3 over 64 channels and more). Longer columns go one at a time.
inline constexpr int32_t kMaxPairChunks = 40;

// Field order is the order of the registers the assembly's LDM fills (r1, r3, r5, r7, r9,
// r11).
struct PairJob {
  const int8_t* pair;   // two columns, chunk-interleaved
  const int8_t* row0;   // the four filter rows
  const int8_t* row1;
  int32_t more_chunks;  // whole chunks after the first (the first is at least one)
  const int8_t* row2;
  const int8_t* row3;
  int32_t tail_back;    // 0, or: a last (tail) chunk, its row loads this far back
  int32_t sums[8];      // out: column A's four dot products, then column B's
};

extern "C" void qb_mve_dot_pair(PairJob* job);

// The pair against the four filter rows at rows (row_len bytes apart): full_chunks >= 1
// whole chunks, then a tail chunk whose row loads step tail_back bytes back (0: none).
// The eight sums land in job->sums.
inline void dot_pair(PairJob* job, const int8_t* pair, const int8_t* rows, int32_t row_len,
                     int32_t full_chunks, int32_t tail_back) {
  job->pair = pair;
  job->row0 = rows;
  job->row1 = rows + row_len;
  job->more_chunks = full_chunks - 1;
  job->row2 = rows + 2 * row_len;
  job->row3 = rows + 3 * row_len;
  job->tail_back = tail_back;
  qb_mve_dot_pair(job);
}

}  // namespace qb::kernels::mve

#endif
