// Int8 pooling for AVX2, vectorized across channels (NHWC keeps them contiguous): max
// pooling 32 or 16 channels per step, average pooling 16 with int32 sums, and the global
// mean. Channel counts that are not a multiple of the step end with a group that
// overlaps the one before (same bytes rewritten); fewer channels than a step are copied
// in and out, so no access passes the end of a tensor.
#if defined(__x86_64__)
#include "kernels/x86_avx2/avx2_kernels.h"

#pragma GCC target("avx2")
#include <immintrin.h>

#include "kernels/x86_avx2/avx2_vector.h"

namespace qb::kernels::avx2 {
namespace {

inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

// The first channel of each group of `width` channels; the last group ends at the last
// channel. channels >= width.
template <typename Body>
inline void for_each_group(int32_t channels, int32_t width, Body body) {
  int32_t c = 0;
  for (; c + width <= channels; c += width) body(c);
  if (c < channels) body(channels - width);
}

// rounded_mean (pooling.cc) on eight lanes: sum / count, halves away from zero. The
// quotient of an int32 by a count below 2^24, in double, is never rounded across an
// integer (its error is far below 1 / count), so truncating it is the exact division.
inline __m256i rounded_mean8(__m256i sum, __m256i half, __m256d count) {
  const __m256i positive = _mm256_cmpgt_epi32(sum, _mm256_setzero_si256());
  const __m256i nudged =
      _mm256_blendv_epi8(_mm256_sub_epi32(sum, half), _mm256_add_epi32(sum, half), positive);
  const __m128i low =
      _mm256_cvttpd_epi32(_mm256_div_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(nudged)), count));
  const __m128i high = _mm256_cvttpd_epi32(
      _mm256_div_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(nudged, 1)), count));
  return _mm256_set_m128i(high, low);
}

struct Window {
  int32_t ky_begin, ky_end, kx_begin, kx_end;
  int32_t iy0, ix0;
};

inline Window clip_window(const PoolParams& p, const Shape& in, int32_t oy, int32_t ox) {
  Window w;
  w.iy0 = oy * p.stride_h - p.pad_top;
  w.ix0 = ox * p.stride_w - p.pad_left;
  w.ky_begin = max_i32(0, -w.iy0);
  w.ky_end = min_i32(p.filter_h, in.h - w.iy0);
  w.kx_begin = max_i32(0, -w.ix0);
  w.kx_end = min_i32(p.filter_w, in.w - w.ix0);
  return w;
}

// The first in-bounds tap of window row ky; a row's taps follow `channels` bytes apart.
inline const int8_t* window_row(const int8_t* image, const Shape& in, const Window& w, int32_t ky) {
  return image + ((w.iy0 + ky) * in.w + w.ix0 + w.kx_begin) * in.c;
}

// ---- max ------------------------------------------------------------------------------

template <int Width>
struct Bytes;

template <>
struct Bytes<32> {
  using V = __m256i;
  static V load(const int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const V*>(p)); }
  static void store(int8_t* p, V v) { _mm256_storeu_si256(reinterpret_cast<V*>(p), v); }
  static V set1(int32_t x) { return _mm256_set1_epi8(static_cast<int8_t>(x)); }
  static V max(V a, V b) { return _mm256_max_epi8(a, b); }
  static V min(V a, V b) { return _mm256_min_epi8(a, b); }
};

template <>
struct Bytes<16> {
  using V = __m128i;
  static V load(const int8_t* p) { return _mm_loadu_si128(reinterpret_cast<const V*>(p)); }
  static void store(int8_t* p, V v) { _mm_storeu_si128(reinterpret_cast<V*>(p), v); }
  static V set1(int32_t x) { return _mm_set1_epi8(static_cast<int8_t>(x)); }
  static V max(V a, V b) { return _mm_max_epi8(a, b); }
  static V min(V a, V b) { return _mm_min_epi8(a, b); }
};

