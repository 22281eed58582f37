// conv2d fast path for the one-input-channel 3x3 stem (the kws front end): per output
// pixel, the nine taps as five int16-pair words, then five MACs per output channel
// against weights paired to match, from a stack table.
//
// Why: with one input channel the general path's im2col column is nine values, so its
// 4-value blocks waste a quarter of every third block and its per-pixel-pair overhead
// dominates. Here one unaligned LDR per kernel row fetches the row's three taps (and a
// fourth byte, unused); SXTB16 splits it into (t0, t2) and (t1, t3); one PKHBT joins
// rows 0 and 1's middle taps. That is ten instructions per pixel, shared by every output
// channel, after which a channel costs four SMLAD + one SMLABB (nine MACs) and the
// five-instruction requantization. Padded taps read the zero point, so the folded bias
// holds everywhere; a row word that would be read past the input's end, or that has a
// padded tap, is assembled bytewise.
#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>

#include "kernels/arm_dsp/conv2d_stem_dsp.h"
#include "kernels/arm_dsp/dsp_ops.h"
#include "kernels/arm_dsp/requant_dsp.h"

namespace qb::kernels::dsp {
namespace {

constexpr int32_t kStemChunk = 8;  // output channels per stack table

// One output channel: folded bias, the weights paired to the pixel words, requantization.
struct StemChannel {
  int32_t folded_bias;
  int32_t w_row0, w_row1, w_row2;  // (w[r][0], w[r][2])
  int32_t w_mid01;                 // (w[0][1], w[1][1])
  int32_t w_mid2;                  // (w[2][1], 0)
  ChannelQuant q;
};

inline int32_t pair(int32_t lo, int32_t hi) {
  return static_cast<int32_t>((static_cast<uint32_t>(lo) & 0xFFFFu) | (static_cast<uint32_t>(hi) << 16));
}

// The nine taps of one output pixel as SXTB16 words.
struct StemPixel {
  int32_t row0, row1, row2;  // (t[r][0], t[r][2])
  int32_t mid01;             // (t[0][1], t[1][1])
  int32_t mid2;              // (t[2][1], -)
};

template <bool kFast>
inline void stem_pixel_outputs(const StemPixel& px, const StemChannel* ch, int32_t n,
                               const OutputQuant& o, int8_t* out) {
  int32_t c = 0;
  for (; c + 4 <= n; c += 4, ch += 4) {
    uint32_t y[4];
    for (int32_t i = 0; i < 4; ++i) {
      int32_t acc = __smlad(px.row0, ch[i].w_row0, ch[i].folded_bias);
      acc = __smlad(px.row1, ch[i].w_row1, acc);
      acc = __smlad(px.row2, ch[i].w_row2, acc);
      acc = __smlad(px.mid01, ch[i].w_mid01, acc);
      acc = __smlabb(px.mid2, ch[i].w_mid2, acc);
      y[i] = static_cast<uint32_t>(requantize<kFast>(acc, ch[i].q, o.output_offset));
    }
    const uint32_t lo = pack_byte1(y[0], y[1]), hi = pack_byte1(y[2], y[3]);
    store_u32(out + c, clamp_packed((lo & 0xFFFFu) | (hi << 16), o));
  }
  for (; c < n; ++c, ++ch) {
    int32_t acc = __smlad(px.row0, ch->w_row0, ch->folded_bias);
    acc = __smlad(px.row1, ch->w_row1, acc);
    acc = __smlad(px.row2, ch->w_row2, acc);
    acc = __smlad(px.mid01, ch->w_mid01, acc);
    acc = __smlabb(px.mid2, ch->w_mid2, acc);
    out[c] = static_cast<int8_t>(clamp_packed(
        static_cast<uint32_t>(requantize<kFast>(acc, ch->q, o.output_offset)), o));
  }
}

template <bool kFast>
void stem_chunk(const ConvArgs& a, const StemChannel* ch, int32_t oc0, int32_t n,
                const OutputQuant& o) {
  const int32_t in_h = a.input_shape.h, in_w = a.input_shape.w;
  const int32_t out_h = a.output_shape.h, out_w = a.output_shape.w, out_c = a.output_shape.c;
  const int32_t sh = a.params.stride_h, sw = a.params.stride_w;
  const uint32_t zp = static_cast<uint32_t>(-a.params.input_offset) & 0xFFu;
  const uint32_t zp_row = zp * 0x00010101u;
  const int8_t* const in_end = a.input + a.input_shape.elements();
  for (int32_t b = 0; b < a.input_shape.n; ++b) {
    const int8_t* image = a.input + b * in_h * in_w;
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t iy0 = oy * sh - a.params.pad_top;
      int8_t* out = a.output + (b * out_h + oy) * out_w * out_c + oc0;
      for (int32_t ox = 0; ox < out_w; ++ox, out += out_c) {
        const int32_t ix0 = ox * sw - a.params.pad_left;
        const bool cols_inside = ix0 >= 0 && ix0 + 3 <= in_w;
        uint32_t rows[3];
        for (int32_t r = 0; r < 3; ++r) {
          const int32_t iy = iy0 + r;
          if (iy < 0 || iy >= in_h) {
            rows[r] = zp_row;
            continue;
          }
          const int8_t* p = image + iy * in_w + ix0;
          if (cols_inside && p + 4 <= in_end) {
            rows[r] = load_u32(p);
            continue;
          }
          uint32_t w = 0;
          for (int32_t t = 0; t < 3; ++t) {
            const int32_t ix = ix0 + t;
            const uint32_t v = ix >= 0 && ix < in_w ? static_cast<uint32_t>(p[t]) & 0xFFu : zp;
            w |= v << (8 * t);
          }
          rows[r] = w;
        }
        StemPixel px;
        px.row0 = sxtb16_even(rows[0]);
        px.row1 = sxtb16_even(rows[1]);
        px.row2 = sxtb16_even(rows[2]);
        px.mid01 = pack_lo_halves(sxtb16_odd(rows[0]), sxtb16_odd(rows[1]));
        px.mid2 = sxtb16_odd(rows[2]);
        stem_pixel_outputs<kFast>(px, ch, n, o, out);
      }
    }
  }
}

void stem(const ConvArgs& a) {
  const OutputQuant o = make_output_quant(a.params.output_offset, a.params.act_min, a.params.act_max);
  const int32_t out_c = a.output_shape.c;
  StemChannel ch[kStemChunk];
  for (int32_t oc0 = 0; oc0 < out_c; oc0 += kStemChunk) {
    const int32_t n = out_c - oc0 < kStemChunk ? out_c - oc0 : kStemChunk;
    bool fast = true;
    for (int32_t i = 0; i < n; ++i) {
      const int32_t oc = oc0 + i;
      const int8_t* w = a.filter + oc * 9;
      StemChannel& c = ch[i];
      c.folded_bias = a.folded_bias[oc];
      c.w_row0 = pair(w[0], w[2]);
      c.w_row1 = pair(w[3], w[5]);
      c.w_row2 = pair(w[6], w[8]);
      c.w_mid01 = pair(w[1], w[4]);
      c.w_mid2 = pair(w[7], 0);
      c.q = make_folded_channel_quant(a.requant.multiplier[oc], a.requant.shift[oc],
                                      c.folded_bias, int64_t{9} << 14, a.params.output_offset);
      fast = fast && c.q.right_shift != 0;
    }
    if (fast) {
      stem_chunk<true>(a, ch, oc0, n, o);
    } else {
      stem_chunk<false>(a, ch, oc0, n, o);
    }
  }
}

}  // namespace

bool conv2d_stem_3x3_c1(const ConvArgs& a) {
  if (a.input_shape.c != 1 || a.filter_shape.h != 3 || a.filter_shape.w != 3) return false;
  stem(a);
  return true;
}

}  // namespace qb::kernels::dsp
#endif
