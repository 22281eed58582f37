// Int8 depthwise convolution (depth multiplier 1) for AVX2, vectorized across channels:
// sixteen channels per step, two taps per madd. The bytes of two taps are interleaved
// and widened to int16 pairs, so one madd adds both taps' products into each channel's
// int32 lane. The interleaved weights of a channel group are built once and reused for
// every pixel. Padded taps read the input zero point, which the folded bias expects.
#if defined(__x86_64__)
#include "kernels/x86_avx2/avx2_kernels.h"

#pragma GCC target("avx2")
#include <immintrin.h>

#include "kernels/x86_avx2/avx2_vector.h"

namespace qb::kernels::avx2 {
namespace {

// Channels c .. c + 15 of one tap; fewer than 16 channels in all (`partial`) are copied,
// so no load passes the end of a tensor.
inline __m128i load_channels(const int8_t* p, bool partial, int32_t lanes) {
  return partial ? load_partial16(p, lanes) : _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

struct TapPair {
  __m256i low, high;  // channels 0..7 and 8..15 as (first tap, second tap) int16 pairs
};

inline TapPair interleave(__m128i first, __m128i second) {
  return {_mm256_cvtepi8_epi16(_mm_unpacklo_epi8(first, second)),
          _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(first, second))};
}

struct Geometry {
  int32_t in_h, in_w, channels, k_h, k_w, taps, out_h, out_w;
  int32_t stride_h, stride_w, pad_top, pad_left;
};

// One group of 16 channels starting at c0 (or all `lanes` < 16 channels when Partial)
// over every output pixel. KeptPairs > 0: the kernel has at most 2 * KeptPairs taps and
// its interleaved weights are kept; 0: any kernel, weights interleaved per pixel.
// MayShiftLeft: some channel of the group has shift > 0.
template <int KeptPairs, bool Partial, bool MayShiftLeft>
void depthwise_group(const ConvArgs& args, const Geometry& g, int32_t c0, int32_t lanes) {
  const int32_t channels = g.channels, taps = g.taps;
  const int8_t* filter = args.filter + c0;
  const __m128i zero_point = _mm_set1_epi8(static_cast<int8_t>(-args.params.input_offset));
  auto load = [&](const int8_t* p) { return load_channels(p, Partial, lanes); };

  constexpr int32_t kKeptTaps = 2 * KeptPairs;
  TapPair kept[KeptPairs > 0 ? KeptPairs : 1];
  // Offsets of the taps from a window's first pixel, in filter order; taps past the
  // kernel (paired with zero weights) read the first pixel again.
  int32_t tap_offset[kKeptTaps > 0 ? kKeptTaps : 1] = {};
  if constexpr (KeptPairs > 0) {
    for (int32_t j = 0; j < KeptPairs; ++j) {
      const int32_t t = 2 * j;
      const __m128i first = t < taps ? load(filter + t * channels) : _mm_setzero_si128();
      const __m128i second = t + 1 < taps ? load(filter + (t + 1) * channels) : _mm_setzero_si128();
      kept[j] = interleave(first, second);
    }
    for (int32_t ky = 0, t = 0; ky < g.k_h; ++ky) {
      for (int32_t kx = 0; kx < g.k_w; ++kx, ++t) tap_offset[t] = (ky * g.in_w + kx) * channels;
    }
  }

  alignas(32) int32_t lane_values[3][16] = {};  // bias, multiplier, shift
  for (int32_t l = 0; l < lanes; ++l) {
    lane_values[0][l] = args.folded_bias[c0 + l];
    lane_values[1][l] = args.requant.multiplier[c0 + l];
    lane_values[2][l] = args.requant.shift[c0 + l];
  }
  auto lane_vector = [&](int32_t which, int32_t half) {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(lane_values[which] + 8 * half));
  };
  const __m256i bias_low = lane_vector(0, 0), bias_high = lane_vector(0, 1);
  const LaneRequant q_low = lane_requant(lane_vector(1, 0), lane_vector(2, 0));
  const LaneRequant q_high = lane_requant(lane_vector(1, 1), lane_vector(2, 1));
  const LaneClamp clamp =
      lane_clamp(args.params.output_offset, args.params.act_min, args.params.act_max);