// Channels [c, c + Width) of one window; -128 is the identity of the max (an empty
// window keeps it and clamps, as the reference does).
template <int Width>
inline void max_window(const PoolParams& p, const Shape& in, const int8_t* image, const Window& w,
                       int32_t c, int8_t* out) {
  using B = Bytes<Width>;
  typename B::V best = B::set1(-128);
  for (int32_t ky = w.ky_begin; ky < w.ky_end; ++ky) {
    const int8_t* row = window_row(image, in, w, ky) + c;
    for (int32_t kx = 0; kx < w.kx_end - w.kx_begin; ++kx)
      best = B::max(best, B::load(row + kx * in.c));
  }
  B::store(out, B::min(B::max(best, B::set1(p.act_min)), B::set1(p.act_max)));
}

// ---- average ------------------------------------------------------------------------

// Sums of channels [c, c + 16) over a window: 16 bytes widened into two int32 vectors.
inline void sum_window16(const Shape& in, const int8_t* image, const Window& w, int32_t c,
                         __m256i* low, __m256i* high) {
  __m256i s_low = _mm256_setzero_si256(), s_high = _mm256_setzero_si256();
  for (int32_t ky = w.ky_begin; ky < w.ky_end; ++ky) {
    const int8_t* row = window_row(image, in, w, ky) + c;
    for (int32_t kx = 0; kx < w.kx_end - w.kx_begin; ++kx) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + kx * in.c));
      s_low = _mm256_add_epi32(s_low, _mm256_cvtepi8_epi32(x));
      s_high = _mm256_add_epi32(s_high, _mm256_cvtepi8_epi32(_mm_srli_si128(x, 8)));
    }
  }
  *low = s_low;
  *high = s_high;
}

inline __m128i mean16(__m256i low, __m256i high, int32_t count, int32_t act_min, int32_t act_max) {
  const __m256i half = _mm256_set1_epi32(count / 2);
  const __m256d divisor = _mm256_set1_pd(static_cast<double>(count));
  const __m256i lo = _mm256_set1_epi32(act_min), hi = _mm256_set1_epi32(act_max);
  auto finish = [&](__m256i sum) {
    return _mm256_min_epi32(_mm256_max_epi32(rounded_mean8(sum, half, divisor), lo), hi);
  };
  return pack16(finish(low), finish(high));
}

}  // namespace

void max_pool2d(const PoolParams& p, const Shape& in, const int8_t* input, const Shape& out_shape,
                int8_t* output) {
  const int32_t channels = in.c;
  for (int32_t b = 0; b < in.n; ++b) {
    const int8_t* image = input + b * in.h * in.w * channels;
    for (int32_t oy = 0; oy < out_shape.h; ++oy) {
      for (int32_t ox = 0; ox < out_shape.w; ++ox) {
        const Window w = clip_window(p, in, oy, ox);
        int8_t* out = output + ((b * out_shape.h + oy) * out_shape.w + ox) * channels;
        if (channels >= 32) {
          for_each_group(channels, 32,
                         [&](int32_t c) { max_window<32>(p, in, image, w, c, out + c); });
        } else if (channels >= 16) {
          for_each_group(channels, 16,
                         [&](int32_t c) { max_window<16>(p, in, image, w, c, out + c); });
        } else {
          __m128i best = _mm_set1_epi8(-128);
          for (int32_t ky = w.ky_begin; ky < w.ky_end; ++ky) {
            const int8_t* row = window_row(image, in, w, ky);
            for (int32_t kx = 0; kx < w.kx_end - w.kx_begin; ++kx) {
              best = _mm_max_epi8(best, load_partial16(row + kx * channels, channels));
            }
          }
          alignas(16) int8_t bytes[16];
          _mm_store_si128(
              reinterpret_cast<__m128i*>(bytes),
              _mm_min_epi8(_mm_max_epi8(best, _mm_set1_epi8(static_cast<int8_t>(p.act_min))),
                           _mm_set1_epi8(static_cast<int8_t>(p.act_max))));
          store_partial(out, bytes, channels);
        }
      }
    }
  }
}

