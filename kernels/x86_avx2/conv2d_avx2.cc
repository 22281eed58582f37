// Int8 2-D convolution for AVX2, the first form that applies:
//  - one input channel with at most 16 taps (the 3x3 stems of audio and image models):
//    too few taps for a dot product to fill a vector, so the vector runs across output
//    channels instead, each step adding one pair of taps to eight channels;
//  - 3x3 stride 1 within its bounds: Winograd F(2x2, 3x3) (conv2d_winograd_avx2.cc);
//  - an even channel count: the packed product (packed_gemm_avx2.h) reading each window
//    in place from input rows widened once (conv2d_direct);
//  - up to 1024 values per window: the packed product over im2col rows widened to int16;
//  - everything else: im2col of four output pixels into the arena scratch, then the
//    plain matrix product (matmul_avx2.cc).
// All accumulate plain input x weight products on top of the folded bias, so a tap in
// the padding must read the input zero point: every path stores or writes that value
// there.
#if defined(__x86_64__)
#include "kernels/x86_avx2/avx2_kernels.h"

#pragma GCC target("avx2")
#include <immintrin.h>

#include "kernels/x86_avx2/avx2_vector.h"
#include "kernels/x86_avx2/packed_gemm_avx2.h"

namespace qb::kernels::avx2 {
namespace {

inline int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

// ---- one input channel ------------------------------------------------------------

constexpr int32_t kMaxStemTaps = 16;

// Pairs: ceil(taps / 2), the madd steps per output pixel.
template <int Pairs>
void conv2d_one_channel_group(const ConvArgs& args, int32_t oc0, int32_t lanes) {
  const ConvParams& p = args.params;
  const int32_t in_h = args.input_shape.h, in_w = args.input_shape.w;
  const int32_t k_h = args.filter_shape.h, k_w = args.filter_shape.w, taps = k_h * k_w;
  const int32_t out_h = args.output_shape.h, out_w = args.output_shape.w;
  const int32_t out_c = args.output_shape.c;
  const int32_t zero_point = -p.input_offset;

  // Lane l of pair vector j holds channel oc0 + l's taps 2j and 2j + 1 as two int16, the
  // layout madd multiplies against a broadcast pair of inputs. Missing taps and lanes
  // are zero.
  __m256i weights[Pairs];
  alignas(32) int32_t lane_values[3][8] = {};  // bias, multiplier, shift
  {
    alignas(32) int32_t pairs[Pairs][8] = {};
    for (int32_t l = 0; l < lanes; ++l) {
      const int8_t* w = args.filter + (oc0 + l) * taps;
      for (int32_t t = 0; t < taps; ++t) {
        const uint32_t half = static_cast<uint16_t>(int16_t{w[t]});
        pairs[t / 2][l] |= static_cast<int32_t>(half << (16 * (t % 2)));
      }
      lane_values[0][l] = args.folded_bias[oc0 + l];
      lane_values[1][l] = args.requant.multiplier[oc0 + l];
      lane_values[2][l] = args.requant.shift[oc0 + l];
    }
    for (int j = 0; j < Pairs; ++j) {
      weights[j] = _mm256_load_si256(reinterpret_cast<const __m256i*>(pairs[j]));
    }
  }
  const __m256i bias = _mm256_load_si256(reinterpret_cast<const __m256i*>(lane_values[0]));
  const LaneRequant q =
      lane_requant(_mm256_load_si256(reinterpret_cast<const __m256i*>(lane_values[1])),
                   _mm256_load_si256(reinterpret_cast<const __m256i*>(lane_values[2])));
  const LaneClamp clamp = lane_clamp(p.output_offset, p.act_min, p.act_max);
  const uint32_t zero_half = static_cast<uint16_t>(static_cast<int16_t>(zero_point));

  for (int32_t b = 0; b < args.input_shape.n; ++b) {
    const int8_t* image = args.input + b * in_h * in_w;
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_top;
      int8_t* out_row = args.output + (b * out_h + oy) * out_w * out_c + oc0;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t ix0 = ox * p.stride_w - p.pad_left;
        // The pixel's taps as int16 pairs; the padding reads the zero point.
        alignas(32) uint32_t inputs[Pairs] = {};
        int32_t t = 0;
        for (int32_t ky = 0; ky < k_h; ++ky) {
          const int32_t iy = iy0 + ky;
          const bool row_inside = iy >= 0 && iy < in_h;
          const int8_t* row = row_inside ? image + iy * in_w : image;
          for (int32_t kx = 0; kx < k_w; ++kx, ++t) {
            const int32_t ix = ix0 + kx;
            const uint32_t half = row_inside && ix >= 0 && ix < in_w
                                      ? static_cast<uint16_t>(int16_t{row[ix]})
                                      : zero_half;
            inputs[t / 2] |= half << (16 * (t % 2));
          }
        }
        __m256i acc = bias;
        for (int j = 0; j < Pairs; ++j) {
          acc = _mm256_add_epi32(
              acc,
              _mm256_madd_epi16(_mm256_set1_epi32(static_cast<int32_t>(inputs[j])), weights[j]));
        }
        const uint64_t bytes = pack8(offset_and_clamp(requantize(acc, q), clamp));
        int8_t* out = out_row + ox * out_c;
        if (lanes == 8) {
          __builtin_memcpy(out, &bytes, 8);
        } else {
          store_partial(out, &bytes, lanes);
        }
      }
    }
  }
}