  for (int32_t b = 0; b < args.input_shape.n; ++b) {
    const int8_t* image = args.input + b * g.in_h * g.in_w * channels + c0;
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t iy0 = oy * g.stride_h - g.pad_top;
      const bool rows_inside = iy0 >= 0 && iy0 + g.k_h <= g.in_h;
      int8_t* out_row = args.output + (b * g.out_h + oy) * g.out_w * channels + c0;
      for (int32_t ox = 0; ox < g.out_w; ++ox) {
        const int32_t ix0 = ox * g.stride_w - g.pad_left;
        __m256i acc_low = bias_low, acc_high = bias_high;
        auto accumulate = [&](const TapPair& x, const TapPair& w) {
          acc_low = _mm256_add_epi32(acc_low, _mm256_madd_epi16(x.low, w.low));
          acc_high = _mm256_add_epi32(acc_high, _mm256_madd_epi16(x.high, w.high));
        };
        if (KeptPairs > 0 && rows_inside && ix0 >= 0 && ix0 + g.k_w <= g.in_w) {
          // The common case: the whole window inside the input.
          const int8_t* window = image + (iy0 * g.in_w + ix0) * channels;
          for (int32_t j = 0; j < KeptPairs; ++j) {
            accumulate(
                interleave(load(window + tap_offset[2 * j]), load(window + tap_offset[2 * j + 1])),
                kept[j]);
          }
        } else {
          // A window over the border (or a kernel too large to keep): taps in filter order,
          // the zero point where they fall outside, two at a time.
          __m128i pending_x = zero_point, pending_w = _mm_setzero_si128();
          bool have_pending = false;
          int32_t t = 0;
          for (int32_t ky = 0; ky < g.k_h; ++ky) {
            const int32_t iy = iy0 + ky;
            const bool row_inside = iy >= 0 && iy < g.in_h;
            for (int32_t kx = 0; kx < g.k_w; ++kx, ++t) {
              const int32_t ix = ix0 + kx;
              const __m128i x = row_inside && ix >= 0 && ix < g.in_w
                                    ? load(image + (iy * g.in_w + ix) * channels)
                                    : zero_point;
              if (!have_pending) {
                pending_x = x;
                if constexpr (KeptPairs == 0) pending_w = load(filter + t * channels);
                have_pending = true;
                continue;
              }
              if constexpr (KeptPairs > 0) {
                accumulate(interleave(pending_x, x), kept[t / 2]);
              } else {
                accumulate(interleave(pending_x, x),
                           interleave(pending_w, load(filter + t * channels)));
              }
              have_pending = false;
            }
          }
          if (have_pending) {
            if constexpr (KeptPairs > 0) {
              accumulate(interleave(pending_x, zero_point), kept[t / 2]);
            } else {
              accumulate(interleave(pending_x, zero_point),
                         interleave(pending_w, _mm_setzero_si128()));
            }
          }
        }
        const __m128i bytes =
            pack16(offset_and_clamp(requantize<MayShiftLeft>(acc_low, q_low), clamp),
                   offset_and_clamp(requantize<MayShiftLeft>(acc_high, q_high), clamp));
        int8_t* out = out_row + ox * channels;
        if (Partial) {
          alignas(16) int8_t buffer[16];
          _mm_store_si128(reinterpret_cast<__m128i*>(buffer), bytes);
          store_partial(out, buffer, lanes);
        } else {
          _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
        }
      }
    }
  }
}

// Kernels of up to 10 taps (3x3 among them) keep their interleaved weights for the whole
// channel group (at most 5 pairs x 2 halves x 32 bytes of locals); larger ones
// interleave them per pixel.
template <bool Partial, bool MayShiftLeft>
void depthwise_dispatch(const ConvArgs& args, const Geometry& g, int32_t c0, int32_t lanes) {
  switch ((g.taps + 1) / 2) {
    case 1: depthwise_group<1, Partial, MayShiftLeft>(args, g, c0, lanes); break;
    case 2: depthwise_group<2, Partial, MayShiftLeft>(args, g, c0, lanes); break;
    case 3: depthwise_group<3, Partial, MayShiftLeft>(args, g, c0, lanes); break;
    case 4: depthwise_group<4, Partial, MayShiftLeft>(args, g, c0, lanes); break;
    case 5: depthwise_group<5, Partial, MayShiftLeft>(args, g, c0, lanes); break;
    default: depthwise_group<0, Partial, MayShiftLeft>(args, g, c0, lanes); break;
  }
}

template <bool Partial>
void depthwise_channels(const ConvArgs& args, const Geometry& g, int32_t c0, int32_t lanes) {
  bool left = false;
  for (int32_t l = 0; l < lanes; ++l) left |= args.requant.shift[c0 + l] > 0;
  if (left) {
    depthwise_dispatch<Partial, true>(args, g, c0, lanes);
  } else {
    depthwise_dispatch<Partial, false>(args, g, c0, lanes);
  }
}

}  // namespace

void depthwise_conv2d(const ConvArgs& args) {
  const ConvParams& p = args.params;
  const Geometry g{
      args.input_shape.h,  args.input_shape.w,  args.input_shape.c,
      args.filter_shape.h, args.filter_shape.w, args.filter_shape.h * args.filter_shape.w,
      args.output_shape.h, args.output_shape.w, p.stride_h,
      p.stride_w,          p.pad_top,           p.pad_left};
  if (g.channels < 16) {
    depthwise_channels<true>(args, g, 0, g.channels);
    return;
  }
  // Whole groups of 16, then one more ending at the last channel: it overlaps the group
  // before and rewrites a few channels with the same bytes.
  for (int32_t c0 = 0; c0 + 16 <= g.channels; c0 += 16) depthwise_channels<false>(args, g, c0, 16);
  if (g.channels % 16 != 0) depthwise_channels<false>(args, g, g.channels - 16, 16);
}

}  // namespace qb::kernels::avx2
#endif  // __x86_64__
