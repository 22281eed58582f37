// One ISA variant of the int8 kernels, as a table of entry points. The reference set
// (kernels/int8) is always present; each ISA directory (kernels/arm_dsp, kernels/arm_mve,
// kernels/arm_neon, kernels/x86_avx2) provides a set that is byte-identical to it. The
// interpreter runs whichever set it is given, so one binary can hold the reference and
// a fast set side by side (the host's reference and AVX2 targets, the tests, the
// benchmarks), while a cross image runs the set its CPU flags select (selected_kernels).
//
// Ops without a faster form (pad, lookup table) are not in the table: every target runs
// the reference for them.
#pragma once

#include <cstdint>

#include "kernels/int8/tensor.h"

namespace qb::kernels {

// A convolution (conv2d, depthwise_conv2d or pointwise_conv2d) with the model compiler's
// offline data and its arena scratch.
struct ConvArgs {
  ConvParams params;
  ChannelRequant requant;
  Shape input_shape;
  const int8_t* input = nullptr;
  Shape filter_shape;  // conv2d [out_c, kh, kw, in_c]; depthwise [1, kh, kw, c]; pointwise [out_c, 1, 1, in_c]
  const int8_t* filter = nullptr;
  const int32_t* bias = nullptr;  // may be null: zeros
  // bias[oc] + input_offset * (sum of filter[oc] over every tap), from fold_bias()
  // (kernels/variant/offline.h). With it a kernel accumulates plain input x weight
  // products; a tap in the padding must then read the input zero point, not be skipped.
  // Never null.
  const int32_t* folded_bias = nullptr;
  Shape output_shape;
  int8_t* output = nullptr;
  // At least conv_scratch_bytes() bytes, 16-byte aligned, part of the arena.
  int8_t* scratch = nullptr;
  uint32_t scratch_bytes = 0;
};

struct DenseArgs {
  DenseParams params;
  ChannelRequant requant;
  int32_t batches = 1, in_features = 1, out_features = 1;
  const int8_t* input = nullptr;
  const int8_t* filter = nullptr;        // [out_features, in_features]
  const int32_t* bias = nullptr;         // may be null
  const int32_t* folded_bias = nullptr;  // as ConvArgs::folded_bias; never null
  int8_t* output = nullptr;
};

struct KernelSet {
  const char* name;  // "reference", "avx2", "neon", "dotprod", "dsp", "mve"
  void (*conv2d)(const ConvArgs& args);
  void (*depthwise_conv2d)(const ConvArgs& args);
  void (*pointwise_conv2d)(const ConvArgs& args);
  void (*dense)(const DenseArgs& args);
  void (*add)(const AddParams& params, int32_t count, const int8_t* input1, const int8_t* input2,
              int8_t* output);
  void (*max_pool2d)(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                     const Shape& output_shape, int8_t* output);
  void (*avg_pool2d)(const PoolParams& params, const Shape& input_shape, const int8_t* input,
                     const Shape& output_shape, int8_t* output);
  void (*global_avg_pool2d)(int32_t act_min, int32_t act_max, const Shape& input_shape,
                            const int8_t* input, int8_t* output);
};

// kernels/int8, adapted to the table.
const KernelSet& reference_kernels();

// The reference's table entries by name, for a variant's table to keep where it has no
// faster form of an op (the table must be a constant: no guarded statics on a target).
namespace ref {
void conv2d(const ConvArgs& args);
void depthwise_conv2d(const ConvArgs& args);
void pointwise_conv2d(const ConvArgs& args);
void dense(const DenseArgs& args);
}  // namespace ref

// The fastest set this build's ISA flags allow: dsp (__ARM_FEATURE_DSP), mve
// (__ARM_FEATURE_MVE), neon (__ARM_NEON), dotprod (__ARM_FEATURE_DOTPROD), otherwise the
// reference. x86-64 builds stay on the reference: AVX2 is a run-time choice there
// (avx2_kernels), because the host binary must run on any x86-64.
const KernelSet& selected_kernels();

#if defined(__x86_64__)
// Compiled for AVX2 whatever the build's flags; call only where cpu_has_avx2().
const KernelSet& avx2_kernels();
bool cpu_has_avx2();
#endif

}  // namespace qb::kernels