void conv2d_one_channel(const ConvArgs& args) {
  const int32_t taps = args.filter_shape.h * args.filter_shape.w;
  for (int32_t oc0 = 0; oc0 < args.output_shape.c; oc0 += 8) {
    const int32_t lanes = min_i32(8, args.output_shape.c - oc0);
    switch ((taps + 1) / 2) {
      case 1: conv2d_one_channel_group<1>(args, oc0, lanes); break;
      case 2: conv2d_one_channel_group<2>(args, oc0, lanes); break;
      case 3: conv2d_one_channel_group<3>(args, oc0, lanes); break;
      case 4: conv2d_one_channel_group<4>(args, oc0, lanes); break;
      case 5: conv2d_one_channel_group<5>(args, oc0, lanes); break;
      case 6: conv2d_one_channel_group<6>(args, oc0, lanes); break;
      case 7: conv2d_one_channel_group<7>(args, oc0, lanes); break;
      default: conv2d_one_channel_group<8>(args, oc0, lanes); break;
    }
  }
}

// ---- direct: input rows widened once, windows read in place --------------------------
//
// im2col copies every input pixel into k_h * k_w patches. With an even channel count each
// kernel row of a window is a run of whole int16 pairs inside one widened input row, so
// the product can read it where it lies: the k_h input rows a window spans are widened
// once each (zero point stored around them), and a tile of pixels along an output row
// reads kernel row ky at the same place in the ky-th stored row.

constexpr int32_t kDirectRowBytes = 64 * 1024;  // stored rows (k_h + 1 of them), int16

struct DirectSpan {
  int32_t x_lo, width, stride;  // first stored x, pixels stored, int16 values per row
};

DirectSpan direct_span(const ConvArgs& args) {
  const int32_t x_lo = -args.params.pad_left;
  const int32_t x_hi = (args.output_shape.w - 1) * args.params.stride_w - args.params.pad_left +
                       args.filter_shape.w;
  const int32_t width = x_hi - x_lo;
  return {x_lo, width, (width * args.input_shape.c + 15) / 16 * 16};
}

bool direct_fits(const ConvArgs& args) {
  const int32_t in_c = args.input_shape.c, k_h = args.filter_shape.h;
  if (in_c % 2 != 0 || k_h > 16) return false;
  if (!packed::fits(k_h * args.filter_shape.w * in_c)) return false;
  const int64_t bytes = int64_t{k_h + 1} * direct_span(args).stride * 2;
  return bytes <= kDirectRowBytes;
}

void widen_input_row(const ConvArgs& args, const int8_t* row, const DirectSpan& span,
                     int16_t zero_point, int16_t* dst) {
  const int32_t in_c = args.input_shape.c;
  const int32_t x_begin = max_i32(span.x_lo, 0);
  const int32_t x_end = max_i32(x_begin, min_i32(span.x_lo + span.width, args.input_shape.w));
  packed::fill16(dst, zero_point, (x_begin - span.x_lo) * in_c);
  packed::widen_copy(dst + (x_begin - span.x_lo) * in_c, row + x_begin * in_c,
                     (x_end - x_begin) * in_c);
  packed::fill16(dst + (x_end - span.x_lo) * in_c, zero_point,
                 (span.x_lo + span.width - x_end) * in_c);
}

