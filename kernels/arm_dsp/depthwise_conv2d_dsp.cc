// depthwise_conv2d for the DSP extension: channels in groups of four, input rows staged
// (zero-point padded) into a small window on the stack, then a 3x3 fast path (stride 1 or
// 2) that runs SMLAD on pairs of horizontally adjacent pixels, and a general path for the
// rest.
//
// Why: in NHWC the four channels of a word are four different dot products, so SMLAD,
// which sums its two lanes, cannot take a word as it comes. SXTB16 splits a word into
// channels (0, 2) and (1, 3); for two neighbouring outputs x, x + 1 of one channel, the
// input columns x+1 and x+2 are shared, so one PKHBT/PKHTB builds the pair (col x+1,
// col x+2) that both outputs multiply with a weight pair ((w1, w2) for x, (w0, w1) for
// x + 1), and the two leftover taps are single SMLAxy. The rows are staged already split
// (an even plane of channels 0 and 2, an odd one of 1 and 3), so a kernel row then costs
// 13 instructions for 12 MACs: LDM of four columns, two LDRD of the pre-paired weights,
// two packs, eight MACs (stride 2 pairs columns (0, 1) and (3, 4) instead: 17
// instructions); a row's odd last output runs alone (9 instructions a kernel row), not as
// half of a pair. Staging the input rows first makes the columns contiguous (one LDM),
// splits each column once instead of at every output pair that reads it, and writes
// padded taps as the zero point, so borders run the same code from folded_bias; the
// window slides down the image, staging each input row once per channel group. Other
// geometries (other kernel sizes or horizontal strides, a last group of fewer than four
// channels, a channel outside the fast requantization) take a per-pixel loop over the
// taps with SMLAxy per channel.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstddef>
#include <cstdint>

#include "kernels/arm_dsp/dsp_asm.h"
#include "kernels/arm_dsp/dsp_kernels.h"
#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/arm_dsp/requant_dsp.h"

