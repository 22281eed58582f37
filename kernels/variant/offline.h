// Work done once, when a model is compiled, so no kernel repeats it per inference. The
// model compiler (harness/pipeline) stores the results in the .qbm file, the loader
// (kernels/runtime/model.cc) checks them, and the variant checks build their cases with
// the same functions.
#pragma once

#include <cstdint>

#include "kernels/int8/tensor.h"

namespace qb::kernels {

// folded[oc] = bias[oc] + input_offset * sum of the channel's weights, where channel oc
// holds `taps` weights starting at filter + oc * channel_stride, tap_stride bytes apart
// (conv2d, pointwise, dense: channel_stride = taps, tap_stride = 1; depthwise:
// channel_stride = 1, tap_stride = channels). bias may be null. Returns false, leaving
// `folded` partly written, if a value does not fit an int32.
bool fold_bias(const int8_t* filter, const int32_t* bias, int32_t channels, int32_t taps,
               int32_t channel_stride, int32_t tap_stride, int32_t input_offset, int32_t* folded);

// Arena scratch a convolution may use, the same for every variant so that one model
// file serves every target: room for four columns of an im2col patch (kh*kw*in_c
// rounded up to 16) as int8, or two as int16. Pointwise and depthwise convolutions
// and dense layers need none.
// Computed in 64 bits and saturated, so the loader can ask it of an untrusted record.
constexpr uint32_t conv_scratch_bytes(const Shape& filter_shape) {
  const uint64_t patch = uint64_t{static_cast<uint32_t>(filter_shape.h)} *
                         static_cast<uint32_t>(filter_shape.w) * static_cast<uint32_t>(filter_shape.c);
  const uint64_t bytes = 4 * ((patch + 15) / 16 * 16);
  return bytes > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(bytes);
}

}  // namespace qb::kernels
