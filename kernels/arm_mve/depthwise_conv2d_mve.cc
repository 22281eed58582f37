// Helium depthwise convolution (depth multiplier 1): channels across vector lanes, eight
// at a time, taps accumulated lane-wise in int32.
//
// Why this shape: each channel has its own filter, so there is no dot product to reduce;
// the work is a lane-wise multiply-accumulate, and MVE has none for int8 that widens into
// int32. Loading input and filter bytes straight into int16 lanes (a widening load),
// VMULLB/VMULLT give exact int32 products of the even and odd lanes and two adds
// accumulate them: six instructions per tap for eight channels, exact for every int8
// value. Narrowing the even accumulator into the even int16 lanes and the odd one into
// the odd lanes restores channel order for a plain store.
//
// Channel blocks are the outer loop and pixels the inner one, so a block's filter taps,
// bias, multipliers and shifts are gathered once into a small local table (already split
// into even and odd lanes) and every pixel loads them with constant offsets from one
// pointer. A 3x3 filter on a full block runs fully unrolled onto the folded bias: the
// interior rectangle (windows inside the input) reads its taps without checks; a single
// edge column one input column over the left or right edge reads its six inside taps onto
// the folded bias plus the zero point times the missing column's weights; rows that leave
// the input at the top or bottom read a small copy of their input rows padded with the
// zero point. A small image with a border (up to 8 x 8 padded cells) instead runs
// entirely through a zero-point-padded copy of the block's bytes, one interior call for
// every pixel. Everything else (other filter sizes, the channel tail, wider borders) takes
// a general loop over the taps inside the input only, adding the input offset to each tap
// and starting from the unfolded bias, which is the reference's own sum; the tail uses
// predicated loads and store. The unrolled taps are inline asm (see taps_3x3); in the
// padded copies, windows go two at a time where the stride is 1 or 2, sharing their input
// columns' loads (taps_3x3_pair, taps_3x3_pair_s2), and the pair's requantization and
// stores are assembly too (store_pixel_pair); over the input itself they go one at a time
// or in vertical pairs (interior_singles_3x3).
//
// The exception is a large interior at vertical stride 1 or 2 (a MobileNet's early
// layers): there the full blocks' interior rectangle goes a channel at a time instead,
// four neighbouring outputs across the lanes and the channel's weights as scalars
// (interior_columns_3x3 and depthwise_columns_mve.h), before the blocks do the rest.
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include <cstddef>

#include "kernels/arm_mve/depthwise_columns_mve.h"
#include "kernels/arm_mve/mve_kernels.h"
#include "kernels/arm_mve/mve_requant.h"

