// Shapes and parameter blocks shared by every int8 kernel. Freestanding: no heap, no
// exceptions, nothing from the hosted standard library.
#pragma once

#include <cstdint>

namespace qb::kernels {

// NHWC shape. Lower-rank tensors keep leading dimensions at 1 (a dense output is
// [n, 1, 1, features]).
struct Shape {
  int32_t n = 1, h = 1, w = 1, c = 1;
  constexpr int32_t elements() const { return n * h * w * c; }
};

// Spatial convolution geometry plus the quantization of its input and output.
// The output shape is given explicitly; padding at the bottom and right is whatever
// the output shape implies. Taps that fall outside the input read the input zero point
// (the real zero), which is why the reference skips them: (zp + input_offset) == 0.
struct ConvParams {
  int32_t stride_h = 1, stride_w = 1;
  int32_t pad_top = 0, pad_left = 0;
  int32_t input_offset = 0;   // minus the input zero point
  int32_t output_offset = 0;  // the output zero point
  int32_t act_min = -128, act_max = 127;  // fused activation, in the output's int8 domain
};

// Per-output-channel requantization: real multiplier = multiplier * 2^(shift - 31).
struct ChannelRequant {
  const int32_t* multiplier = nullptr;
  const int32_t* shift = nullptr;
};

struct DenseParams {
  int32_t input_offset = 0;
  int32_t output_offset = 0;
  int32_t act_min = -128, act_max = 127;
  bool per_channel = false;  // false: multiplier[0] and shift[0] serve every output
};

// TFLite ADD: both inputs are lifted by 2^left_shift, rescaled to a common scale, summed,
// and rescaled to the output.
struct AddParams {
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;
  int32_t input1_multiplier = 0, input1_shift = 0;
  int32_t input2_multiplier = 0, input2_shift = 0;
  int32_t output_multiplier = 0, output_shift = 0;
  int32_t left_shift = 20;
  int32_t act_min = -128, act_max = 127;
};

// Pooling keeps the input's scale and zero point: no requantization.
struct PoolParams {
  int32_t stride_h = 1, stride_w = 1;
  int32_t filter_h = 1, filter_w = 1;
  int32_t pad_top = 0, pad_left = 0;
  int32_t act_min = -128, act_max = 127;
};

struct PadParams {
  int32_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int8_t pad_value = 0;  // the input zero point
};

}  // namespace qb::kernels