void avg_pool2d(const PoolParams& p, const Shape& in, const int8_t* input, const Shape& out_shape,
                int8_t* output) {
  const int32_t channels = in.c;
  for (int32_t b = 0; b < in.n; ++b) {
    const int8_t* image = input + b * in.h * in.w * channels;
    for (int32_t oy = 0; oy < out_shape.h; ++oy) {
      for (int32_t ox = 0; ox < out_shape.w; ++ox) {
        const Window w = clip_window(p, in, oy, ox);
        int8_t* out = output + ((b * out_shape.h + oy) * out_shape.w + ox) * channels;
        const int32_t count = max_i32(0, w.ky_end - w.ky_begin) * max_i32(0, w.kx_end - w.kx_begin);
        if (count == 0) {
          // The reference's answer to a window with no taps (valid geometries have none).
          for (int32_t c = 0; c < channels; ++c) out[c] = static_cast<int8_t>(p.act_min);
          continue;
        }
        if (channels >= 16) {
          for_each_group(channels, 16, [&](int32_t c) {
            __m256i low, high;
            sum_window16(in, image, w, c, &low, &high);
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out + c),
                             mean16(low, high, count, p.act_min, p.act_max));
          });
        } else {
          __m256i low = _mm256_setzero_si256(), high = _mm256_setzero_si256();
          for (int32_t ky = w.ky_begin; ky < w.ky_end; ++ky) {
            const int8_t* row = window_row(image, in, w, ky);
            for (int32_t kx = 0; kx < w.kx_end - w.kx_begin; ++kx) {
              const __m128i x = load_partial16(row + kx * channels, channels);
              low = _mm256_add_epi32(low, _mm256_cvtepi8_epi32(x));
              high = _mm256_add_epi32(high, _mm256_cvtepi8_epi32(_mm_srli_si128(x, 8)));
            }
          }
          alignas(16) int8_t bytes[16];
          _mm_store_si128(reinterpret_cast<__m128i*>(bytes),
                          mean16(low, high, count, p.act_min, p.act_max));
          store_partial(out, bytes, channels);
        }
      }
    }
  }
}

void global_avg_pool2d(int32_t act_min, int32_t act_max, const Shape& in, const int8_t* input,
                       int8_t* output) {
  const int32_t channels = in.c;
  const int32_t pixels = in.h * in.w;
  for (int32_t b = 0; b < in.n; ++b) {
    const int8_t* image = input + b * pixels * channels;
    int8_t* out = output + b * channels;
    if (pixels == 0) {
      for (int32_t c = 0; c < channels; ++c) out[c] = static_cast<int8_t>(act_min);
      continue;
    }
    // Sixteen channels summed in int16 over up to 256 pixels at a time (|sum| <= 128 *
    // 256 fits), then widened into int32.
    auto sum_group = [&](int32_t c, bool partial, __m256i* low, __m256i* high) {
      __m256i s_low = _mm256_setzero_si256(), s_high = _mm256_setzero_si256();
      for (int32_t p0 = 0; p0 < pixels; p0 += 256) {
        const int32_t end = min_i32(pixels, p0 + 256);
        __m256i s16 = _mm256_setzero_si256();
        for (int32_t px = p0; px < end; ++px) {
          const int8_t* src = image + px * channels + c;
          const __m128i x = partial ? load_partial16(src, channels)
                                    : _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
          s16 = _mm256_add_epi16(s16, _mm256_cvtepi8_epi16(x));
        }
        s_low = _mm256_add_epi32(s_low, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(s16)));
        s_high = _mm256_add_epi32(s_high, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(s16, 1)));
      }
      *low = s_low;
      *high = s_high;
    };
    if (channels >= 16) {
      for_each_group(channels, 16, [&](int32_t c) {
        __m256i low, high;
        sum_group(c, false, &low, &high);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + c),
                         mean16(low, high, pixels, act_min, act_max));
      });
    } else {
      __m256i low, high;
      sum_group(0, true, &low, &high);
      alignas(16) int8_t bytes[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(bytes),
                      mean16(low, high, pixels, act_min, act_max));
      store_partial(out, bytes, channels);
    }
  }
}

}  // namespace qb::kernels::avx2
#endif  // __x86_64__