namespace qb::kernels::mve {
namespace {

// Filters with more taps than this read their weights from the filter directly.
constexpr int32_t kMaxTableTaps = 25;

alignas(16) constexpr uint32_t kEvenChannels[4] = {0, 2, 4, 6};

// One block's constants, laid out for constant-offset loads from one pointer.
struct BlockTable {
  int32x4_t bias_even, bias_odd;          // folded: for windows inside the input
  // Folded bias plus what a 3x3 filter's left / right column would add reading the zero
  // point: the start for windows whose left / right column is outside the input.
  int32x4_t left_even, left_odd, right_even, right_odd;
  int32x4_t raw_bias_even, raw_bias_odd;  // unfolded (zero if none): for clipped windows
  LaneRequant even, odd;
  int16x8_t lo, hi;          // the activation range
  int32_t input_offset;
  int32_t output_offset;
  int8_t weights[kMaxTableTaps][8];  // tap-major, the block's eight channels
  int16x8_t zero_point;              // what a tap outside the input reads
};

// Input columns of the padded window copy that border pixels of a 3x3 filter use.
constexpr int32_t kPaddedColumns = 12;

struct Geometry {
  const int8_t* input;
  int8_t* output;
  Shape in, out;
  int32_t kh, kw, stride_h, stride_w, pad_top, pad_left;
  // A small padded image (see small_padded_image), or null: rows x cols cells of the
  // block's eight bytes, cell (0, 0) at input (-pad_top, -pad_left).
  int8_t* padded = nullptr;
  int32_t padded_rows = 0, padded_cols = 0;
  // How many of the interior rectangle's first columns (of every full block) are done
  // already, a channel at a time (interior_columns_3x3).
  int32_t interior_cols_done = 0;
};

// The output pixels whose windows lie inside the input: columns [x_begin, x_end), rows
// [y_begin, y_end).
struct Interior {
  int32_t x_begin, x_end, y_begin, y_end;
};

inline Interior interior_of(const Geometry& g) {
  Interior r;
  r.x_begin = (g.pad_left + g.stride_w - 1) / g.stride_w;
  const int32_t last_start = g.in.w - g.kw + g.pad_left;
  r.x_end = last_start < 0 ? 0 : last_start / g.stride_w + 1;
  if (r.x_end > g.out.w) r.x_end = g.out.w;
  if (r.x_begin > r.x_end) r.x_begin = r.x_end;
  r.y_begin = (g.pad_top + g.stride_h - 1) / g.stride_h;
  const int32_t last_top = g.in.h - g.kh + g.pad_top;
  r.y_end = last_top < 0 ? 0 : last_top / g.stride_h + 1;
  if (r.y_end > g.out.h) r.y_end = g.out.h;
  if (r.y_begin > r.y_end) r.y_begin = r.y_end;
  return r;
}

// Bytes of the stack copy a small image's blocks run through: 8 x 8 cells (a 6 x 6 input
// with its border).
constexpr int32_t kSmallImageBytes = 8 * 8 * 8;

struct Accumulators {
  int32x4_t even, odd;  // channels 0,2,4,6 and 1,3,5,7 of the block
};

inline void accumulate(Accumulators& acc, int16x8_t x, int16x8_t w) {
  acc.even = vaddq_s32(acc.even, vmullbq_int_s16(x, w));
  acc.odd = vaddq_s32(acc.odd, vmulltq_int_s16(x, w));
}

template <bool kTail>
inline int16x8_t load_input(const int8_t* p, mve_pred16_t lanes) {
  return kTail ? vldrbq_z_s16(p, lanes) : vldrbq_s16(p);
}

// The requantization and stores of whole blocks as assembly (store_pixel,
// store_pixel_pair): VQSHL and the tie step (ADD_LEFT, ADD_TIES: QB_DW_KEEP or
// QB_DW_DROP) are there only for Rounding::kAnyShifts. Table fields are read at constant
// offsets from t.
#define QB_DW_LEFT(X, L) "vqshl.s32 %q[" X "], %q[" X "], %q[" L "]\n\t"
#define QB_DW_TIE(X, R)                                 \
  "vand %q[k], %q[" X "], %q[" R "]\n\t"               \
  "vshr.s32 %q[k], %q[k], #31\n\t"                     \
  "vqadd.s32 %q[" X "], %q[" X "], %q[k]\n\t"
// One half (the first and second windows' accumulators F and S) with the table's left
// shifts, multipliers and VRSHL counts at LO / MO / RO, through registers M (the left
// shifts, then the multipliers) and R.
#define QB_DW_REQUANT_HALF(F, S, M, R, MO, LO, RO, ADD_LEFT, ADD_TIES)           \
  ADD_LEFT("vldrw.u32 %q[" M "], [%[t], #%c[" LO "]]\n\t"                       \
           QB_DW_LEFT(F, M) QB_DW_LEFT(S, M))                                   \
  "vldrw.u32 %q[" M "], [%[t], #%c[" MO "]]\n\t"                                \
  "vldrw.u32 %q[" R "], [%[t], #%c[" RO "]]\n\t"                                \
  "vqrdmulh.s32 %q[" F "], %q[" F "], %q[" M "]\n\t"                            \
  "vqrdmulh.s32 %q[" S "], %q[" S "], %q[" M "]\n\t"                            \
  ADD_TIES(QB_DW_TIE(F, R) QB_DW_TIE(S, R))                                     \
  "vrshl.s32 %q[" F "], %q[" F "], %q[" R "]\n\t"                               \
  "vrshl.s32 %q[" S "], %q[" S "], %q[" R "]\n\t"
#define QB_DW_STORE_PAIR(ADD_LEFT, ADD_TIES)                                             \
  QB_DW_REQUANT_HALF("fe", "se", "m", "r", "even_m", "even_l", "even_r", ADD_LEFT,       \
                     ADD_TIES)                                                           \
  "vqmovnb.s32 %q[m], %q[fe]\n\t"                                                       \
  "vqmovnb.s32 %q[r], %q[se]\n\t"                                                       \
  QB_DW_REQUANT_HALF("fo", "so", "fe", "se", "odd_m", "odd_l", "odd_r", ADD_LEFT,        \
                     ADD_TIES)                                                           \
  "vqmovnt.s32 %q[m], %q[fo]\n\t"                                                       \
  "vldrw.u32 %q[fe], [%[t], #%c[lo]]\n\t"                                               \
  "vqmovnt.s32 %q[r], %q[so]\n\t"                                                       \
  "vldrw.u32 %q[se], [%[t], #%c[hi]]\n\t"                                               \
  "vqadd.s16 %q[m], %q[m], %[offset]\n\t"                                               \
  "vqadd.s16 %q[r], %q[r], %[offset]\n\t"                                               \
  "vmax.s16 %q[m], %q[m], %q[fe]\n\t"                                                   \
  "vmax.s16 %q[r], %q[r], %q[fe]\n\t"                                                   \
  "vmin.s16 %q[m], %q[m], %q[se]\n\t"                                                   \
  "vmin.s16 %q[r], %q[r], %q[se]\n\t"                                                   \
  "vstrb.16 %q[m], [%[out_first]]\n\t"                                                  \
  "vstrb.16 %q[r], [%[out_second]]\n\t"
#define QB_DW_KEEP(X) X
#define QB_DW_DROP(X)

// One accumulator F with the table's left shifts, multipliers and VRSHL counts at LO /
// MO / RO, through registers M (the left shifts, then the multipliers) and R.
#define QB_DW_REQUANT_ONE(F, M, R, MO, LO, RO, ADD_LEFT, ADD_TIES)                     \
  ADD_LEFT("vldrw.u32 %q[" M "], [%[t], #%c[" LO "]]\n\t" QB_DW_LEFT(F, M))            \
  "vldrw.u32 %q[" M "], [%[t], #%c[" MO "]]\n\t"                                       \
  "vldrw.u32 %q[" R "], [%[t], #%c[" RO "]]\n\t"                                       \
  "vqrdmulh.s32 %q[" F "], %q[" F "], %q[" M "]\n\t"                                   \
  ADD_TIES(QB_DW_TIE(F, R))                                                            \
  "vrshl.s32 %q[" F "], %q[" F "], %q[" R "]\n\t"
#define QB_DW_STORE_ONE(ADD_LEFT, ADD_TIES)                                            \
  QB_DW_REQUANT_ONE("fe", "m", "r", "even_m", "even_l", "even_r", ADD_LEFT, ADD_TIES)  \
  "vqmovnb.s32 %q[m], %q[fe]\n\t"                                                     \
  QB_DW_REQUANT_ONE("fo", "fe", "r", "odd_m", "odd_l", "odd_r", ADD_LEFT, ADD_TIES)    \
  "vqmovnt.s32 %q[m], %q[fo]\n\t"                                                     \
  "vldrw.u32 %q[fe], [%[t], #%c[lo]]\n\t"                                             \
  "vqadd.s16 %q[m], %q[m], %[offset]\n\t"                                             \
  "vldrw.u32 %q[fo], [%[t], #%c[hi]]\n\t"                                             \
  "vmax.s16 %q[m], %q[m], %q[fe]\n\t"                                                 \
  "vmin.s16 %q[m], %q[m], %q[fo]\n\t"                                                 \
  "vstrb.16 %q[m], [%[out]]\n\t"
// The asm statement of STORE (QB_DW_STORE_ONE or _PAIR) for the function's kRounding.
#define QB_DW_STORE_ASM(STORE, OPERANDS)                                \
  if constexpr (kRounding == Rounding::kAnyShifts) {                    \
    __asm__ volatile(STORE(QB_DW_KEEP, QB_DW_KEEP) OPERANDS);           \
  } else {                                                              \
    __asm__ volatile(STORE(QB_DW_DROP, QB_DW_DROP) OPERANDS);           \
  }
// The table offsets both forms read.
#define QB_DW_TABLE_OFFSETS                                                                 \
  [offset] "r"(t->output_offset),                                                          \
      [even_m] "i"(offsetof(BlockTable, even) + offsetof(LaneRequant, multiplier)),         \
      [even_l] "i"(offsetof(BlockTable, even) + offsetof(LaneRequant, left)),               \
      [even_r] "i"(offsetof(BlockTable, even) + offsetof(LaneRequant, right)),              \
      [odd_m] "i"(offsetof(BlockTable, odd) + offsetof(LaneRequant, multiplier)),           \
      [odd_l] "i"(offsetof(BlockTable, odd) + offsetof(LaneRequant, left)),                 \
      [odd_r] "i"(offsetof(BlockTable, odd) + offsetof(LaneRequant, right)),                \
      [lo] "i"(offsetof(BlockTable, lo)), [hi] "i"(offsetof(BlockTable, hi))

template <Rounding kRounding, bool kTail>
inline void store_pixel(const BlockTable* t, const Accumulators& acc, mve_pred16_t lanes,
                        int8_t* out) {
  if constexpr (!kTail) {
    // A whole block (the interior and edge windows): assembly, as store_pixel_pair.
    int32x4_t fe = acc.even, fo = acc.odd;
    int32x4_t m, r, k;
#define QB_DW_STORE_ONE_OPERANDS                                                        \
  : [fe] "+w"(fe), [fo] "+w"(fo), [m] "=&w"(m), [r] "=&w"(r), [k] "=&w"(k)              \
  : [t] "r"(t), [out] "l"(out), QB_DW_TABLE_OFFSETS                                     \
  : "memory"
    QB_DW_STORE_ASM(QB_DW_STORE_ONE, QB_DW_STORE_ONE_OPERANDS);
#undef QB_DW_STORE_ONE_OPERANDS
    (void)lanes;
    return;
  }
  // Saturating to int16 keeps every byte exact: anything outside int16 is far outside the
  // int8 activation range after the offset, on the same side.
  const int32x4_t even = requantize_with<kRounding>(acc.even, t->even);
  // Narrowed into its own register (see finish_pair).
  int16x8_t v = vqmovnbq_s32(vreinterpretq_s16_s32(even), even);
  v = vqmovntq_s32(v, requantize_with<kRounding>(acc.odd, t->odd));
  v = vqaddq_n_s16(v, static_cast<int16_t>(t->output_offset));
  v = vminq_s16(vmaxq_s16(v, t->lo), t->hi);
  vstrbq_p_s16(out, v, lanes);
}

// store_pixel for two full windows, with the block's requantization and range loaded
// once for both: read after a store they would be loaded again (an int8 store may alias
// the table), and the taps leave no vector register to keep them in. Both windows' even
// lanes go first, then both odd, so only one half's multipliers and shifts are live at a
// time (all of them, the ranges and two windows would need more than the eight vector
// registers): the even halves narrow into two of the three scratch registers, and the
// odd half's constants and then the range take the even accumulators' registers. As
// assembly: GCC 12 copies each register it narrows into and spreads scalar work among
// the vector instructions (a scalar instruction ends the beat overlap), 1-2% more
// estimated cycles on the MLPerf depthwise layers.
template <Rounding kRounding>
inline void store_pixel_pair(const BlockTable* t, const Accumulators& first,
                             const Accumulators& second, int8_t* out_first,
                             int8_t* out_second) {
  int32x4_t fe = first.even, fo = first.odd, se = second.even, so = second.odd;
  int32x4_t m, r, k;
#define QB_DW_STORE_OPERANDS                                                                 \
  : [fe] "+w"(fe), [fo] "+w"(fo), [se] "+w"(se), [so] "+w"(so), [m] "=&w"(m), [r] "=&w"(r),  \
    [k] "=&w"(k)                                                                             \
  : [t] "r"(t), [out_first] "l"(out_first), [out_second] "l"(out_second),                    \
    QB_DW_TABLE_OFFSETS                                                                      \
  : "memory"
  QB_DW_STORE_ASM(QB_DW_STORE_PAIR, QB_DW_STORE_OPERANDS);
#undef QB_DW_STORE_OPERANDS
}

// The block's constants for channels [c, c + count).
template <Rounding kRounding>
void fill_table(BlockTable& t, const ConvArgs& a, int32_t c, int32_t count, bool table_weights) {
  // Lanes 0-3 of the even/odd vectors are channels c + 0,2,4,6 / c + 1,3,5,7; a lane
  // is loaded if its channel exists.
  const uint32x4_t even = vldrwq_u32(kEvenChannels);
  const uint32x4_t odd = vaddq_n_u32(even, 1);
  const uint32x4_t n = vdupq_n_u32(static_cast<uint32_t>(count));
  const mve_pred16_t even_lanes = vcmphiq_u32(n, even);
  const mve_pred16_t odd_lanes = vcmphiq_u32(n, odd);
  auto gather = [](const int32_t* base, uint32x4_t offsets, mve_pred16_t lanes) {
    return vldrwq_gather_shifted_offset_z_s32(base, offsets, lanes);
  };
  t.bias_even = gather(a.folded_bias + c, even, even_lanes);
  t.bias_odd = gather(a.folded_bias + c, odd, odd_lanes);
  if (a.bias != nullptr) {
    t.raw_bias_even = gather(a.bias + c, even, even_lanes);
    t.raw_bias_odd = gather(a.bias + c, odd, odd_lanes);
  } else {
    t.raw_bias_even = t.raw_bias_odd = vdupq_n_s32(0);
  }
  const int32x4_t zero = vdupq_n_s32(0);
  const int32x4_t shift_even = gather(a.requant.shift + c, even, even_lanes);
  const int32x4_t shift_odd = gather(a.requant.shift + c, odd, odd_lanes);
  t.even = {gather(a.requant.multiplier + c, even, even_lanes), vmaxq_s32(shift_even, zero),
            kRounding == Rounding::kAnyShifts ? vminq_s32(shift_even, zero) : shift_even};
  t.odd = {gather(a.requant.multiplier + c, odd, odd_lanes), vmaxq_s32(shift_odd, zero),
           kRounding == Rounding::kAnyShifts ? vminq_s32(shift_odd, zero) : shift_odd};
  if (table_weights) {
    const int32_t taps = a.filter_shape.h * a.filter_shape.w, channels = a.input_shape.c;
    const mve_pred16_t lanes = vctp16q(static_cast<uint32_t>(count));
    const int8_t* w = a.filter + c;
    for (int32_t k = 0; k < taps; ++k, w += channels) {
      vstrbq_s16(t.weights[k], vldrbq_z_s16(w, lanes));
    }
    if (a.filter_shape.h == 3 && a.filter_shape.w == 3) {
      // |column sum| <= 3 * 128: int16; times the zero point: exact in int32.
      auto column = [&](int32_t kx) {
        return vaddq_s16(vaddq_s16(vldrbq_s16(t.weights[kx]), vldrbq_s16(t.weights[3 + kx])),
                         vldrbq_s16(t.weights[6 + kx]));
      };
      const int16x8_t left = column(0), right = column(2);
      t.left_even = vaddq_s32(t.bias_even, vmullbq_int_s16(left, t.zero_point));
      t.left_odd = vaddq_s32(t.bias_odd, vmulltq_int_s16(left, t.zero_point));
      t.right_even = vaddq_s32(t.bias_even, vmullbq_int_s16(right, t.zero_point));
      t.right_odd = vaddq_s32(t.bias_odd, vmulltq_int_s16(right, t.zero_point));
    }
  }
}

// The nine taps of a 3x3 window inside the input, for a full block: x is the window's
// top-left tap, w the table's weights (tap-major, 8 bytes a tap). Written as one asm
// statement because GCC 12 schedules the 18 loads of the unrolled intrinsics ahead of
// the arithmetic and spills them (MVE has eight vector registers), and cannot be kept
// from materializing every address in a high register first; here each tap is its two
// widening loads (weights at constant offsets), VMULLB/VMULLT and two adds. For
// Cortex-M55's beat overlap (across pipes only, not across a scalar instruction) the
// next tap's weights load between this tap's multiply and add, alternating between two
// registers, and each row's pointer arithmetic is one group at its start. kCells: the
// input is a padded copy of 8-byte cells (cs == 8), so columns are constant offsets and
// a row costs one add.
template <bool kCells>
inline void taps_3x3(Accumulators& acc, const int8_t* x, const int8_t* w, int32_t cs,
                     int32_t rs) {
  int16x8_t a, w0, w1;
  int32x4_t product;
  const int8_t* p0;
  const int8_t* p1;
  const int8_t* p2;
  // One tap: input at ADDR against weights W; NEXT loads the next tap's weights (or
  // nothing).
#define QB_DEPTHWISE_TAP(ADDR, W, NEXT)            \
  "vldrb.s16 %q[a], " ADDR "\n\t"                 \
  "vmullb.s16 %q[product], %q[a], %q[" W "]\n\t"  \
  NEXT                                            \
  "vadd.i32 %q[even], %q[even], %q[product]\n\t"  \
  "vmullt.s16 %q[product], %q[a], %q[" W "]\n\t"  \
  "vadd.i32 %q[odd], %q[odd], %q[product]\n\t"
#define QB_DEPTHWISE_WEIGHTS(W, OFFSET) "vldrb.s16 %q[" W "], [%[w], #" OFFSET "]\n\t"
  // The window's nine taps; NEXT_ROW moves p0 on a row (and the column pointers with it).
#define QB_DEPTHWISE_WINDOW(FIRST, C0, C1, C2, NEXT_ROW)                    \
  FIRST                                                                     \
  QB_DEPTHWISE_WEIGHTS("w0", "0")                                           \
  QB_DEPTHWISE_TAP(C0, "w0", QB_DEPTHWISE_WEIGHTS("w1", "8"))               \
  QB_DEPTHWISE_TAP(C1, "w1", QB_DEPTHWISE_WEIGHTS("w0", "16"))              \
  QB_DEPTHWISE_TAP(C2, "w0", QB_DEPTHWISE_WEIGHTS("w1", "24"))              \
  NEXT_ROW                                                                  \
  QB_DEPTHWISE_TAP(C0, "w1", QB_DEPTHWISE_WEIGHTS("w0", "32"))              \
  QB_DEPTHWISE_TAP(C1, "w0", QB_DEPTHWISE_WEIGHTS("w1", "40"))              \
  QB_DEPTHWISE_TAP(C2, "w1", QB_DEPTHWISE_WEIGHTS("w0", "48"))              \
  NEXT_ROW                                                                  \
  QB_DEPTHWISE_TAP(C0, "w0", QB_DEPTHWISE_WEIGHTS("w1", "56"))              \
  QB_DEPTHWISE_TAP(C1, "w1", QB_DEPTHWISE_WEIGHTS("w0", "64"))              \
  QB_DEPTHWISE_TAP(C2, "w0", "")
#define QB_DEPTHWISE_OPERANDS                                                            \
  : [even] "+w"(acc.even), [odd] "+w"(acc.odd), [a] "=&w"(a), [w0] "=&w"(w0),            \
    [w1] "=&w"(w1), [product] "=&w"(product), [p0] "=&l"(p0), [p1] "=&l"(p1),            \
    [p2] "=&l"(p2)                                                                       \
  : [x] "r"(x), [w] "l"(w), [cs] "r"(cs), [rs] "r"(rs)                                   \
  : "memory"
  if constexpr (kCells) {
    __asm__(QB_DEPTHWISE_WINDOW("mov %[p0], %[x]\n\t", "[%[p0]]", "[%[p0], #8]",
                                "[%[p0], #16]", "add %[p0], %[p0], %[rs]\n\t")
            QB_DEPTHWISE_OPERANDS);
  } else {
    __asm__(QB_DEPTHWISE_WINDOW(
                "mov %[p0], %[x]\n\tadd %[p1], %[p0], %[cs]\n\tadd %[p2], %[p1], %[cs]\n\t",
                "[%[p0]]", "[%[p1]]", "[%[p2]]",
                "add %[p0], %[p0], %[rs]\n\tadd %[p1], %[p1], %[rs]\n\tadd %[p2], %[p2], %[rs]\n\t")
            QB_DEPTHWISE_OPERANDS);
  }
#undef QB_DEPTHWISE_OPERANDS
#undef QB_DEPTHWISE_WINDOW
#undef QB_DEPTHWISE_WEIGHTS
#undef QB_DEPTHWISE_TAP
}

// Six taps of a 3x3 window whose left or right column is outside the input: the other
// two columns. x: the window's first inside tap (row 0), w: the table's weights of that
// column (row 0); rows are 24 table bytes apart.
inline void taps_3x2(Accumulators& acc, const int8_t* x, const int8_t* w, int32_t cs,
                     int32_t rs) {
  int16x8_t a, b;
  int32x4_t product;
  const int8_t* p0;
  const int8_t* p1;
#define QB_DEPTHWISE_TAP(P, OFFSET)                \
  "vldrb.s16 %q[a], [%[" P "]]\n\t"               \
  "vldrb.s16 %q[b], [%[w], #" OFFSET "]\n\t"      \
  "vmullb.s16 %q[product], %q[a], %q[b]\n\t"      \
  "vadd.i32 %q[even], %q[even], %q[product]\n\t"  \
  "vmullt.s16 %q[product], %q[a], %q[b]\n\t"      \
  "vadd.i32 %q[odd], %q[odd], %q[product]\n\t"
  __asm__(
      "mov %[p0], %[x]\n\t"
      "add %[p1], %[p0], %[cs]\n\t"
      QB_DEPTHWISE_TAP("p0", "0")
      QB_DEPTHWISE_TAP("p1", "8")
      "add %[p0], %[p0], %[rs]\n\t"
      "add %[p1], %[p0], %[cs]\n\t"
      QB_DEPTHWISE_TAP("p0", "24")
      QB_DEPTHWISE_TAP("p1", "32")
      "add %[p0], %[p0], %[rs]\n\t"
      "add %[p1], %[p0], %[cs]\n\t"
      QB_DEPTHWISE_TAP("p0", "48")
      QB_DEPTHWISE_TAP("p1", "56")
      : [even] "+w"(acc.even), [odd] "+w"(acc.odd), [a] "=&w"(a), [b] "=&w"(b),
        [product] "=&w"(product), [p0] "=&l"(p0), [p1] "=&l"(p1)
      : [x] "r"(x), [w] "l"(w), [cs] "r"(cs), [rs] "r"(rs)
      : "memory");
#undef QB_DEPTHWISE_TAP
}

// One tap of a window pair's asm: input register X against weights W onto the
// accumulators ACC "e" (even lanes) and ACC "o" (odd), through %q[product].
#define QB_DW_MAC(ACC, X, W)                                \
  "vmullb.s16 %q[product], %q[" X "], %q[" W "]\n\t"        \
  "vadd.i32 %q[" ACC "e], %q[" ACC "e], %q[product]\n\t"    \
  "vmullt.s16 %q[product], %q[" X "], %q[" W "]\n\t"        \
  "vadd.i32 %q[" ACC "o], %q[" ACC "o], %q[product]\n\t"

// One line of a window pair's taps (asm; a filter row of two horizontally adjacent
// windows, or a filter column of two vertically adjacent ones): the four inputs the two
// windows cover on it, at A0..A3, input j feeding the first window with the line's weight
// j and the second with weight j - 1; the weights, at table offsets W0..W2, alternate
// between two registers (a weight is dead once both windows have used it). 7 loads and
// 24 multiplies and adds. For Cortex-M55's beat overlap (across pipes only, and not
// across a scalar instruction) the weight loads sit between a multiply and its add, and
// the line's pointer arithmetic (MOVE) is one group at its start.
#define QB_DW_PAIR_LINE(W0, W1, W2, MOVE, A0, A1, A2, A3)  \
  MOVE                                                     \
  "vldrb.s16 %q[w_even], [%[w], #" W0 "]\n\t"              \
  "vldrb.s16 %q[a], " A0 "\n\t"                            \
  "vmullb.s16 %q[product], %q[a], %q[w_even]\n\t"          \
  "vldrb.s16 %q[w_odd], [%[w], #" W1 "]\n\t"               \
  "vadd.i32 %q[fe], %q[fe], %q[product]\n\t"               \
  "vmullt.s16 %q[product], %q[a], %q[w_even]\n\t"          \
  "vadd.i32 %q[fo], %q[fo], %q[product]\n\t"               \
  "vldrb.s16 %q[a], " A1 "\n\t"                            \
  QB_DW_MAC("f", "a", "w_odd")                             \
  "vmullb.s16 %q[product], %q[a], %q[w_even]\n\t"          \
  "vadd.i32 %q[se], %q[se], %q[product]\n\t"               \
  "vmullt.s16 %q[product], %q[a], %q[w_even]\n\t"          \
  "vldrb.s16 %q[w_even], [%[w], #" W2 "]\n\t"              \
  "vadd.i32 %q[so], %q[so], %q[product]\n\t"               \
  "vldrb.s16 %q[a], " A2 "\n\t"                            \
  QB_DW_MAC("f", "a", "w_even")                            \
  QB_DW_MAC("s", "a", "w_odd")                             \
  "vldrb.s16 %q[a], " A3 "\n\t"                            \
  QB_DW_MAC("s", "a", "w_even")

// The operands of a window pair's taps: the two windows' accumulators, the line
// registers, and four low-register pointers P0..P3 (widening loads take no other base).
#define QB_DW_PAIR_OPERANDS(P0, P1, P2, P3)                                                \
  : [fe] "+w"(first.even), [fo] "+w"(first.odd), [se] "+w"(second.even),                   \
    [so] "+w"(second.odd), [a] "=&w"(a), [w_even] "=&w"(w_even), [w_odd] "=&w"(w_odd),     \
    [product] "=&w"(product), [P0] "=&l"(p0), [P1] "=&l"(p1), [P2] "=&l"(p2),              \
    [P3] "=&l"(p3)                                                                         \
  : [x] "r"(x), [w] "l"(w), [cs] "r"(cs), [rs] "r"(rs)                                     \
  : "memory"

// The nine taps of two horizontally adjacent 3x3 windows, stride 1 (the second starts
// cs bytes after the first): one pair line per filter row, over the row's four input
// columns. 21 loads and 72 multiplies and adds for both windows, against 36 and 72 one
// window at a time, and all eight vector registers in use. Over the padded copies only
// (8-byte cells, so every column is an immediate offset from the row).
inline void taps_3x3_pair(Accumulators& first, Accumulators& second, const int8_t* x,
                          const int8_t* w, int32_t cs, int32_t rs) {
  int16x8_t a, w_even, w_odd;
  int32x4_t product;
  const int8_t *p0, *p1, *p2, *p3;
#define QB_DEPTHWISE_PAIR(COLUMNS, A0, A1, A2, A3)                 \
  "mov %[row], %[x]\n\t"                                           \
  QB_DW_PAIR_LINE("0", "8", "16", COLUMNS, A0, A1, A2, A3)         \
  "add %[row], %[row], %[rs]\n\t"                                  \
  QB_DW_PAIR_LINE("24", "32", "40", COLUMNS, A0, A1, A2, A3)       \
  "add %[row], %[row], %[rs]\n\t"                                  \
  QB_DW_PAIR_LINE("48", "56", "64", COLUMNS, A0, A1, A2, A3)
  __asm__(QB_DEPTHWISE_PAIR("", "[%[row]]", "[%[row], #8]", "[%[row], #16]", "[%[row], #24]")
          QB_DW_PAIR_OPERANDS(row, c1, c2, c3));
#undef QB_DEPTHWISE_PAIR
}

// The nine taps of two vertically adjacent 3x3 windows, stride 1 (the second starts rs
// bytes after the first): the same pair lines per filter column, over the column's four
// input rows, for rows too narrow to pair horizontally (KWS's five columns). Not for the
// padded copies (kCells): on the small images that use them it saved 5% of instructions
// but under 1% of estimated cycles, for 1.4 KB of code.
inline void taps_3x3_vpair(Accumulators& first, Accumulators& second, const int8_t* x,
                           const int8_t* w, int32_t cs, int32_t rs) {
  int16x8_t a, w_even, w_odd;
  int32x4_t product;
  const int8_t *p0, *p1, *p2, *p3;
#define QB_DEPTHWISE_NEXT_COLUMN         \
  "add %[r0], %[r0], %[cs]\n\t"          \
  "add %[r1], %[r1], %[cs]\n\t"          \
  "add %[r2], %[r2], %[cs]\n\t"          \
  "add %[r3], %[r3], %[cs]\n\t"
  __asm__("mov %[r0], %[x]\n\t"
          "add %[r1], %[r0], %[rs]\n\t"
          "add %[r2], %[r1], %[rs]\n\t"
          "add %[r3], %[r2], %[rs]\n\t"
          QB_DW_PAIR_LINE("0", "24", "48", "", "[%[r0]]", "[%[r1]]", "[%[r2]]", "[%[r3]]")
          QB_DW_PAIR_LINE("8", "32", "56", QB_DEPTHWISE_NEXT_COLUMN, "[%[r0]]", "[%[r1]]",
                          "[%[r2]]", "[%[r3]]")
          QB_DW_PAIR_LINE("16", "40", "64", QB_DEPTHWISE_NEXT_COLUMN, "[%[r0]]", "[%[r1]]",
                          "[%[r2]]", "[%[r3]]")
          QB_DW_PAIR_OPERANDS(r0, r1, r2, r3));
#undef QB_DEPTHWISE_NEXT_COLUMN
}

// The nine taps of two horizontally adjacent 3x3 windows, stride 2 (the second starts
// 2 * cs bytes after the first): per filter row the five input columns the two windows
// cover are loaded once, the middle one kept in a register until the row's last weight
// (it is the first window's column 2 and the second's column 0), and each of the row's
// three weights serves both windows: 24 loads for the pair, against 36 one window at a
// time. All eight vector registers in use; over the padded copies only, as taps_3x3_pair.
inline void taps_3x3_pair_s2(Accumulators& first, Accumulators& second, const int8_t* x,
                             const int8_t* w, int32_t rs) {
  int16x8_t a, mid, weight;
  int32x4_t product;
  const int8_t* row;
#define QB_DEPTHWISE_MAC(ACC, X) QB_DW_MAC(ACC, X, "weight")
  // Row R: weights at R * 24 + 0, 8, 16 of the table; the five input columns are the
  // row's cells 0..4.
#define QB_DEPTHWISE_S2_ROW(W0, W1, W2)                        \
  "vldrb.s16 %q[weight], [%[w], #" W0 "]\n\t"                 \
  "vldrb.s16 %q[a], [%[row]]\n\t"                             \
  "vldrb.s16 %q[mid], [%[row], #16]\n\t"                      \
  QB_DEPTHWISE_MAC("f", "a")                                  \
  "vldrb.s16 %q[a], [%[row], #8]\n\t"                         \
  QB_DEPTHWISE_MAC("s", "mid")                                \
  "vldrb.s16 %q[weight], [%[w], #" W1 "]\n\t"                 \
  QB_DEPTHWISE_MAC("f", "a")                                  \
  "vldrb.s16 %q[a], [%[row], #24]\n\t"                        \
  QB_DEPTHWISE_MAC("s", "a")                                  \
  "vldrb.s16 %q[weight], [%[w], #" W2 "]\n\t"                 \
  QB_DEPTHWISE_MAC("f", "mid")                                \
  "vldrb.s16 %q[a], [%[row], #32]\n\t"                        \
  QB_DEPTHWISE_MAC("s", "a")
  __asm__("mov %[row], %[x]\n\t"
          QB_DEPTHWISE_S2_ROW("0", "8", "16")
          "add %[row], %[row], %[rs]\n\t"
          QB_DEPTHWISE_S2_ROW("24", "32", "40")
          "add %[row], %[row], %[rs]\n\t"
          QB_DEPTHWISE_S2_ROW("48", "56", "64")
          : [fe] "+w"(first.even), [fo] "+w"(first.odd), [se] "+w"(second.even),
            [so] "+w"(second.odd), [a] "=&w"(a), [mid] "=&w"(mid), [weight] "=&w"(weight),
            [product] "=&w"(product), [row] "=&l"(row)
          : [x] "r"(x), [w] "l"(w), [rs] "r"(rs)
          : "memory");
#undef QB_DEPTHWISE_S2_ROW
#undef QB_DEPTHWISE_MAC
}

// Output rows [oy_begin, oy_end) of one output column of a full block and a 3x3 filter
// whose windows lie inside the input vertically but have their left (kRight = false) or
// right column outside it: the other six taps onto the matching corrected bias.
// x: the first window's first inside tap.
template <Rounding kRounding, bool kRight>
__attribute__((noinline)) void edge_column_3x3(const BlockTable* t, const int8_t* x,
                                               int32_t rows, int32_t x_row_step, int32_t cs,
                                               int32_t rs, int8_t* out, int32_t out_row_step) {
  const int8_t* w = &t->weights[kRight ? 0 : 1][0];
  for (int32_t y = 0; y < rows; ++y, x += x_row_step, out += out_row_step) {
    Accumulators acc = kRight ? Accumulators{t->right_even, t->right_odd}
                              : Accumulators{t->left_even, t->left_odd};
    taps_3x2(acc, x, w, cs, rs);
    store_pixel<kRounding, false>(t, acc, vctp16q(8), out);
  }
}

// A rows x cols rectangle as in interior_singles_3x3 (which calls it), for an even number
// of rows at vertical stride 1: two vertically adjacent windows at a time
// (taps_3x3_vpair), a row pair's columns in the inner loop.
template <Rounding kRounding>
__attribute__((noinline)) void interior_vpairs_3x3(const BlockTable* t, const int8_t* x,
                                                   int32_t rows, int32_t cols, int32_t x_step,
                                                   int32_t cs, int32_t rs, int8_t* out,
                                                   int32_t out_step, int32_t out_row_step) {
  for (int32_t y = 0; y < rows; y += 2, x += 2 * rs, out += 2 * out_row_step) {
    const int8_t* xp = x;
    int8_t* op = out;
    for (int32_t i = 0; i < cols; ++i, xp += x_step, op += out_step) {
      Accumulators first{t->bias_even, t->bias_odd}, second{t->bias_even, t->bias_odd};
      taps_3x3_vpair(first, second, xp, &t->weights[0][0], cs, rs);
      store_pixel_pair<kRounding>(t, first, second, op, op + out_row_step);
    }
  }
}

// A rows x cols rectangle of output pixels of a full block whose 3x3 windows lie inside
// the input, one window at a time (but, outside the padded copies, pairs of rows at
// vertical stride 1 two windows at a time through interior_vpairs_3x3: rows too narrow
// for horizontal pairs); x: the first window's top-left tap, x_step / x_row_step input
// bytes between horizontally / vertically adjacent windows. Not inlined, and every
// constant read through t, so the loop's state fits the core registers.
template <Rounding kRounding, bool kCells>
__attribute__((noinline)) void interior_singles_3x3(const BlockTable* t, const int8_t* x,
                                                    int32_t rows, int32_t cols, int32_t x_step,
                                                    int32_t x_row_step, int32_t cs, int32_t rs,
                                                    int8_t* out, int32_t out_step,
                                                    int32_t out_row_step) {
  if (!kCells && x_row_step == rs && rows >= 2) {
    const int32_t row_pairs = rows & ~1;
    interior_vpairs_3x3<kRounding>(t, x, row_pairs, cols, x_step, cs, rs, out, out_step,
                                   out_row_step);
    x += row_pairs * rs;
    out += row_pairs * out_row_step;
    rows -= row_pairs;
  }
  for (int32_t y = 0; y < rows; ++y, x += x_row_step, out += out_row_step) {
    const int8_t* xp = x;
    int8_t* op = out;
    for (int32_t i = 0; i < cols; ++i, xp += x_step, op += out_step) {
      Accumulators acc{t->bias_even, t->bias_odd};
      taps_3x3<kCells>(acc, xp, &t->weights[0][0], cs, rs);
      store_pixel<kRounding, false>(t, acc, vctp16q(8), op);
    }
  }
}

// The same for stride kStride (1 or 2) and an even number of columns, two windows at a
// time (taps_3x3_pair, taps_3x3_pair_s2). Its own function: in one loop with the single
// windows GCC spills the single windows' state.
template <Rounding kRounding, int32_t kStride>
__attribute__((noinline)) void interior_pairs_3x3(const BlockTable* t, const int8_t* x,
                                                  int32_t rows, int32_t cols, int32_t x_row_step,
                                                  int32_t cs, int32_t rs, int8_t* out,
                                                  int32_t out_step, int32_t out_row_step) {
  for (int32_t y = 0; y < rows; ++y, x += x_row_step, out += out_row_step) {
    const int8_t* xp = x;
    int8_t* op = out;
    for (int32_t i = 0; i < cols; i += 2, xp += 2 * kStride * cs, op += 2 * out_step) {
      Accumulators first{t->bias_even, t->bias_odd}, second{t->bias_even, t->bias_odd};
      if constexpr (kStride == 1) {
        taps_3x3_pair(first, second, xp, &t->weights[0][0], cs, rs);
      } else {
        taps_3x3_pair_s2(first, second, xp, &t->weights[0][0], rs);
      }
      store_pixel_pair<kRounding>(t, first, second, op, op + out_step);
    }
  }
}

// The rectangle: window pairs where the stride is 1 or 2 and rows have at least four
// windows, single windows (or vertical pairs, see interior_singles_3x3) for the rest.
// (Three windows a row cost more as a pair and a single in two loops than as three
// singles: 3% more instructions at stride 1, in the MLPerf KWS model; 4% more and 9% more
// estimated cycles at stride 2, in VWW's op23.) Only the padded copies pair. At stride 1
// a large interior of the input itself goes a channel at a time (interior_columns_3x3),
// and the rest (small interiors, a column walk's one or two left-over columns) takes the
// singles and vertical pairs, which cost about what the pairs did there (VWW's op9, a
// 10 x 10 interior: 2% fewer instructions). At stride 2 the singles cost more than pairs
// over the input would (VWW's op7: 6% more instructions, 1.5% more estimated cycles), but
// those pairs' two copies took 1.6 KB of flash, which the 64-deep pointwise pairs
// (fixed_depth_pairs_mve.h) use better.
template <Rounding kRounding>
void interior_rect_3x3(const BlockTable* t, const int8_t* x, int32_t rows, int32_t cols,
                       int32_t x_step, int32_t x_row_step, int32_t cs, int32_t rs, int8_t* out,
                       int32_t out_step, int32_t out_row_step) {
  const bool s1 = x_step == cs, s2 = x_step == 2 * cs;
  // The padded copies (small images, rows over the top or bottom) are 8-byte cells.
  const bool cells = cs == 8;
  const int32_t paired = (s1 || s2) && cells && cols >= 4 ? cols & ~1 : 0;
  if (paired > 0) {
    void (*const run)(const BlockTable*, const int8_t*, int32_t, int32_t, int32_t, int32_t,
                      int32_t, int8_t*, int32_t, int32_t) =
        s1 ? interior_pairs_3x3<kRounding, 1> : interior_pairs_3x3<kRounding, 2>;
    run(t, x, rows, paired, x_row_step, cs, rs, out, out_step, out_row_step);
  }
  if (paired < cols) {
    if (cells) {
      interior_singles_3x3<kRounding, true>(t, x + paired * x_step, rows, cols - paired, x_step,
                                            x_row_step, cs, rs, out + paired * out_step, out_step,
                                            out_row_step);
    } else {
      interior_singles_3x3<kRounding, false>(t, x + paired * x_step, rows, cols - paired, x_step,
                                             x_row_step, cs, rs, out + paired * out_step, out_step,
                                             out_row_step);
    }
  }
}

// Every output pixel of a full block of a small image with a 3x3 filter and a border (the
// late layers of a MobileNet: 3 x 3 to 6 x 6 pixels of 128 or more channels): the block's
// bytes of the inside cells are copied into the padded image, whose border cells hold the
// zero point from the start of the layer, and the interior kernel then runs every pixel
// in one call. On images this small the bands and edge columns below would cost more in
// set-up than in taps.
template <Rounding kRounding>
__attribute__((noinline)) void small_padded_image(const BlockTable* t, const Geometry& g,
                                                  const int8_t* image, int8_t* out_image) {
  const int32_t cs = g.in.c, rs = g.in.w * g.in.c, cols = g.padded_cols;
  const int32_t r_begin = g.pad_top, c_begin = g.pad_left;
  const int32_t r_end = g.pad_top + g.in.h < g.padded_rows ? g.pad_top + g.in.h : g.padded_rows;
  const int32_t c_end = g.pad_left + g.in.w < cols ? g.pad_left + g.in.w : cols;
  for (int32_t r = r_begin; r < r_end; ++r) {
    const int8_t* x = image + (r - g.pad_top) * rs;
    int8_t* cell = g.padded + (r * cols + c_begin) * 8;
    // Eight bytes a cell: a widening load and a narrowing store need no predicate.
    for (int32_t j = c_begin; j < c_end; ++j, x += cs, cell += 8) vstrbq_s16(cell, vldrbq_s16(x));
  }
  interior_rect_3x3<kRounding>(t, g.padded, g.out.h, g.out.w, g.stride_w * 8, g.stride_h * cols * 8,
                               8, cols * 8, out_image, g.out.c, g.out.w * g.out.c);
}

// Output rows [oy_begin, oy_end), every column, of a full block and a 3x3 filter, where
// windows leave the input at the top or bottom: for each row, the block's bytes of the
// windows' three input rows are copied into a small zero-point-padded buffer (at most
// kPaddedColumns columns at a time), which the interior kernel then reads like any input.
template <Rounding kRounding>
__attribute__((noinline)) void padded_rows_3x3(const BlockTable* t, const Geometry& g,
                                               const int8_t* image, int8_t* out_image,
                                               int32_t oy_begin, int32_t oy_end) {
  alignas(8) int8_t padded[3][kPaddedColumns][8];
  const int32_t cs = g.in.c, rs = g.in.w * g.in.c;
  const int32_t per_copy = (kPaddedColumns - 3) / g.stride_w + 1;
  for (int32_t oy = oy_begin; oy < oy_end; ++oy) {
    const int32_t iy0 = oy * g.stride_h - g.pad_top;
    int8_t* out_row = out_image + oy * g.out.w * g.out.c;
    for (int32_t ox = 0; ox < g.out.w; ox += per_copy) {
      const int32_t count = g.out.w - ox < per_copy ? g.out.w - ox : per_copy;
      const int32_t ix_begin = ox * g.stride_w - g.pad_left;
      const int32_t columns = (count - 1) * g.stride_w + 3;
      for (int32_t r = 0; r < 3; ++r) {
        const int32_t iy = iy0 + r;
        const bool row_inside = iy >= 0 && iy < g.in.h;
        for (int32_t j = 0, ix = ix_begin; j < columns; ++j, ++ix) {
          const bool inside = row_inside && ix >= 0 && ix < g.in.w;
          vstrbq_s16(padded[r][j],
                     inside ? vldrbq_s16(image + iy * rs + ix * cs) : t->zero_point);
        }
      }
      interior_rect_3x3<kRounding>(t, &padded[0][0][0], 1, count, g.stride_w * 8, 0, 8,
                                   kPaddedColumns * 8, out_row + ox * g.out.c, g.out.c, 0);
    }
  }
}

// Output rows [oy_begin, oy_end) x columns [ox_begin, ox_end), any filter and any
// position: only the taps inside the input, each as (x + input_offset) * w onto the
// unfolded bias, exactly the reference's sum. w0: tap 0's weights, w_step bytes per tap
// (the table's 8, or the filter's channel count).
template <Rounding kRounding, bool kTail>
__attribute__((noinline)) void general_rect(const BlockTable* t, const Geometry& g,
                                            const int8_t* image, int8_t* out_image,
                                            int32_t oy_begin, int32_t oy_end, int32_t ox_begin,
                                            int32_t ox_end, const int8_t* w0, int32_t w_step,
                                            mve_pred16_t lanes) {
  const int32_t cs = g.in.c, rs = g.in.w * g.in.c;
  const int16_t offset = static_cast<int16_t>(t->input_offset);
  for (int32_t oy = oy_begin; oy < oy_end; ++oy) {
    const int32_t iy0 = oy * g.stride_h - g.pad_top;
    const int32_t ky_begin = iy0 < 0 ? -iy0 : 0;
    const int32_t ky_end = g.in.h - iy0 < g.kh ? g.in.h - iy0 : g.kh;
    int8_t* out_row = out_image + oy * g.out.w * g.out.c;
    for (int32_t ox = ox_begin; ox < ox_end; ++ox) {
      const int32_t ix0 = ox * g.stride_w - g.pad_left;
      const int32_t kx_begin = ix0 < 0 ? -ix0 : 0;
      const int32_t kx_end = g.in.w - ix0 < g.kw ? g.in.w - ix0 : g.kw;
      Accumulators acc{t->raw_bias_even, t->raw_bias_odd};
      for (int32_t ky = ky_begin; ky < ky_end; ++ky) {
        const int8_t* x = image + (iy0 + ky) * rs + (ix0 + kx_begin) * cs;
        const int8_t* w = w0 + (ky * g.kw + kx_begin) * w_step;
        for (int32_t kx = kx_begin; kx < kx_end; ++kx, x += cs, w += w_step) {
          accumulate(acc, vaddq_n_s16(load_input<kTail>(x, lanes), offset),
                     load_input<kTail>(w, lanes));
        }
      }
      store_pixel<kRounding, kTail>(t, acc, lanes, out_row + ox * g.out.c);
    }
  }
}

// Output rows a column walk takes at most (its buffer is on the stack, 16 bytes a row and
// two more); taller interiors take more walks.
constexpr int32_t kWalkRows = 48;

// Interior outputs below which a layer's interior stays with the blocks: the column
// walks' set-up (measured on the kernels suite's 32x32x64 layer: about 135 instructions
// a channel and 76 a column of four, outside the loops) outweighs what they save (VWW's
// op9, a 10 x 10 interior of 64 channels: 3% fewer instructions but 12% more estimated
// cycles; its op5, 22 x 22: 23% and 6% fewer).
constexpr int32_t kMinColumnOutputs = 256;

// The interior rectangle (rows x cols outputs from out, windows from x; rows >= 2, cols >=
// 4, vertical stride 1 or 2) of channels [0, channels), a channel at a time through the column
// walks (depthwise_columns_mve.h), in columns of four and walks of up to kWalkRows rows. A
// last walk shorter than two rows starts a row early, and three columns left over take a
// column that overlaps the one before: the same outputs again, stored again. Returns how
// many columns it did (one or two left over are the blocks' own, see block()).
__attribute__((noinline)) int32_t interior_columns_3x3(const ConvArgs& a, const int8_t* x,
                                                       int8_t* out, int32_t rows, int32_t cols,
                                                       int32_t stride_h, int32_t stride_w,
                                                       int32_t channels, bool any_shifts) {
  const int32_t cs = a.input_shape.c, rs = a.input_shape.w * cs;
  const int32_t oc = a.output_shape.c, ors = a.output_shape.w * oc;
  alignas(16) int32_t sums[(kWalkRows + 2) * 4];
  ColumnsJob job;
  job.in_row = rs;
  job.sums = sums;
  job.strip_step = 4 * stride_w * cs;
  job.out_pair = 2 * ors;
  job.out_step = 4 * oc;
  job.offset = a.params.output_offset;
  const uint32x4_t first = vmulq_n_u32(vidupq_n_u32(0, 1), static_cast<uint32_t>(stride_w * cs));
  job.columns[0] = first;
  job.columns[1] = vaddq_n_u32(first, static_cast<uint32_t>(cs));
  job.columns[2] = vaddq_n_u32(first, static_cast<uint32_t>(2 * cs));
  job.lo = vdupq_n_s16(static_cast<int16_t>(a.params.act_min));
  job.hi = vdupq_n_s16(static_cast<int16_t>(a.params.act_max));
  // Row r's four outputs from the even int16 lanes, row r + 1's from the odd ones.
  const uint16x8_t lane = vidupq_n_u16(0, 1);
  job.offsets = vaddq_u16(vmulq_n_u16(vshrq_n_u16(lane, 1), static_cast<uint16_t>(oc)),
                          vmulq_n_u16(vandq_u16(lane, vdupq_n_u16(1)), static_cast<uint16_t>(ors)));
  void (*const run)(ColumnsJob*) =
      any_shifts ? qb_mve_dw_columns_any_shifts : qb_mve_dw_columns_right_shifts;
  const int32_t whole = cols / 4, overlap = cols % 4 == 3 ? 1 : 0;
  for (int32_t c = 0; c < channels; ++c) {
    const int8_t* f = a.filter + c;
    job.bias = a.folded_bias[c];
    for (int32_t k = 1; k < 9; ++k) job.weights[k - 1] = f[k * cs];
    job.first_tap = vdupq_n_s32(f[0]);
    const ScalarRequant q = scalar_requant(a.requant.multiplier[c], a.requant.shift[c]);
    job.multiplier = q.multiplier;
    job.right = q.right;
    job.left = q.left;
    job.tie = q.tie;
    for (int32_t y = 0; y < rows; y += kWalkRows) {
      int32_t top = y, n = rows - y < kWalkRows ? rows - y : kWalkRows;
      if (n < 2) top = rows - 2, n = 2;
      set_walk(job, n, stride_h, any_shifts);
      for (int32_t side = 0; side <= overlap; ++side) {
        const int32_t first_col = side == 0 ? 0 : cols - 4;
        job.strips = side == 0 ? whole : 1;
        job.x = x + c + top * stride_h * rs + first_col * stride_w * cs;
        job.out = out + c + top * ors + first_col * oc;
        run(&job);
      }
    }
  }
  return overlap != 0 ? cols : 4 * whole;
}

// One block (eight channels, or `lanes` of them) of every output pixel.
template <Rounding kRounding, bool kTail>
void block(const Geometry& g, const BlockTable& t, const int8_t* filter, bool table_weights,
           int32_t c, mve_pred16_t lanes) {
  const int32_t cs = g.in.c, rs = g.in.w * g.in.c;
  const int8_t* w0 = table_weights ? &t.weights[0][0] : filter + c;
  const int32_t w_step = table_weights ? 8 : cs;
  const bool unrolled = !kTail && g.kh == 3 && g.kw == 3 && table_weights;
  const Interior in = interior_of(g);
  const int32_t x_begin = in.x_begin, x_end = in.x_end, y_begin = in.y_begin, y_end = in.y_end;
  for (int32_t b = 0; b < g.in.n; ++b) {
    const int8_t* image = g.input + b * g.in.h * rs + c;
    int8_t* out_image = g.output + b * g.out.h * g.out.w * g.out.c + c;
    if (unrolled && g.padded != nullptr) {
      small_padded_image<kRounding>(&t, g, image, out_image);
      continue;
    }
    if (!unrolled || x_begin == x_end) {
      general_rect<kRounding, kTail>(&t, g, image, out_image, 0, g.out.h, 0, g.out.w, w0, w_step,
                                     lanes);
      continue;
    }
    // The bands around the interior rectangle, then the rectangle itself.
    if (y_begin > 0) padded_rows_3x3<kRounding>(&t, g, image, out_image, 0, y_begin);
    if (y_end < g.out.h) padded_rows_3x3<kRounding>(&t, g, image, out_image, y_end, g.out.h);
    if (y_begin == y_end) continue;
    const int32_t iy0 = y_begin * g.stride_h - g.pad_top;
    const int32_t rows = y_end - y_begin;
    // A single edge column one input column over the edge has its own kernel.
    if (x_begin == 1 && g.pad_left == 1) {
      edge_column_3x3<kRounding, false>(&t, image + iy0 * rs, rows, g.stride_h * rs, cs, rs,
                                        out_image + y_begin * g.out.w * g.out.c, g.out.w * g.out.c);
    } else if (x_begin > 0) {
      general_rect<kRounding, kTail>(&t, g, image, out_image, y_begin, y_end, 0, x_begin, w0,
                                     w_step, lanes);
    }
    const int32_t last_ix0 = (g.out.w - 1) * g.stride_w - g.pad_left;
    if (x_end == g.out.w - 1 && last_ix0 + 3 == g.in.w + 1) {
      edge_column_3x3<kRounding, true>(&t, image + iy0 * rs + last_ix0 * cs, rows, g.stride_h * rs,
                                       cs, rs, out_image + (y_begin * g.out.w + x_end) * g.out.c,
                                       g.out.w * g.out.c);
    } else if (x_end < g.out.w) {
      general_rect<kRounding, kTail>(&t, g, image, out_image, y_begin, y_end, x_end, g.out.w, w0,
                                     w_step, lanes);
    }
    const int32_t done = kTail ? 0 : g.interior_cols_done;
    if (x_begin + done == x_end) continue;
    const int32_t ix0 = (x_begin + done) * g.stride_w - g.pad_left;
    interior_rect_3x3<kRounding>(&t, image + iy0 * rs + ix0 * cs, y_end - y_begin,
                                 x_end - x_begin - done, g.stride_w * cs, g.stride_h * rs, cs, rs,
                                 out_image + (y_begin * g.out.w + x_begin + done) * g.out.c,
                                 g.out.c, g.out.w * g.out.c);
  }
}

template <Rounding kRounding>
void depthwise_impl(const ConvArgs& a) {
  const ConvParams& cp = a.params;
  Geometry g{a.input,         a.output,    a.input_shape, a.output_shape,
             a.filter_shape.h, a.filter_shape.w, cp.stride_h, cp.stride_w,
             cp.pad_top,      cp.pad_left};
  const bool table_weights = g.kh * g.kw <= kMaxTableTaps;
  const int32_t channels = a.input_shape.c;
  BlockTable t;
  t.lo = vdupq_n_s16(static_cast<int16_t>(cp.act_min));
  t.hi = vdupq_n_s16(static_cast<int16_t>(cp.act_max));
  t.input_offset = cp.input_offset;
  t.zero_point = vdupq_n_s16(static_cast<int16_t>(-cp.input_offset));
  t.output_offset = cp.output_offset;
  // A small image with a border runs through a padded copy (small_padded_image), whose
  // border is the zero point for every block.
  alignas(8) int8_t padded[kSmallImageBytes];
  const int32_t rows = (g.out.h - 1) * g.stride_h + 3, cols = (g.out.w - 1) * g.stride_w + 3;
  const bool bordered = g.pad_top > 0 || g.pad_left > 0 || rows - g.pad_top > g.in.h ||
                        cols - g.pad_left > g.in.w;
  if (g.kh == 3 && g.kw == 3 && table_weights && channels >= 8 && bordered &&
      rows * cols * 8 <= kSmallImageBytes) {
    for (int32_t i = 0; i < rows * cols; ++i) vstrbq_s16(padded + 8 * i, t.zero_point);
    g.padded = padded;
    g.padded_rows = rows;
    g.padded_cols = cols;
  }
  // The full blocks' interior a channel at a time where it is large enough
  // (kMinColumnOutputs), has whole columns of four and at least two rows, and the
  // eight-byte scatter reaches the next row.
  const Interior in = interior_of(g);
  const int32_t out_row = g.out.w * g.out.c;
  const int32_t in_rows = in.y_end - in.y_begin, in_cols = in.x_end - in.x_begin;
  if (g.kh == 3 && g.kw == 3 && g.padded == nullptr && g.stride_h <= 2 && channels >= 8 &&
      in_rows >= 2 && in_cols >= 4 && in_rows * in_cols >= kMinColumnOutputs &&
      out_row + 3 * g.out.c <= 65535) {
    const int32_t iy0 = in.y_begin * g.stride_h - g.pad_top;
    const int32_t ix0 = in.x_begin * g.stride_w - g.pad_left;
    for (int32_t b = 0; b < g.in.n; ++b) {
      g.interior_cols_done = interior_columns_3x3(
          a, a.input + ((b * g.in.h + iy0) * g.in.w + ix0) * g.in.c,
          a.output + b * g.out.h * out_row + in.y_begin * out_row + in.x_begin * g.out.c,
          in_rows, in_cols, g.stride_h, g.stride_w, channels & ~7,
          kRounding == Rounding::kAnyShifts);
    }
  }
  int32_t c = 0;
  for (; c + 8 <= channels; c += 8) {
    fill_table<kRounding>(t, a, c, 8, table_weights);
    block<kRounding, false>(g, t, a.filter, table_weights, c, vctp16q(8));
  }
  if (c < channels) {
    const int32_t count = channels - c;
    fill_table<kRounding>(t, a, c, count, table_weights);
    block<kRounding, true>(g, t, a.filter, table_weights, c, vctp16q(static_cast<uint32_t>(count)));
  }
}

}  // namespace

void depthwise_conv2d(const ConvArgs& a) {
  if (any_left_shift(a.requant.shift, a.output_shape.c) ||
      rounding_ties_visible(a.params.act_min, a.params.output_offset)) {
    depthwise_impl<Rounding::kAnyShifts>(a);
  } else {
    depthwise_impl<Rounding::kRightShiftsNoTies>(a);
  }
}

}  // namespace qb::kernels::mve

#endif