namespace qb::kernels::dsp {
namespace {

// Stack words for the general path's staged rows (all kernel rows of one column chunk,
// plus two spare words per row).
constexpr int32_t kStageWords = 112;
constexpr int32_t kMaxKernelRows = 16;

// The assembly path stages each row split in two planes (stage_row_split) of this many
// words (two spare, which the paired rows may read past the chunk), a row being both
// planes. Its window is three row slots, kSplitRowWords apart, which the rows entering
// the window take in turn (run_chunk_passes).
constexpr int32_t kSplitPlaneWords = 36;
constexpr int32_t kSplitRowWords = 2 * kSplitPlaneWords;
constexpr int32_t kSplitStageWords = 3 * kSplitRowWords;

struct DwGeometry {
  const int8_t* input;
  int32_t n, in_h, in_w, channels;
  int32_t k_h, k_w, stride_h, stride_w, pad_top, pad_left;
  int32_t out_h, out_w;
  uint32_t zero_point4;  // the input zero point in every byte
};

// The nc (1..4) channel bytes at p as one word (missing channels zero).
inline uint32_t load_group(const int8_t* p, int32_t nc) {
  if (nc == 4) return load_u32(p);
  uint32_t w = 0;
  for (int32_t i = 0; i < nc; ++i) w |= (static_cast<uint32_t>(p[i]) & 0xFFu) << (8 * i);
  return w;
}

// Stages input row iy (of image b) for channels [c0, c0 + nc) and input columns
// [ix_begin, ix_begin + cols) into dst, one word per column, zero point outside.
void stage_row(uint32_t* dst, const DwGeometry& g, int32_t b, int32_t iy, int32_t ix_begin,
               int32_t cols, int32_t c0, int32_t nc) {
  if (iy < 0 || iy >= g.in_h) {
    for (int32_t j = 0; j < cols; ++j) dst[j] = g.zero_point4;
    return;
  }
  int32_t j = 0;
  for (; j < cols && ix_begin + j < 0; ++j) dst[j] = g.zero_point4;
  int32_t end = g.in_w - ix_begin;
  if (end > cols) end = cols;
  const int32_t step = g.channels;
  const int8_t* p = g.input + ((b * g.in_h + iy) * g.in_w + ix_begin + j) * step + c0;
  if (nc == 4) {
    for (; j < end; ++j, p += step) dst[j] = load_u32(p);
  } else {
    for (; j < end; ++j, p += step) dst[j] = load_group(p, nc);
  }
  for (; j < cols; ++j) dst[j] = g.zero_point4;
}

// Full columns of stage_row_split two at a time: per pair two loads, four SXTB16 and one
// STRD per plane (the odd plane's at the fixed offset below); GCC 12 stores words one by
// one and spends 7-9 instructions a column. pairs >= 1; returns dst past them.
#define QB_DW_ODD_PLANE_BYTES "144"
static_assert(kSplitPlaneWords * 4 == 144, "the offset above is the odd plane's");
inline uint32_t* stage_split_pairs(uint32_t* dst, const int8_t* p, int32_t step, int32_t pairs) {
  uint32_t e0, e1, o0, o1;
  __asm__ volatile(
      "1:\n\t"
      "ldr %[e0], [%[p]]\n\t"
      "ldr %[e1], [%[p], %[step]]\n\t"
      "add %[p], %[p], %[step], lsl #1\n\t"
      "sxtb16 %[o0], %[e0], ror #8\n\t"
      "sxtb16 %[o1], %[e1], ror #8\n\t"
      "sxtb16 %[e0], %[e0]\n\t"
      "sxtb16 %[e1], %[e1]\n\t"
      "strd %[o0], %[o1], [%[d], #" QB_DW_ODD_PLANE_BYTES "]\n\t"
      "strd %[e0], %[e1], [%[d]], #8\n\t"
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n\t"
      : [e0] "=&r"(e0), [e1] "=&r"(e1), [o0] "=&r"(o0), [o1] "=&r"(o1), [p] "+r"(p),
        [d] "+r"(dst), [n] "+r"(pairs)
      : [step] "r"(step)
      : "memory", "cc");
  return dst;
}

// What the assembly path's staging of one column chunk shares between its rows: the
// columns [first, first + count) come from the input (the rest are padding, written once
// per chunk by fill_split_padding), the first of them at input + iy * row_bytes in row iy.
struct SplitPlan {
  int32_t first, count;
  const int8_t* input;
  int32_t row_bytes, step;
  uint32_t zero;  // the zero point in both int16 lanes
  int32_t in_h;
};

inline SplitPlan split_plan(const DwGeometry& g, int32_t b, int32_t ix_begin, int32_t cols,
                            int32_t c0) {
  int32_t first = ix_begin < 0 ? -ix_begin : 0;
  if (first > cols) first = cols;
  int32_t end = g.in_w - ix_begin;
  if (end > cols) end = cols;
  if (end < first) end = first;
  return {first,
          end - first,
          g.input + ((b * g.in_h) * g.in_w + ix_begin + first) * g.channels + c0,
          g.in_w * g.channels,
          g.channels,
          static_cast<uint32_t>(sxtb16_even(g.zero_point4)),
          g.in_h};
}

// The padding columns of every row slot (both planes), which no input row
// overwrites: once per chunk geometry of a layer instead of once per staged row.
inline void fill_split_padding(uint32_t* stage, const SplitPlan& s, int32_t cols) {
  for (uint32_t* plane = stage; plane < stage + kSplitStageWords; plane += kSplitPlaneWords) {
    for (int32_t j = 0; j < s.first; ++j) plane[j] = s.zero;
    for (int32_t j = s.first + s.count; j < cols; ++j) plane[j] = s.zero;
  }
}

// Stages input row iy's columns for the assembly path (a full group of four channels) into
// the slot at dst, split as SXTB16 splits them: channels 0 and 2 of each column as int16
// lanes into the even plane, channels 1 and 3 into the odd plane after it; a row outside
// the input reads the zero point. Each column is split once here rather than once per
// output pair that reads it (two pairs at stride 1, for each of three output rows).
void stage_row_split(uint32_t* dst, const SplitPlan& s, int32_t iy) {
  constexpr int32_t kOdd = kSplitPlaneWords;
  auto put = [](uint32_t* d, uint32_t even, uint32_t odd) {
    d[0] = even;
    d[kOdd] = odd;
  };
  dst += s.first;
  if (iy < 0 || iy >= s.in_h) {
    for (uint32_t* const end = dst + s.count; dst < end; ++dst) put(dst, s.zero, s.zero);
    return;
  }
  const int8_t* p = s.input + iy * s.row_bytes;
  if (const int32_t pairs = s.count >> 1; pairs > 0) {
    dst = stage_split_pairs(dst, p, s.step, pairs);
    p += 2 * pairs * s.step;
  }
  if ((s.count & 1) != 0) {
    const uint32_t w = load_u32(p);
    put(dst, static_cast<uint32_t>(sxtb16_even(w)), static_cast<uint32_t>(sxtb16_odd(w)));
  }
}

// ---- The 3x3 output loop, in assembly ---------------------------------------------------
//
// Written in C with the row sequences as inline assembly, GCC 12 keeps the three
// staged-row pointers, the weight pointer, the accumulators and the requantization
// constants in memory around them, about 160 instructions per output pair of a pass; this
// loop takes 62 to 64. Its state is a DwPassJob on the caller's stack, which holds the
// pass's weights too, so one register reaches everything; the three staged rows are one
// pointer, the rows being kSplitRowWords apart (the window's three slots, DwPassJobs). It
// requantizes on the fast path only: a group with a channel outside it takes the general
// path.
struct DwPassJob {
  ChannelQuant q_lo, q_hi;
  int32_t fb[4];            // lo, lo, hi, hi: the accumulators' start, doubled as the weights
  int32_t weights[12];      // per row slot, its kernel row's (w0, w1) lo, (w1, w2) lo,
                            // (w0, w1) hi, (w1, w2) hi
  uint32_t act_min4, act_max4;
  int32_t step;             // bytes between output pixels
  int32_t step_hi;          // step + 2 (channel hi of the next pixel)
  const uint32_t* row;      // row slot 0 at the first output's first column
  int8_t* out;              // the first output at channel lo
  int32_t count;            // outputs, >= 1
};
// The assembly holds the job in r7 at fb, so that one LDM reads the accumulators' start
// and one LDMDB the requantization constants just below; the other fields are at these
// offsets from fb.
#define QB_DW_Q_LO "-24"
#define QB_DW_Q_HI "-12"
#define QB_DW_ACT "64"
#define QB_DW_STEP "72"
#define QB_DW_ROW "80"
static_assert(sizeof(DwPassJob) == 116 && offsetof(DwPassJob, q_lo) == 0 &&
              offsetof(DwPassJob, q_hi) == 12 && offsetof(DwPassJob, fb) == 24 &&
              offsetof(DwPassJob, weights) - 24 == 16 &&
              offsetof(DwPassJob, act_min4) - 24 == 64 && offsetof(DwPassJob, step) - 24 == 72 &&
              offsetof(DwPassJob, row) - 24 == 80 && offsetof(DwPassJob, out) == 108 &&
              offsetof(DwPassJob, count) == 112,
              "the assembly below addresses DwPassJob by these offsets");

// The staged rows' distance in bytes, as the assembly's immediate offsets spell it.
#define QB_DW_ROW_BYTES "288"
static_assert(kSplitRowWords * 4 == 288, "QB_DW_ROW_BYTES is the staged rows' distance");

extern "C" {
void qb_dsp_dw3x3_s1(DwPassJob* job);
void qb_dsp_dw3x3_s2(DwPassJob* job);
void qb_dsp_dw3x3_s1_clamped(DwPassJob* job);
void qb_dsp_dw3x3_s2_clamped(DwPassJob* job);
void qb_dsp_dw3x3_ties_up_s1(DwPassJob* job);
void qb_dsp_dw3x3_ties_up_s2(DwPassJob* job);
void qb_dsp_dw3x3_ties_up_s1_clamped(DwPassJob* job);
void qb_dsp_dw3x3_ties_up_s2_clamped(DwPassJob* job);
}

// Registers: r0-r3 accumulators (x lo, x+1 lo, x hi, x+1 hi), r4 the first staged row at
// column x (the others OFF bytes further), r5 the output, r6 the outputs left, r7 the job,
// r8-r12 / lr columns, packs and weight words. W is the kernel row's weights' offset in
// the job. No MAC reads the accumulator the one before it wrote (Cortex-M33 would wait a
// cycle). A row at OFF 0 loads its columns with one LDM, the others with LDRD (LDM takes
// no offset). A stride-1 row is the sequence described at the top of the file; a
// stride-2 row pairs columns (0, 1) for output x and (3, 4) for x + 1, column 2 being a
// single MAC for both.
#define QB_DW_COLUMNS4(OFF)                            \
  "ldrd r8, r9, [r4, #" OFF "]\n\t"                    \
  "ldrd r10, r11, [r4, #" OFF "+8]\n\t"
#define QB_DW_COLUMNS4_AT_0(OFF) "ldm r4, {r8, r9, r10, r11}\n\t"
#define QB_DW_COLUMNS3(OFF)                            \
  "ldrd r8, r9, [r4, #" OFF "]\n\t"                    \
  "ldr r10, [r4, #" OFF "+8]\n\t"
#define QB_DW_COLUMNS3_AT_0(OFF) "ldm r4, {r8, r9, r10}\n\t"
// The stride-1 loop's first row: the LDM steps r4 by 16, a loop pass's two pairs.
#define QB_DW_COLUMNS4_STEPPING(OFF) "ldm r4!, {r8, r9, r10, r11}\n\t"

#define QB_DW_S1_ROW(LOAD4, LOAD3, OFF, W)       \
  LOAD4(OFF)                                     \
  "pkhbt r12, r9, r10, lsl #16\n\t"              \
  "pkhtb r10, r10, r9, asr #16\n\t"              \
  "ldrd r9, lr, [r7, #" W "]\n\t"                \
  "smlad r0, r12, lr, r0\n\t"                    \
  "smlad r1, r12, r9, r1\n\t"                    \
  "smlabb r0, r8, r9, r0\n\t"                    \
  "smlabt r1, r11, lr, r1\n\t"                   \
  "ldrd r9, lr, [r7, #" W "+8]\n\t"              \
  "smlad r2, r10, lr, r2\n\t"                    \
  "smlad r3, r10, r9, r3\n\t"                    \
  "smlatb r2, r8, r9, r2\n\t"                    \
  "smlatt r3, r11, lr, r3\n\t"

// Columns 0-2 of a staged (split) row, with columns 0 and 1 paired for (w0, w1): lo lanes
// in r11, hi lanes in r9, column 2 in r10. The stride-2 row and the lone output start
// with it.
#define QB_DW_COLUMNS_012(LOAD3, OFF)            \
  LOAD3(OFF)                                     \
  "pkhbt r11, r8, r9, lsl #16\n\t"               \
  "pkhtb r9, r9, r8, asr #16\n\t"

#define QB_DW_S2_ROW(LOAD4, LOAD3, OFF, W)       \
  QB_DW_COLUMNS_012(LOAD3, OFF)                  \
  "ldrd r12, lr, [r7, #" W "]\n\t"               \
  "smlad r0, r11, r12, r0\n\t"                   \
  "smlabb r1, r10, r12, r1\n\t"                  \
  "smlabt r0, r10, lr, r0\n\t"                   \
  "ldrd r12, lr, [r7, #" W "+8]\n\t"             \
  "smlad r2, r9, r12, r2\n\t"                    \
  "smlatb r3, r10, r12, r3\n\t"                  \
  "smlatt r2, r10, lr, r2\n\t"                   \
  "ldrd r8, r9, [r4, #" OFF "+12]\n\t"           \
  "pkhtb r11, r9, r8, asr #16\n\t"               \
  "smlad r3, r11, lr, r3\n\t"                    \
  "ldr lr, [r7, #" W "+4]\n\t"                   \
  "pkhbt r11, r8, r9, lsl #16\n\t"               \
  "smlad r1, r11, lr, r1\n\t"

// A row of one output x alone (a row's odd last output), either stride: columns 0, 1
// paired for (w0, w1), column 2 a single MAC with w2 (the top half of the (w1, w2) words).
#define QB_DW_SINGLE_ROW(LOAD4, LOAD3, OFF, W)   \
  QB_DW_COLUMNS_012(LOAD3, OFF)                  \
  "ldrd r12, lr, [r7, #" W "]\n\t"               \
  "smlad r0, r11, r12, r0\n\t"                   \
  "smlabt r0, r10, lr, r0\n\t"                   \
  "ldrd r12, lr, [r7, #" W "+8]\n\t"             \
  "smlad r2, r9, r12, r2\n\t"                    \
  "smlatt r2, r10, lr, r2\n\t"

// The three kernel rows of an output (pair) through ROW.
#define QB_DW_ROWS(ROW)                                                             \
  ROW(QB_DW_COLUMNS4_AT_0, QB_DW_COLUMNS3_AT_0, "0", "16")                          \
  ROW(QB_DW_COLUMNS4, QB_DW_COLUMNS3, QB_DW_ROW_BYTES, "32")                        \
  ROW(QB_DW_COLUMNS4, QB_DW_COLUMNS3, "2*" QB_DW_ROW_BYTES, "48")
// The same for the pair AT bytes on from r4 (the second pair of a loop pass).
#define QB_DW_ROWS_AT(ROW, AT)                                                      \
  ROW(QB_DW_COLUMNS4, QB_DW_COLUMNS3, AT, "16")                                     \
  ROW(QB_DW_COLUMNS4, QB_DW_COLUMNS3, AT "+" QB_DW_ROW_BYTES, "32")                 \
  ROW(QB_DW_COLUMNS4, QB_DW_COLUMNS3, AT "+2*" QB_DW_ROW_BYTES, "48")
// A stride-1 loop pass's two pairs: the first row's LDM steps r4 on by the pass's 16
// bytes, and every later row reads 16 bytes back.
#define QB_DW_S1_ROWS_STEPPING                                                      \
  QB_DW_S1_ROW(QB_DW_COLUMNS4_STEPPING, , "0", "16")                                \
  QB_DW_S1_ROW(QB_DW_COLUMNS4, , QB_DW_ROW_BYTES "-16", "32")                       \
  QB_DW_S1_ROW(QB_DW_COLUMNS4, , "2*" QB_DW_ROW_BYTES "-16", "48")
// FIRST and SECOND are a loop pass's two pairs; INTO_SECOND moves r4 so that SECOND
// reads the pair at r4 (the one pair after the loop).
#define QB_DW_S1_FIRST(REQ4, CLAMP) QB_DW_PAIR(QB_DW_S1_ROWS_STEPPING, REQ4, CLAMP)
#define QB_DW_S1_SECOND(REQ4, CLAMP)                                                \
  QB_DW_PAIR(QB_DW_ROWS_AT(QB_DW_S1_ROW, "8-16"), REQ4, CLAMP)
#define QB_DW_S1_INTO_SECOND "add r4, r4, #8\n\t"
// A stride-2 loop pass's two pairs, then r4 stepped by the pass's 32 bytes.
#define QB_DW_S2_FIRST(REQ4, CLAMP) QB_DW_PAIR(QB_DW_ROWS(QB_DW_S2_ROW), REQ4, CLAMP)
#define QB_DW_S2_SECOND(REQ4, CLAMP)                                                \
  QB_DW_PAIR(QB_DW_ROWS_AT(QB_DW_S2_ROW, "16"), REQ4, CLAMP)                        \
  "add r4, r4, #32\n\t"
#define QB_DW_S2_INTO_SECOND "sub r4, r4, #16\n\t"

// One channel's constants, at offset Q of the job, into r8, r9, r11.
#define QB_DW_LOAD_QUANT(Q)                      \
  "ldrd r8, r9, [r7, #" Q "]\n\t"                \
  "ldr r11, [r7, #" Q "+8]\n\t"
// Requantizes accumulators A and B by REQ (QB_DSP_REQUANT_DOUBLED or its _TIES_UP form)
// with one channel's constants, at offset Q of the job.
#define QB_DW_REQUANT(REQ, A, B, Q)  \
  QB_DW_LOAD_QUANT(Q)                \
  REQ(A, "r8", "r9", "r11")          \
  REQ(B, "r8", "r9", "r11")

// The requantization of all four accumulators of a pair (REQUANT4) or the lone output's
// two (REQUANT2). The _BOTH forms load both channels' constants (contiguous, just below
// the job's fb) with one LDMDB into r8-r10 (lo) and r11, r12, lr (hi): three instructions
// a pair fewer, for REQ forms that need no scratch register (the ties-up one).
#define QB_DW_REQUANT4_BOTH(REQ)             \
  "ldmdb r7, {r8, r9, r10, r11, r12, lr}\n\t" \
  REQ("r0", "r8", "r9", "r10")               \
  REQ("r1", "r8", "r9", "r10")               \
  REQ("r2", "r11", "r12", "lr")              \
  REQ("r3", "r11", "r12", "lr")
#define QB_DW_REQUANT2_BOTH(REQ)             \
  "ldmdb r7, {r8, r9, r10, r11, r12, lr}\n\t" \
  REQ("r0", "r8", "r9", "r10")               \
  REQ("r2", "r11", "r12", "lr")
// The two-load forms, for any REQ.
#define QB_DW_REQUANT4(REQ)                  \
  QB_DW_REQUANT(REQ, "r0", "r1", QB_DW_Q_LO) \
  QB_DW_REQUANT(REQ, "r2", "r3", QB_DW_Q_HI)
#define QB_DW_REQUANT2(REQ)                  \
  QB_DW_LOAD_QUANT(QB_DW_Q_LO)               \
  REQ("r0", "r8", "r9", "r11")               \
  QB_DW_LOAD_QUANT(QB_DW_Q_HI)               \
  REQ("r2", "r8", "r9", "r11")

// Packs each pixel's (lo, hi) results into bytes 0 and 2 and clamps them bytewise.
#define QB_DW_CLAMP                          \
  "ldrd r8, r9, [r7, #" QB_DW_ACT "]\n\t"    \
  "pkhbt r0, r0, r2, lsl #16\n\t"           \
  "pkhbt r1, r1, r3, lsl #16\n\t"           \
  QB_DSP_CLAMP_BYTES("r0", "r8", "r9")      \
  QB_DSP_CLAMP_BYTES("r1", "r8", "r9")      \
  "lsr r2, r0, #16\n\t"                     \
  "lsr r3, r1, #16\n\t"
// The same for the lone output's pair.
#define QB_DW_CLAMP_SINGLE                   \
  "ldrd r8, r9, [r7, #" QB_DW_ACT "]\n\t"    \
  "pkhbt r0, r0, r2, lsl #16\n\t"           \
  QB_DSP_CLAMP_BYTES("r0", "r8", "r9")      \
  "lsr r2, r0, #16\n\t"

// One output pair's rows (ROWS), requantization and stores, r5 stepped to the next pair.
#define QB_DW_PAIR(ROWS, REQ4, CLAMP)                                    \
  "ldm r7, {r0, r1, r2, r3}\n\t"                                       \
  ROWS                                                                 \
  REQ4                                                                 \
  CLAMP                                                                \
  "ldrd r8, r9, [r7, #" QB_DW_STEP "]\n\t"                             \
  "strb r0, [r5]\n\t"                                                  \
  "strb r2, [r5, #2]\n\t"                                              \
  "strb r1, [r5, r8]\n\t"                                              \
  "strb r3, [r5, r9]\n\t"                                              \
  "add r5, r5, r8, lsl #1\n\t"

// Two output pairs a loop pass while four or more outputs are left (r6 counts them down
// by four from count - 4; the second pair reads its rows at offsets, so r4 steps once a
// pass). If two or three are left (4:), a copy of the second pair takes two of them
// (branching into the loop's own copy instead saves about 240 bytes a pass, but costs
// the small layers 1-1.5% est_cycles); then the lone last one when r6 ends at -1 (3:),
// which costs about 45 instead of a whole pair's 64.
// Both passes of a group run in one call: the job passed is the even one, and the odd job
// follows it (DwPassJobs), its row one plane (144 bytes) on and its outputs one channel
// on; a call per pass cost about six instructions more per output row.
#define QB_DW_PASS(NAME, FIRST, SECOND, INTO_SECOND, REQ4, REQ2, CLAMP, CLAMP_SINGLE) \
  QB_DSP_ASM_BEGIN(NAME)                                               \
  "add r7, r0, #24\n\t"                                                 \
  "add r4, r7, #" QB_DW_ROW "\n\t"                                     \
  "ldm r4, {r4, r5, r6}\n"                                              \
  "0:\n\t"                                                             \
  "subs r6, r6, #4\n\t"                                                \
  "blt 4f\n"                                                           \
  "1:\n\t"                                                             \
  FIRST(REQ4, CLAMP)                                                   \
  SECOND(REQ4, CLAMP)                                                  \
  "subs r6, r6, #4\n\t"                                                \
  "bge 1b\n"                                                           \
  "4:\n\t"                                                             \
  "adds r6, r6, #2\n\t"                                                \
  "blt 3f\n\t"                                                         \
  INTO_SECOND                                                          \
  SECOND(REQ4, CLAMP)                                                  \
  "subs r6, r6, #2\n"                                                  \
  "3:\n\t"                                                             \
  "adds r6, r6, #1\n\t"                                                \
  "bne 2f\n\t"                                                         \
  "ldm r7, {r0, r1, r2, r3}\n\t"                                       \
  QB_DW_ROWS(QB_DW_SINGLE_ROW)                                         \
  REQ2                                                                 \
  CLAMP_SINGLE                                                         \
  "strb r0, [r5]\n\t"                                                  \
  "strb r2, [r5, #2]\n"                                                \
  "2:\n\t"                                                             \
  "ldr r0, [sp]\n\t"                                                   \
  "sub r1, r7, #24\n\t"                                                 \
  "cmp r1, r0\n\t"                                                     \
  "bne 9f\n\t"                                                         \
  "add r7, r7, #116\n\t"                                               \
  "ldr r4, [r0, #104]\n\t"                                             \
  "add r4, r4, #144\n\t"                                               \
  "ldr r5, [r0, #108]\n\t"                                             \
  "add r5, r5, #1\n\t"                                                 \
  "ldr r6, [r0, #112]\n\t"                                             \
  "b 0b\n"                                                              \
  "9:\n\t"                                                             \
  QB_DSP_ASM_END(NAME)

// Per stride: with the exact tie step, and with ties up under a ReLU floor (one
// instruction fewer an output, a ninth of a 3x3 output's MACs), each plain (the full
// int8 range: SSAT clamps) and clamped.
#define QB_DW_PASSES(NAME, REQ4, REQ2)                                                      \
  QB_DW_PASS(NAME "_s1", QB_DW_S1_FIRST, QB_DW_S1_SECOND, QB_DW_S1_INTO_SECOND, REQ4,      \
             REQ2, "", "")                                                                  \
  QB_DW_PASS(NAME "_s2", QB_DW_S2_FIRST, QB_DW_S2_SECOND, QB_DW_S2_INTO_SECOND, REQ4,      \
             REQ2, "", "")                                                                  \
  QB_DW_PASS(NAME "_s1_clamped", QB_DW_S1_FIRST, QB_DW_S1_SECOND, QB_DW_S1_INTO_SECOND,    \
             REQ4, REQ2, QB_DW_CLAMP, QB_DW_CLAMP_SINGLE)                                   \
  QB_DW_PASS(NAME "_s2_clamped", QB_DW_S2_FIRST, QB_DW_S2_SECOND, QB_DW_S2_INTO_SECOND,    \
             REQ4, REQ2, QB_DW_CLAMP, QB_DW_CLAMP_SINGLE)

// The ties-up passes load both channels' constants with one LDMDB on Cortex-M4 only. In
// the Cortex-M33 and M7 models the six-register LDMDB and its first use cost more cycles
// than the two LDRD/LDR pairs (kernels depthwise3x3: -4.0% insns but +1.8% and +2.9%
// est_cycles), so they keep those.
#if defined(__ARM_ARCH_8M_MAIN__) || defined(QB_CORE_DUAL_ISSUE)
#define QB_DW_TIES_UP_REQUANTS QB_DW_REQUANT4(QB_DSP_REQUANT_DOUBLED_TIES_UP), \
                               QB_DW_REQUANT2(QB_DSP_REQUANT_DOUBLED_TIES_UP)
#else
#define QB_DW_TIES_UP_REQUANTS QB_DW_REQUANT4_BOTH(QB_DSP_REQUANT_DOUBLED_TIES_UP), \
                               QB_DW_REQUANT2_BOTH(QB_DSP_REQUANT_DOUBLED_TIES_UP)
#endif
// Expands REQUANTS into QB_DW_PASSES's two requantization arguments.
#define QB_DW_PASSES_OF(NAME, REQUANTS) QB_DW_PASSES(NAME, REQUANTS)

__asm__(QB_DW_PASSES("qb_dsp_dw3x3", QB_DW_REQUANT4(QB_DSP_REQUANT_DOUBLED),
                     QB_DW_REQUANT2(QB_DSP_REQUANT_DOUBLED))
        QB_DW_PASSES_OF("qb_dsp_dw3x3_ties_up", QB_DW_TIES_UP_REQUANTS));

using DwPass = void (*)(DwPassJob*);

// The assembly loop's two passes (channels 0 and 2, then 1 and 3 of a group).
struct DwPassPair {
  DwPassJob even, odd;
};
static_assert(offsetof(DwPassPair, odd) == 116 && kSplitPlaneWords * 4 == 144,
              "the pass assembly finds the odd job and plane at these distances");

// The pass pairs of the window's three phases, with what every group of a layer shares
// already in place, the pass function included. In phase p, kernel row 0 is in row slot
// p (kernel row k in slot (p + k) mod 3, run_chunk_passes), and the phase's jobs list each
// slot's weights for the kernel row it holds: the rows stay where they were staged, and
// the passes read slots 0, 1, 2 at fixed distances.
struct DwPassJobs {
  DwPassPair phase[3];
  DwPass run;
  // The staged rows, shared by the layer's groups so that the padding columns, the same
  // for every group of a chunk geometry, are written once (fill_split_padding): for the
  // chunk whose plan had padded_first / padded_count of padded_cols columns (-1: none,
  // or the general path used the buffer since).
  alignas(8) uint32_t stage[kSplitStageWords];
  int32_t padded_first = -1, padded_count = -1, padded_cols = -1;
};

// The layer's pass functions and shared job fields.
void init_pass_jobs(DwPassJobs* jobs, int32_t channels, int32_t stride, const OutputQuant& o) {
  // [ties visible][stride 2][clamped]
  static constexpr DwPass kPasses[2][2][2] = {
      {{qb_dsp_dw3x3_ties_up_s1, qb_dsp_dw3x3_ties_up_s1_clamped},
       {qb_dsp_dw3x3_ties_up_s2, qb_dsp_dw3x3_ties_up_s2_clamped}},
      {{qb_dsp_dw3x3_s1, qb_dsp_dw3x3_s1_clamped}, {qb_dsp_dw3x3_s2, qb_dsp_dw3x3_s2_clamped}}};
  jobs->run = kPasses[ties_visible(o)][stride == 2][o.clamp];
  for (DwPassPair& pair : jobs->phase) {
    for (DwPassJob* j : {&pair.even, &pair.odd}) {
      j->step = channels;
      j->step_hi = channels + 2;
      j->act_min4 = o.act_min4;
      j->act_max4 = o.act_max4;
      j->row = jobs->stage;
    }
  }
}

inline void store_clamped(int8_t* p, int32_t v, const OutputQuant& o) {
  *p = static_cast<int8_t>(clamp_packed(static_cast<uint32_t>(v), o));
}

// Both int16 lanes of v doubled (SADD16: no carry between the lanes).
inline int32_t twice(int32_t v) { return static_cast<int32_t>(__sadd16(v, v)); }

// Weight pairs of the fast path for a full group at channels c0..c0+3: for pass p (0:
// channels 0 and 2, 1: channels 1 and 3) and kernel row ky, {(w0, w1) lo, (w1, w2) lo,
// (w0, w1) hi, (w1, w2) hi}. One word per tap holds the group's four weights; SXTB16
// splits it by pass and PKHBT / PKHTB pair neighbouring taps. Every weight is doubled
// (it fits the int16 lane), and so is the folded bias the passes start from: their sums
// come out as 2 * acc, which the requantization wants, and saves a shift per output.
void pair_weights_3x3(int32_t* even_table, int32_t* odd_table, const int8_t* filter,
                      int32_t channels, int32_t c0) {
  for (int32_t ky = 0; ky < 3; ++ky) {
    const int8_t* f = filter + ky * 3 * channels + c0;
    const uint32_t t0 = load_u32(f), t1 = load_u32(f + channels), t2 = load_u32(f + 2 * channels);
    const int32_t e0 = twice(sxtb16_even(t0)), e1 = twice(sxtb16_even(t1)),
                  e2 = twice(sxtb16_even(t2));
    const int32_t o0 = twice(sxtb16_odd(t0)), o1 = twice(sxtb16_odd(t1)),
                  o2 = twice(sxtb16_odd(t2));
    int32_t* even = even_table + ky * 4;
    int32_t* odd = odd_table + ky * 4;
    even[0] = pack_lo_halves(e0, e1);
    even[1] = pack_lo_halves(e1, e2);
    even[2] = pack_hi_halves(e0, e1);
    even[3] = pack_hi_halves(e1, e2);
    odd[0] = pack_lo_halves(o0, o1);
    odd[1] = pack_lo_halves(o1, o2);
    odd[2] = pack_hi_halves(o0, o1);
    odd[3] = pack_hi_halves(o1, o2);
  }
}

// The general path for one output pixel of a group: every tap's staged word against the
// tap's four weights, one SMLAxy per channel and tap. rows: the k_h staged rows, col the
// pixel's first column in them; filter at the group's first channel.
template <bool kFast>
inline void dw_pixel_general(uint32_t* const* rows, int32_t col, const DwGeometry& g,
                             const int8_t* filter, int32_t nc, const int32_t* fb,
                             const ChannelQuant* q, int8_t* out, const OutputQuant& o) {
  int32_t a0 = fb[0], a1 = nc > 1 ? fb[1] : 0, a2 = nc > 2 ? fb[2] : 0, a3 = nc > 3 ? fb[3] : 0;
  for (int32_t ky = 0; ky < g.k_h; ++ky) {
    const uint32_t* t = rows[ky] + col;
    const int8_t* f = filter + ky * g.k_w * g.channels;
    for (int32_t kx = 0; kx < g.k_w; ++kx, ++t, f += g.channels) {
      const uint32_t x = *t;
      const uint32_t wt = load_group(f, nc);
      const int32_t xe = sxtb16_even(x), xo = sxtb16_odd(x);
      const int32_t we = sxtb16_even(wt), wo = sxtb16_odd(wt);
      a0 = __smlabb(xe, we, a0);
      a1 = __smlabb(xo, wo, a1);
      a2 = __smlatt(xe, we, a2);
      a3 = __smlatt(xo, wo, a3);
    }
  }
  const int32_t acc[4] = {a0, a1, a2, a3};
  for (int32_t i = 0; i < nc; ++i) {
    store_clamped(out + i, requantize<kFast>(acc[i], q[i], o.output_offset), o);
  }
}

// The assembly path over one column chunk's output rows (the phases' count already set):
// stages the rows that enter the window, kStrideH of them an output row, into the slots
// of the rows that left, then runs both passes of the row in the window's phase
// (DwPassJobs). Its own function, with nothing else live, so that GCC keeps its few
// values in registers: inside depthwise_group, beside the general path, they lived on
// the stack, about 120 instructions an output row. A template on the stride: with the
// stride at run time GCC spends about 14 instructions more an output row.
template <int32_t kStrideH>
__attribute__((noinline)) void run_chunk_passes(DwPassJobs* jobs, const SplitPlan& plan,
                                                int32_t out_h, int32_t iy, int8_t* out,
                                                int32_t out_row_step) {
  uint32_t* const stage = jobs->stage;
  for (int32_t ky = 0; ky < 3; ++ky) stage_row_split(stage + ky * kSplitRowWords, plan, iy + ky);
  int32_t top = 0;  // the phase: kernel row 0's slot
  for (;;) {
    // The odd pass's row, output and count follow from the even one's (QB_DW_PASS).
    DwPassJob& even = jobs->phase[top].even;
    even.out = out;
    jobs->run(&even);
    if (--out_h <= 0) return;
    out += out_row_step;
    iy += kStrideH;
    top += kStrideH;
    if (top >= 3) top -= 3;
    for (int32_t ky = 3 - kStrideH; ky < 3; ++ky) {
      const int32_t slot = top + ky < 3 ? top + ky : top + ky - 3;
      stage_row_split(stage + slot * kSplitRowWords, plan, iy + ky);
    }
  }
}

// Out of line: the two instantiations' stack frames are never live together. jobs: the
// layer's two passes, used (and their group fields set) only when the group takes the
// assembly loop.
template <bool kFast>
__attribute__((noinline)) void depthwise_group(const ConvArgs& a, const DwGeometry& g, int32_t c0,
                                               int32_t nc, const ChannelQuant* q,
                                               const OutputQuant& o, DwPassJobs* jobs) {
  const bool use_asm =
      kFast && nc == 4 && g.k_h == 3 && g.k_w == 3 && g.stride_w <= 2 && g.stride_h <= 2;
  const int32_t* fb = a.folded_bias + c0;
  if (use_asm) {
    DwPassJob& even = jobs->phase[0].even;
    DwPassJob& odd = jobs->phase[0].odd;
    pair_weights_3x3(even.weights, odd.weights, a.filter, g.channels, c0);
    // Doubled, as the weights (pair_weights_3x3); the fast path bounds |acc| < 2^30.
    even.fb[0] = even.fb[1] = fb[0] * 2;
    even.fb[2] = even.fb[3] = fb[2] * 2;
    even.q_lo = q[0];
    even.q_hi = q[2];
    odd.fb[0] = odd.fb[1] = fb[1] * 2;
    odd.fb[2] = odd.fb[3] = fb[3] * 2;
    odd.q_lo = q[1];
    odd.q_hi = q[3];
    // Phases 1 and 2: the same, each slot's weights those of the kernel row it holds.
    for (int32_t p = 1; p < 3; ++p) {
      DwPassPair& pair = jobs->phase[p];
      pair.even.q_lo = even.q_lo;
      pair.even.q_hi = even.q_hi;
      pair.odd.q_lo = odd.q_lo;
      pair.odd.q_hi = odd.q_hi;
      for (int32_t i = 0; i < 4; ++i) {
        pair.even.fb[i] = even.fb[i];
        pair.odd.fb[i] = odd.fb[i];
      }
      for (int32_t slot = 0; slot < 3; ++slot) {
        const int32_t ky = slot - p < 0 ? slot - p + 3 : slot - p;
        for (int32_t i = 0; i < 4; ++i) {
          pair.even.weights[slot * 4 + i] = even.weights[ky * 4 + i];
          pair.odd.weights[slot * 4 + i] = odd.weights[ky * 4 + i];
        }
      }
    }
  }

  // Column chunks: each staged row (each plane of it, on the assembly path) holds cols
  // words plus two spare.
  const int32_t row_words = use_asm ? kSplitRowWords : kStageWords / g.k_h;
  const int32_t max_cols = (use_asm ? kSplitPlaneWords : row_words) - 2;
  const int32_t out_per_chunk = (max_cols - g.k_w) / g.stride_w + 1;
  static_assert(kSplitStageWords >= kStageWords, "one stage array serves both paths");
  uint32_t* const stage = jobs->stage;
  if (!use_asm) jobs->padded_cols = -1;
  // The general path's window rows are ring[top .. top + k_h): buffer i appears at i and
  // i + k_h, so moving down one output row is top += stride_h (mod k_h), and the rows
  // that enter the window are staged into the buffers of the rows that left.
  uint32_t* ring[2 * kMaxKernelRows];
  for (int32_t ky = 0; ky < g.k_h; ++ky) ring[ky] = ring[ky + g.k_h] = stage + ky * row_words;
  const int32_t sh = g.stride_h;
  const int32_t out_row_step = g.out_w * g.channels;

  for (int32_t b = 0; b < g.n; ++b) {
    for (int32_t ox0 = 0; ox0 < g.out_w; ox0 += out_per_chunk) {
      const int32_t n_out = g.out_w - ox0 < out_per_chunk ? g.out_w - ox0 : out_per_chunk;
      const int32_t ix_begin = ox0 * g.stride_w - g.pad_left;
      const int32_t cols = (n_out - 1) * g.stride_w + g.k_w;
      int32_t top = 0;
      int32_t staged_from = 0;  // rows[staged_from..k_h) need staging
      int8_t* out_row = a.output + ((b * g.out_h) * g.out_w + ox0) * g.channels + c0;
      if (use_asm) {
        const SplitPlan plan = split_plan(g, b, ix_begin, cols, c0);
        if (plan.first != jobs->padded_first || plan.count != jobs->padded_count ||
            cols != jobs->padded_cols) {
          fill_split_padding(stage, plan, cols);
          jobs->padded_first = plan.first;
          jobs->padded_count = plan.count;
          jobs->padded_cols = cols;
        }
        for (DwPassPair& pair : jobs->phase) pair.even.count = n_out;
        if (sh == 1) {
          run_chunk_passes<1>(jobs, plan, g.out_h, -g.pad_top, out_row, out_row_step);
        } else {
          run_chunk_passes<2>(jobs, plan, g.out_h, -g.pad_top, out_row, out_row_step);
        }
        continue;
      }
      for (int32_t oy = 0; oy < g.out_h; ++oy) {
        uint32_t* const* rows = ring + top;
        const int32_t iy0 = oy * sh - g.pad_top;
        for (int32_t ky = staged_from; ky < g.k_h; ++ky) {
          stage_row(rows[ky], g, b, iy0 + ky, ix_begin, cols, c0, nc);
        }
        int8_t* out = out_row;
        out_row += out_row_step;
        for (int32_t x = 0; x < n_out; ++x, out += g.channels) {
          dw_pixel_general<kFast>(rows, x * g.stride_w, g, a.filter + c0, nc, fb, q, out, o);
        }
        if (sh >= g.k_h) {
          staged_from = 0;
        } else {
          top += sh;
          if (top >= g.k_h) top -= g.k_h;
          staged_from = g.k_h - sh;
        }
      }
    }
  }
}

void depthwise(const ConvArgs& a) {
  const DwGeometry g{a.input,
                     a.input_shape.n,
                     a.input_shape.h,
                     a.input_shape.w,
                     a.input_shape.c,
                     a.filter_shape.h,
                     a.filter_shape.w,
                     a.params.stride_h,
                     a.params.stride_w,
                     a.params.pad_top,
                     a.params.pad_left,
                     a.output_shape.h,
                     a.output_shape.w,
                     splat_byte(-a.params.input_offset)};
  const OutputQuant o = make_output_quant(a.params.output_offset, a.params.act_min, a.params.act_max);
  DwPassJobs jobs;
  init_pass_jobs(&jobs, g.channels, g.stride_w, o);
  // Tables for kQuantChunk channels at a time; a group of a mixed table whose entries are
  // all fast still takes the fast path.
  ChannelQuant q[kQuantChunk];
  for (int32_t chunk = 0; chunk < g.channels; chunk += kQuantChunk) {
    const int32_t n = g.channels - chunk < kQuantChunk ? g.channels - chunk : kQuantChunk;
    const QuantKind kind = fill_channel_quant(
        q, n, a.requant.multiplier + chunk, a.requant.shift + chunk, a.folded_bias + chunk,
        int64_t{g.k_h * g.k_w} << 14, a.params.output_offset);
    for (int32_t i = 0; i < n; i += 4) {
      const int32_t nc = n - i < 4 ? n - i : 4;
      const ChannelQuant* gq = q + i;
      bool fast = kind == QuantKind::kFolded;
      if (kind == QuantKind::kMixed) {
        fast = true;
        for (int32_t j = 0; j < nc; ++j) fast = fast && gq[j].right_shift != 0;
      }
      if (fast) {
        depthwise_group<true>(a, g, chunk + i, nc, gq, o, &jobs);
      } else {
        depthwise_group<false>(a, g, chunk + i, nc, gq, o, &jobs);
      }
    }
  }
}

}  // namespace

void depthwise_conv2d(const ConvArgs& a) {
  // The ring must hold every kernel row with room for a window and a stride.
  const int32_t k_h = a.filter_shape.h, k_w = a.filter_shape.w;
  if (k_h > kMaxKernelRows || kStageWords / k_h - 2 < k_w + a.params.stride_w) {
    ref::depthwise_conv2d(a);
    return;
  }
  depthwise(a);
}

}  // namespace qb::kernels::dsp
#endif