void conv2d_direct(const ConvArgs& args) {
  const int32_t in_h = args.input_shape.h, in_w = args.input_shape.w, in_c = args.input_shape.c;
  const int32_t k_h = args.filter_shape.h, k_w = args.filter_shape.w;
  const int32_t out_h = args.output_shape.h, out_w = args.output_shape.w;
  const int32_t out_c = args.output_shape.c;
  const ConvParams& p = args.params;
  const int16_t zero_point = static_cast<int16_t>(-p.input_offset);
  const OutputStage stage{args.folded_bias, args.requant, true,
                          p.output_offset,  p.act_min,    p.act_max};
  const DirectSpan span = direct_span(args);

  // Slots 0 .. k_h - 1 hold input rows by y mod k_h; slot k_h is the all-zero-point row.
  alignas(32) int16_t rows[kDirectRowBytes / 2];
  int16_t* const padding_row = rows + k_h * span.stride;
  packed::fill16(padding_row, zero_point, span.width * in_c);
  int32_t slot_row[16];
  const int16_t* segment[16];
  int32_t offsets[packed::kRowTile];
  const packed::RowSet set{segment, k_h, k_w * in_c / 2, offsets};

  packed::ColumnBuffers buffers;
  packed::for_each_chunk(
      args.filter, k_h * k_w * in_c, out_c, stage, buffers, [&](const packed::Chunk& chunk) {
        for (int32_t b = 0; b < args.input_shape.n; ++b) {
          const int8_t* image = args.input + b * in_h * in_w * in_c;
          for (int32_t s = 0; s < k_h; ++s) slot_row[s] = -1;
          for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t iy0 = oy * p.stride_h - p.pad_top;
            for (int32_t ky = 0; ky < k_h; ++ky) {
              const int32_t iy = iy0 + ky;
              if (iy < 0 || iy >= in_h) {
                segment[ky] = padding_row;
                continue;
              }
              const int32_t s = iy % k_h;
              int16_t* slot = rows + s * span.stride;
              if (slot_row[s] != iy) {
                widen_input_row(args, image + iy * in_w * in_c, span, zero_point, slot);
                slot_row[s] = iy;
              }
              segment[ky] = slot;
            }
            int8_t* out_row = args.output + (b * out_h + oy) * out_w * out_c;
            for (int32_t ox0 = 0; ox0 < out_w; ox0 += packed::kRowTile) {
              const int32_t count = min_i32(packed::kRowTile, out_w - ox0);
              for (int32_t r = 0; r < count; ++r) offsets[r] = (ox0 + r) * p.stride_w * in_c;
              packed::run_tile(chunk, set, count, out_row + ox0 * out_c);
            }
          }
        }
      });
}

// ---- im2col + matrix product --------------------------------------------------------

// Filling and copying a patch's values: int8 for the im2col scratch, int16 (widened) for
// the packed product's row buffer.
inline void fill_values(int8_t* dst, int8_t value, int32_t count) {
  if (count > 0) __builtin_memset(dst, value, static_cast<size_t>(count));
}
inline void fill_values(int16_t* dst, int16_t value, int32_t count) { packed::fill16(dst, value, count); }
inline void copy_values(int8_t* dst, const int8_t* src, int32_t count) {
  __builtin_memcpy(dst, src, static_cast<size_t>(count));
}
inline void copy_values(int16_t* dst, const int8_t* src, int32_t count) {
  packed::widen_copy(dst, src, count);
}

