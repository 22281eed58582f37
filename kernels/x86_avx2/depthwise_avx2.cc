// Int8 depthwise convolution (depth multiplier 1) for AVX2, vectorized across channels:
// sixteen channels per step, two taps per madd. The bytes of two taps are interleaved
// and widened to int16 pairs, so one madd adds both taps' products into each channel's
// int32 lane. The interleaved weights of a channel group are built once and reused for
// every pixel. Padded taps read the input zero point, which the folded bias expects.
// Full groups of 16 channels over rows that fit the row store go further and interleave
// each input row's tap pairs once ("row pairs", below); the rest interleave per pixel.
#if defined(__x86_64__)
#include "kernels/x86_avx2/avx2_kernels.h"

#pragma GCC target("avx2")
#include <immintrin.h>

#include "kernels/x86_avx2/avx2_vector.h"
#include "kernels/x86_avx2/packed_gemm_avx2.h"

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

// A group's folded biases and requantization for channels [c0, c0 + lanes), as two
// 8-lane halves (channels 0-7, 8-15); lanes past `lanes` hold zeros.
struct GroupConstants {
  __m256i bias_low, bias_high;
  LaneRequant q_low, q_high;
};

GroupConstants group_constants(const ConvArgs& args, int32_t c0, int32_t lanes) {
  alignas(32) int32_t lane_values[3][16] = {};  // bias, multiplier, shift
  for (int32_t l = 0; l < lanes; ++l) {
    lane_values[0][l] = args.folded_bias[c0 + l];
    lane_values[1][l] = args.requant.multiplier[c0 + l];
    lane_values[2][l] = args.requant.shift[c0 + l];
  }
  auto lane_vector = [&](int32_t which, int32_t half) {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(lane_values[which] + 8 * half));
  };
  return {lane_vector(0, 0), lane_vector(0, 1), lane_requant(lane_vector(1, 0), lane_vector(2, 0)),
          lane_requant(lane_vector(1, 1), lane_vector(2, 1))};
}

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

  const GroupConstants k = group_constants(args, c0, lanes);
  const __m256i bias_low = k.bias_low, bias_high = k.bias_high;
  const LaneRequant q_low = k.q_low, q_high = k.q_high;
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


// ---- row pairs: the interleaving done once per input row ------------------------------
//
// The per-pixel path above interleaves and widens every pair of taps for every output
// pixel, although each input pixel serves up to k_h * k_w windows. Here one group of 16
// channels keeps, for the k_h input rows a window spans, each row's horizontal pairs
// (x, x + 1) already interleaved and widened: output pixel (oy, ox) then adds kernel row
// ky's taps (2m, 2m + 1) with one pmaddwd per eight channels on the stored pair at
// ix0 + 2m, an odd last tap pairing with a zero weight. Rows and columns outside the
// input hold the zero point, so borders take no separate path.

constexpr int32_t kRowPairBytes = 64 * 1024;  // stored rows (k_h + 1 of them)
constexpr int32_t kMaxKernelPairs = 64;       // k_h * ceil(k_w / 2)

struct RowSpan {
  int32_t x_lo, width;  // stored pairs start at x = x_lo
};

inline RowSpan row_span(const Geometry& g) {
  const int32_t x_lo = -g.pad_left;
  const int32_t x_hi = (g.out_w - 1) * g.stride_w - g.pad_left + g.k_w;  // one past the last tap
  return {x_lo, x_hi - x_lo};
}

bool row_pairs_fit(const Geometry& g) {
  if (g.channels < 16 || g.k_h > 16) return false;
  if (g.k_h * ((g.k_w + 1) / 2) > kMaxKernelPairs) return false;
  const int64_t bytes = int64_t{g.k_h + 1} * row_span(g).width * 64;
  return bytes <= kRowPairBytes;
}

// Row y's pairs for channels c0 .. c0 + 15 into dst (two vectors per x).
void build_row_pairs(const int8_t* image, const Geometry& g, int32_t y, const RowSpan& span,
                     __m128i zero_point, __m256i* dst) {
  const int8_t* row = image + y * g.in_w * g.channels;
  auto pixel = [&](int32_t x) {
    return x >= 0 && x < g.in_w
               ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + x * g.channels))
               : zero_point;
  };
  __m128i next = pixel(span.x_lo);
  for (int32_t i = 0; i < span.width; ++i) {
    const __m128i here = next;
    next = pixel(span.x_lo + i + 1);
    const TapPair p = interleave(here, next);
    dst[2 * i] = p.low;
    dst[2 * i + 1] = p.high;
  }
}

