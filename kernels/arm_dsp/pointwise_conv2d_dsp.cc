// pointwise_conv2d (1x1) for the DSP extension: a tile of pixels sign-extended once into
// stack columns, then the tile core (matmul_tile_dsp.h); layers with too few pixels for a
// tile, tables outside the folded requantization, and Cortex-M7 take two pixels at a time
// through the 2-pixel x 2-channel SMLAD core (matmul_dsp.h).
//
// Why: a 1x1 convolution is a matrix product with the pixels as columns, so it is the
// conv2d core without the im2col gather: a pixel's in_c bytes are already contiguous.
// Extending the pixels (not the weights) is what can be shared: every output channel
// reuses the column, so the extension costs in_c instructions per pixel against
// in_c * out_c MACs. The columns live on the stack (pointwise layers get no arena
// scratch), sized to in_c, which bounds in_c; wider (or under four) input channels run as
// dense.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>

#include "kernels/arm_dsp/dsp_kernels.h"
#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/arm_dsp/matmul_dsp.h"
#include "kernels/arm_dsp/matmul_tile_dsp.h"
#include "kernels/arm_dsp/requant_dsp.h"

namespace qb::kernels::dsp {
namespace {

// Input channels the stack column pair may hold (16 bytes per 4 channels: 2 KiB).
constexpr int32_t kMaxK = 512;

void pointwise(const ConvArgs& a) {
  const int32_t k = a.input_shape.c;
  const int32_t out_c = a.output_shape.c;
  const int32_t pixels = a.input_shape.n * a.input_shape.h * a.input_shape.w;
  const MatmulShape s = make_matmul_shape(k);
  const OutputQuant o = make_output_quant(a.params.output_offset, a.params.act_min, a.params.act_max);
  const int32_t tile_cols = tile_columns(k);
  const int32_t pw = pair_words(k);
  // Column tiles and their weight table (at most kTileBytes), or the 2-column core's pair.
  int32_t* const buffer = static_cast<int32_t*>(
      __builtin_alloca(sizeof(int32_t) * (tile_cols > 0 ? (tile_cols / 2 + 1) * pw : pw)));
  ChannelQuant quant[kMatmulQuantChunk];

  for (int32_t oc0 = 0; oc0 < out_c; oc0 += kMatmulQuantChunk) {
    const int32_t n = out_c - oc0 < kMatmulQuantChunk ? out_c - oc0 : kMatmulQuantChunk;
    const QuantKind kind = fill_channel_quant(quant, n, a.requant.multiplier + oc0,
                                              a.requant.shift + oc0, a.folded_bias + oc0,
                                              int64_t{k} << 14, a.params.output_offset, true);
    const int8_t* const filter = a.filter + oc0 * k;
    const int32_t* const bias = a.folded_bias + oc0;
    // Tiles while enough pixels are left for one (the tile core takes folded tables only);
    // the rest two at a time.
    const int8_t* in = a.input;
    int32_t p = 0;
    if (kind == QuantKind::kFolded && tile_cols > 0) {
      p = matmul_tiles(buffer, pixels, s, filter, bias, quant, n, o, a.output + oc0, out_c,
                       [&](int32_t* pair_cols, int32_t slot) {
                         expand_column(pair_cols, slot, in, k);
                         in += k;
                       });
    }
    int8_t* out = a.output + p * out_c + oc0;
    for (; p < pixels; p += 2, in += 2 * k, out += 2 * out_c) {
      const bool has_b = p + 1 < pixels;
      expand_column(buffer, 0, in, k);
      expand_column(buffer, 1, has_b ? in + k : in, k);
      matmul_2cols(kind, buffer, s, filter, bias, quant, n, o, out, has_b ? out + out_c : nullptr);
    }
  }
}

}  // namespace

void pointwise_conv2d(const ConvArgs& a) {
  const int32_t k = a.input_shape.c;
  // Under four input channels there is no block to run; over kMaxK the pair is too large
  // for the stack. The pixels are then a dense layer's batch rows.
  if (k < 4 || k > kMaxK) {
    DenseArgs d;
    d.params.input_offset = a.params.input_offset;
    d.params.output_offset = a.params.output_offset;
    d.params.act_min = a.params.act_min;
    d.params.act_max = a.params.act_max;
    d.params.per_channel = true;
    d.requant = a.requant;
    d.batches = a.input_shape.n * a.input_shape.h * a.input_shape.w;
    d.in_features = k;
    d.out_features = a.output_shape.c;
    d.input = a.input;
    d.filter = a.filter;
    d.bias = a.bias;
    d.folded_bias = a.folded_bias;
    d.output = a.output;
    dense(d);
    return;
  }
  pointwise(a);
}

}  // namespace qb::kernels::dsp
#endif
