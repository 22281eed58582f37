// pointwise_conv2d (1x1) for the DSP extension: two pixels at a time, each sign-extended
// once into a stack column pair, then the 2-pixel x 2-channel SMLAD core (matmul_dsp.h).
//
// Why: a 1x1 convolution is a matrix product with the pixels as columns, so it is the
// conv2d core without the im2col gather: a pixel's in_c bytes are already contiguous.
// Extending the pixels (not the weights) is what can be shared: every output channel
// reuses the pair, so the extension costs in_c instructions per pixel against
// in_c * out_c MACs. The pair lives on the stack (pointwise layers get no arena scratch),
// sized to in_c, which bounds in_c; wider (or under four) input channels run as dense.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>

#include "kernels/arm_dsp/dsp_kernels.h"
#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/arm_dsp/matmul_dsp.h"
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
  int32_t* cols = static_cast<int32_t*>(__builtin_alloca(sizeof(int32_t) * 4 * ((k + 3) >> 2)));
  ChannelQuant quant[kMatmulQuantChunk];

  for (int32_t oc0 = 0; oc0 < out_c; oc0 += kMatmulQuantChunk) {
    const int32_t n = out_c - oc0 < kMatmulQuantChunk ? out_c - oc0 : kMatmulQuantChunk;
    const QuantKind kind = fill_channel_quant(quant, n, a.requant.multiplier + oc0,
                                              a.requant.shift + oc0, a.folded_bias + oc0,
                                              int64_t{k} << 14, a.params.output_offset, true);
    const int8_t* in = a.input;
    int8_t* out = a.output + oc0;
    for (int32_t p = 0; p < pixels; p += 2, in += 2 * k, out += 2 * out_c) {
      const bool has_b = p + 1 < pixels;
      expand_column(cols, 0, in, k);
      expand_column(cols, 1, has_b ? in + k : in, k);
      matmul_2cols(kind, cols, s, a.filter + oc0 * k, a.folded_bias + oc0, quant, n, o, out,
                   has_b ? out + out_c : nullptr);
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