// KH, KWP: the kernel's rows and ceil(k_w / 2) when fixed at compile time, 0 otherwise.
template <int KH, int KWP, bool MayShiftLeft>
void depthwise_row_pairs(const ConvArgs& args, const Geometry& g, int32_t c0) {
  const int32_t k_h = KH > 0 ? KH : g.k_h;
  const int32_t kwp = KWP > 0 ? KWP : (g.k_w + 1) / 2;
  const RowSpan span = row_span(g);
  const int32_t channels = g.channels;
  const int8_t* filter = args.filter + c0;
  const __m128i zero_point = _mm_set1_epi8(static_cast<int8_t>(-args.params.input_offset));

  // Kernel row ky, pair m: taps (ky, 2m) and (ky, 2m + 1), zero past the kernel.
  TapPair weights[kMaxKernelPairs];
  for (int32_t ky = 0; ky < k_h; ++ky) {
    for (int32_t m = 0; m < kwp; ++m) {
      const int32_t kx = 2 * m;
      const __m128i first = _mm_loadu_si128(
          reinterpret_cast<const __m128i*>(filter + (ky * g.k_w + kx) * channels));
      const __m128i second =
          kx + 1 < g.k_w ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(
                               filter + (ky * g.k_w + kx + 1) * channels))
                         : _mm_setzero_si128();
      weights[ky * kwp + m] = interleave(first, second);
    }
  }

  const GroupConstants k = group_constants(args, c0, 16);
  const __m256i bias_low = k.bias_low, bias_high = k.bias_high;
  const LaneRequant q_low = k.q_low, q_high = k.q_high;
  const packed::ByteStage bytes =
      packed::byte_stage(args.params.output_offset, args.params.act_min, args.params.act_max);

  // Slots 0 .. k_h - 1 hold input rows by y mod k_h; slot k_h is the all-zero-point row.
  alignas(32) __m256i store[kRowPairBytes / 32];
  const int32_t slot_size = 2 * span.width;
  int32_t slot_row[16];
  for (int32_t s = 0; s < k_h; ++s) slot_row[s] = -1;
  __m256i* const padding_row = store + k_h * slot_size;
  {
    const TapPair p = interleave(zero_point, zero_point);
    for (int32_t i = 0; i < span.width; ++i) {
      padding_row[2 * i] = p.low;
      padding_row[2 * i + 1] = p.high;
    }
  }

  for (int32_t b = 0; b < args.input_shape.n; ++b) {
    const int8_t* image = args.input + b * g.in_h * g.in_w * channels + c0;
    for (int32_t s = 0; s < k_h; ++s) slot_row[s] = -1;
    for (int32_t oy = 0; oy < g.out_h; ++oy) {
      const int32_t iy0 = oy * g.stride_h - g.pad_top;
      const __m256i* rows[16];
      for (int32_t ky = 0; ky < k_h; ++ky) {
        const int32_t iy = iy0 + ky;
        if (iy < 0 || iy >= g.in_h) {
          rows[ky] = padding_row;
          continue;
        }
        const int32_t s = iy % k_h;
        __m256i* slot = store + s * slot_size;
        if (slot_row[s] != iy) {
          build_row_pairs(image, g, iy, span, zero_point, slot);
          slot_row[s] = iy;
        }
        rows[ky] = slot;
      }
      int8_t* out_row = args.output + (b * g.out_h + oy) * g.out_w * channels + c0;
      // Two output pixels per pass: their four vectors pack into one 32-byte result.
      for (int32_t ox = 0; ox < g.out_w; ox += 2) {
        const bool two = ox + 1 < g.out_w;
        const int32_t i0 = ox * g.stride_w, i1 = two ? i0 + g.stride_w : i0;
        __m256i a0 = bias_low, a1 = bias_high, b0 = bias_low, b1 = bias_high;
        for (int32_t ky = 0; ky < k_h; ++ky) {
          const __m256i* row = rows[ky];
          for (int32_t m = 0; m < kwp; ++m) {
            const TapPair& w = weights[ky * kwp + m];
            const __m256i* p0 = row + 2 * (i0 + 2 * m);
            const __m256i* p1 = row + 2 * (i1 + 2 * m);
            a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(p0[0], w.low));
            a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(p0[1], w.high));
            b0 = _mm256_add_epi32(b0, _mm256_madd_epi16(p1[0], w.low));
            b1 = _mm256_add_epi32(b1, _mm256_madd_epi16(p1[1], w.high));
          }
        }
        const __m256i v = packed::pack_quad(
            requantize<MayShiftLeft>(a0, q_low), requantize<MayShiftLeft>(a1, q_high),
            requantize<MayShiftLeft>(b0, q_low), requantize<MayShiftLeft>(b1, q_high), bytes);
        int8_t* out = out_row + ox * channels;
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(v));
        if (two) {
          _mm_storeu_si128(reinterpret_cast<__m128i*>(out + channels),
                           _mm256_extracti128_si256(v, 1));
        }
      }
    }
  }
}

template <bool MayShiftLeft>
void depthwise_row_pairs_dispatch(const ConvArgs& args, const Geometry& g, int32_t c0) {
  if (g.k_h == 3 && g.k_w == 3) {
    depthwise_row_pairs<3, 2, MayShiftLeft>(args, g, c0);
  } else if (g.k_h == 5 && g.k_w == 5) {
    depthwise_row_pairs<5, 3, MayShiftLeft>(args, g, c0);
  } else {
    depthwise_row_pairs<0, 0, MayShiftLeft>(args, g, c0);
  }
}

template <bool Partial>
void depthwise_channels(const ConvArgs& args, const Geometry& g, int32_t c0, int32_t lanes) {
  bool left = false;
  for (int32_t l = 0; l < lanes; ++l) left |= args.requant.shift[c0 + l] > 0;
  if (!Partial && row_pairs_fit(g)) {
    if (left) {
      depthwise_row_pairs_dispatch<true>(args, g, c0);
    } else {
      depthwise_row_pairs_dispatch<false>(args, g, c0);
    }
    return;
  }
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
