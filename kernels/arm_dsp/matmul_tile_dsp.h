// The multiply core for a tile of columns: every column pair of the tile against one
// output channel pair at a time, with that pair's weight rows sign-extended once per
// tile instead of once per column pair.
//
// Why: the 2-column core (matmul_dsp.h) extends the weights in its block loop (one LDR
// and two SXTB16 per row and block), so a block of 16 MACs costs 15 instructions, and its
// requantization and bookkeeping are paid once per 2 x 2 outputs. Here the two rows are
// extended into a small stack table, interleaved per block ({row 0 even, odd, row 1 even,
// odd}), and one LDM loads a block of both: 10 instructions a block (one LDM of the
// column pair, one of the weights, eight SMLAD; Cortex-M33 loads the weights with two
// LDRD, 11). That takes every register but sp and pc, so the block loop runs four blocks
// a pass (the first pass two, where that leaves a multiple of four) and ends on the table
// pointer reaching the table's end, kept on the stack; columns and table are padded to an
// even number of blocks (the table with a zero block, so whatever the columns' pad holds
// adds nothing). The table costs 7.5 instructions a block per channel pair and tile, so
// the tile must hold enough column pairs to win that back; the callers take this core
// when it holds at least kMinTileColumns columns, else the 2-column core. The column
// pairs sit back to back in the tile, so the column pointer runs on from one pair into
// the next.
//
// The columns are the 2-column core's layout (expand_column and the conv2d column
// builders write them), the tail block included: the weight table's last real block is
// extended from the rows' last four bytes, as the 2-column core loads them.
#pragma once

#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <cstdint>

#include "kernels/arm_dsp/matmul_dsp.h"
#include "kernels/arm_dsp/requant_dsp.h"

namespace qb::kernels::dsp {

// Stack bytes of a tile buffer: the column pairs, then the weight table. It bounds the
// columns a tile holds (8 bytes per column and block of four values), e.g. 46 for a
// 64-value pointwise column, 18 for a 3x3 patch of 16 channels.
inline constexpr int32_t kTileBytes = 6144;
// Fewer columns than this and the per-tile weight table costs more than it saves: in
// instructions that is under six, in the Cortex-M4 timing model (est_cycles) under
// about twelve (a 9-pixel pointwise layer as a tile: -14% insns, +0.5% est_cycles), in
// the Cortex-M33 one, where LDRD loads the table, under eight (the same layer: -10%
// insns, -3.5% est_cycles).
#if defined(__ARM_ARCH_8M_MAIN__)
inline constexpr int32_t kMinTileColumns = 8;
#else
inline constexpr int32_t kMinTileColumns = 12;
#endif

// Whether the callers take this core at all. Cortex-M7 issues two instructions a cycle,
// and the 2-column core's SXTB16 and weight loads issue beside its SMLAD, so there the
// tile saves instructions but not cycles, and the table costs cycles (est_cycles rose
// 1-13% per layer). The build names a dual-issue core (targets/toolchains).
#if defined(QB_CORE_DUAL_ISSUE)
inline constexpr bool kTileCore = false;
#else
inline constexpr bool kTileCore = true;
#endif

// Blocks of four values in a column of k values (the tail block included).
inline int32_t blocks_of(int32_t k) { return (k + 3) >> 2; }

// Blocks the tile core runs per column: blocks_of(k) rounded up to even (its passes run
// four blocks, the first one two when that leaves a multiple of four).
inline int32_t tile_blocks_of(int32_t k) { return (blocks_of(k) + 1) & ~1; }

// Words of a column pair in a tile, and of the weight table (also 2 x 2 words a block).
inline int32_t pair_words(int32_t k) { return 4 * tile_blocks_of(k); }

// Columns a tile buffer holds beside its weight table for k values per column: even, and
// 0 when under kMinTileColumns.
inline int32_t tile_columns(int32_t k) {
  const int32_t columns = ((kTileBytes / 4 - pair_words(k)) / pair_words(k) * 2) & ~1;
  return kTileCore && columns >= kMinTileColumns ? columns : 0;
}

// Where the weight table sits in a tile buffer: past the columns.
inline int32_t* pair_table_of(int32_t* buffer, int32_t k) {
  return buffer + tile_columns(k) / 2 * pair_words(k);
}

// out[p * out_stride + oc] for the tile's columns p in [0, columns) and channels oc in
// [0, channels): the column pairs at tile (s.k values each; an odd last column is slot A
// of a last pair whose B is ignored) against the weight rows at filter, plus folded_bias,
// requantized by quant (a folded table: every entry fast) and clamped by o. pair_table:
// pair_words(s.k) words of scratch.
void matmul_tile(const int32_t* tile, int32_t columns, const MatmulShape& s,
                 const int8_t* filter, const int32_t* folded_bias, const ChannelQuant* quant,
                 int32_t channels, const OutputQuant& o, int8_t* out, int32_t out_stride,
                 int32_t* pair_table);

// Runs the tile core over the pixels [0, pixels) of one channel chunk, a tile at a time
// while at least kMinTileColumns are left (the layer must have tile_columns(s.k) > 0 and
// a folded table): build_next(pair_cols, slot) writes the next pixel's column into `slot`
// of the pair at pair_cols, called in pixel order; an odd tile's last pair gets its A
// column copied as B (computed and dropped). out is pixel 0's output. Returns the first
// pixel not done, for the 2-column core.
template <typename BuildNext>
int32_t matmul_tiles(int32_t* buffer, int32_t pixels, const MatmulShape& s,
                     const int8_t* filter, const int32_t* folded_bias, const ChannelQuant* quant,
                     int32_t channels, const OutputQuant& o, int8_t* out, int32_t out_stride,
                     BuildNext build_next) {
  const int32_t tile_cols = tile_columns(s.k);
  const int32_t pw = pair_words(s.k);
  int32_t p = 0;
  while (pixels - p >= kMinTileColumns) {
    const int32_t cols = pixels - p < tile_cols ? pixels - p : tile_cols;
    for (int32_t c = 0; c < cols; ++c) build_next(buffer + (c >> 1) * pw, c & 1);
    if ((cols & 1) != 0) {
      int32_t* pair = buffer + (cols >> 1) * pw;
      for (int32_t b = 0; b < blocks_of(s.k); ++b, pair += 4) {
        pair[2] = pair[0];
        pair[3] = pair[1];
      }
    }
    matmul_tile(buffer, cols, s, filter, folded_bias, quant, channels, o, out + p * out_stride,
                out_stride, pair_table_of(buffer, s.k));
    p += cols;
  }
  return p;
}

}  // namespace qb::kernels::dsp

#endif