// The patch of output pixel (b, oy, ox) in filter order [kh][kw][in_c]: each kernel row
// is one contiguous run of the input row, clipped, with the zero point around it.
template <typename T>
void im2col_pixel(const ConvArgs& args, int32_t b, int32_t oy, int32_t ox, T zero_point, T* column) {
  const ConvParams& p = args.params;
  const int32_t in_h = args.input_shape.h, in_w = args.input_shape.w, in_c = args.input_shape.c;
  const int32_t k_h = args.filter_shape.h, k_w = args.filter_shape.w;
  const int32_t row_values = k_w * in_c;
  const int32_t iy0 = oy * p.stride_h - p.pad_top;
  const int32_t ix0 = ox * p.stride_w - p.pad_left;
  const int32_t kx_begin = max_i32(0, -ix0);
  const int32_t kx_end = max_i32(kx_begin, min_i32(k_w, in_w - ix0));
  for (int32_t ky = 0; ky < k_h; ++ky) {
    T* dst = column + ky * row_values;
    const int32_t iy = iy0 + ky;
    if (iy < 0 || iy >= in_h) {
      fill_values(dst, zero_point, row_values);
      continue;
    }
    fill_values(dst, zero_point, kx_begin * in_c);
    copy_values(dst + kx_begin * in_c, args.input + ((b * in_h + iy) * in_w + ix0 + kx_begin) * in_c,
                (kx_end - kx_begin) * in_c);
    fill_values(dst + kx_end * in_c, zero_point, (k_w - kx_end) * in_c);
  }
}

// Patches of up to packed::kRowTile pixels at a time, widened into the product's own
// row buffer (the arena scratch is not used on this path).
void conv2d_packed(const ConvArgs& args) {
  const int32_t out_h = args.output_shape.h, out_w = args.output_shape.w;
  const int32_t depth = args.filter_shape.h * args.filter_shape.w * args.input_shape.c;
  const int16_t zero_point = static_cast<int16_t>(-args.params.input_offset);
  const OutputStage stage{args.folded_bias,          args.requant,        true,
                          args.params.output_offset, args.params.act_min, args.params.act_max};
  const int32_t pixels = args.input_shape.n * out_h * out_w;
  packed::product(pixels, depth, args.filter, args.output_shape.c, stage, args.output,
                  [&](int32_t r0, int32_t count, int16_t* dst, int32_t stride) {
                    int32_t ox = r0 % out_w, oy = r0 / out_w % out_h, b = r0 / (out_w * out_h);
                    for (int32_t r = 0; r < count; ++r) {
                      im2col_pixel(args, b, oy, ox, zero_point, dst + r * stride);
                      if (++ox == out_w) {
                        ox = 0;
                        if (++oy == out_h) {
                          oy = 0;
                          ++b;
                        }
                      }
                    }
                  });
}

void conv2d_im2col(const ConvArgs& args) {
  const int32_t out_h = args.output_shape.h, out_w = args.output_shape.w;
  const int32_t out_c = args.output_shape.c;
  const int32_t depth = args.filter_shape.h * args.filter_shape.w * args.input_shape.c;
  // conv_scratch_bytes() holds four columns of this stride.
  const int32_t column_stride = (depth + 15) / 16 * 16;
  const int8_t zero_point = static_cast<int8_t>(-args.params.input_offset);
  const OutputStage stage{args.folded_bias,          args.requant,        true,
                          args.params.output_offset, args.params.act_min, args.params.act_max};

  const int32_t pixels = args.input_shape.n * out_h * out_w;
  int32_t b = 0, oy = 0, ox = 0;  // of the next pixel to lay out
  for (int32_t first = 0; first < pixels; first += 4) {
    const int32_t block = min_i32(4, pixels - first);
    for (int32_t j = 0; j < block; ++j) {
      im2col_pixel(args, b, oy, ox, zero_point, args.scratch + j * column_stride);
      if (++ox == out_w) {
        ox = 0;
        if (++oy == out_h) {
          oy = 0;
          ++b;
        }
      }
    }
    matmul_requantize(args.scratch, column_stride, block, depth, args.filter, out_c, stage,
                      args.output + first * out_c);
  }
}

}  // namespace

void conv2d(const ConvArgs& args) {
  if (args.input_shape.c == 1 && args.filter_shape.h * args.filter_shape.w <= kMaxStemTaps) {
    conv2d_one_channel(args);
  } else if (conv2d_winograd(args)) {
    return;
  } else if (direct_fits(args)) {
    conv2d_direct(args);
  } else if (args.input_shape.n * args.output_shape.h * args.output_shape.w >= packed::kRowTile &&
             packed::fits(args.filter_shape.h * args.filter_shape.w * args.input_shape.c)) {
    conv2d_packed(args);
  } else {
    conv2d_im2col(args);
  }
}

}  // namespace qb::kernels::avx2
#endif  // __x86_64__
