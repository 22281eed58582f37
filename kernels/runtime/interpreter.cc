// Runs a validated model: no checks here beyond the interpreter's own state, because
// Model::load has already proven every shape, parameter, buffer and arena range.
#include "kernels/runtime/interpreter.h"

#include <utility>

#include "kernels/int8/conv2d.h"
#include "kernels/int8/lookup_table.h"
#include "kernels/int8/pad.h"
#include "kernels/int8/reshape.h"
#include "kernels/int8/softmax.h"

namespace qb::runtime {

// int32 buffers (bias, multiplier, shift) are little-endian in the file and are handed to
// the kernels in place.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the .qbm reader needs a little-endian target");

namespace {

using qbm::Op;
namespace param = qbm::param;

const int32_t* as_int32(const uint8_t* data) { return reinterpret_cast<const int32_t*>(data); }
const int8_t* as_int8(const uint8_t* data) { return reinterpret_cast<const int8_t*>(data); }

// A layer's parameter words, read from its record as an op asks for them.
struct Params {
  const LayerRecord& layer;
  int32_t operator[](uint32_t i) const { return layer.param(i); }
};

kernels::ConvParams conv_params(const Params& p, const TensorInfo& in, const TensorInfo& out) {
  kernels::ConvParams c;
  c.stride_h = p[param::kStrideH];
  c.stride_w = p[param::kStrideW];
  c.pad_top = p[param::kPadTop];
  c.pad_left = p[param::kPadLeft];
  c.input_offset = -in.zero_point;
  c.output_offset = out.zero_point;
  c.act_min = p[param::kActMin];
  c.act_max = p[param::kActMax];
  return c;
}

kernels::PoolParams pool_params(const Params& p) {
  kernels::PoolParams c;
  c.stride_h = p[param::kStrideH];
  c.stride_w = p[param::kStrideW];
  c.filter_h = p[param::kKernelH];
  c.filter_w = p[param::kKernelW];
  c.pad_top = p[param::kPadTop];
  c.pad_left = p[param::kPadLeft];
  c.act_min = p[param::kActMin];
  c.act_max = p[param::kActMax];
  return c;
}

}  // namespace

Status Interpreter::init(const Model* model, uint8_t* arena, size_t arena_size,
                         const kernels::KernelSet* kernels) {
  model_ = nullptr;
  arena_ = nullptr;
  kernels_ = kernels != nullptr ? kernels : &kernels::selected_kernels();
  // A Model that never loaded has no tensors: it reads as an empty, truncated file.
  if (model == nullptr || model->tensor_count() == 0) return Status::kTruncated;
  if (arena == nullptr || reinterpret_cast<uintptr_t>(arena) % qbm::kAlignment != 0) {
    return Status::kMisaligned;
  }
  if (arena_size < model->arena_size()) return Status::kArenaTooSmall;
  model_ = model;
  arena_ = arena;
  return Status::kOk;
}

int8_t* Interpreter::input() const {
  if (model_ == nullptr) return nullptr;
  return reinterpret_cast<int8_t*>(arena_ + model_->tensor(model_->input_tensor()).arena_offset);
}

const int8_t* Interpreter::output() const {
  if (model_ == nullptr) return nullptr;
  return reinterpret_cast<const int8_t*>(arena_ +
                                         model_->tensor(model_->output_tensor()).arena_offset);
}

uint32_t Interpreter::input_bytes() const {
  return model_ == nullptr ? 0 : model_->tensor(model_->input_tensor()).bytes();
}

uint32_t Interpreter::output_bytes() const {
  return model_ == nullptr ? 0 : model_->tensor(model_->output_tensor()).bytes();
}

void Interpreter::invoke(const LayerHooks* hooks) const {
  if (model_ == nullptr) return;
  for (uint32_t i = 0; i < model_->layer_count(); ++i) {
    if (hooks != nullptr && hooks->before != nullptr) hooks->before(hooks->context, i);
    run_layer(i);
    if (hooks != nullptr && hooks->after != nullptr) {
      const TensorInfo out = model_->tensor_fast(LayerRecord(*model_, i).output());
      hooks->after(hooks->context, i, reinterpret_cast<const int8_t*>(arena_ + out.arena_offset),
                   out.bytes());
    }
  }
}

void Interpreter::run_layer(uint32_t index) const {
  if (model_ == nullptr || index >= model_->layer_count()) return;
  // Only what the op needs is read from the record: a small layer (a reshape, a softmax)
  // would otherwise pay more for decoding than for its work.
  const LayerRecord layer(*model_, index);
  const Params p{layer};
  const TensorInfo in = model_->tensor_fast(layer.input0());
  const TensorInfo out = model_->tensor_fast(layer.output());
  const int8_t* x = reinterpret_cast<const int8_t*>(arena_ + in.arena_offset);
  int8_t* y = reinterpret_cast<int8_t*>(arena_ + out.arena_offset);
  const kernels::KernelSet& k = *kernels_;
  auto requant = [&] {
    return kernels::ChannelRequant{as_int32(layer.buffer(qbm::kMultiplier)),
                                   as_int32(layer.buffer(qbm::kShift))};
  };

  // Convolutions: the same arguments for all three, only the filter shape differs.
  auto conv_args = [&](const kernels::Shape& filter_shape) {
    kernels::ConvArgs a;
    a.params = conv_params(p, in, out);
    a.requant = requant();
    a.input_shape = in.shape;
    a.input = x;
    a.filter_shape = filter_shape;
    a.filter = as_int8(layer.buffer(qbm::kWeights));
    a.bias = as_int32(layer.buffer(qbm::kBias));
    a.folded_bias = as_int32(layer.buffer(qbm::kAux));
    a.output_shape = out.shape;
    a.output = y;
    a.scratch_bytes = layer.scratch_size();
    a.scratch = a.scratch_bytes != 0 ? reinterpret_cast<int8_t*>(arena_ + layer.scratch_offset())
                                     : nullptr;
    return a;
  };
  auto kernel_hw = [&] { return std::pair<int32_t, int32_t>{p[param::kKernelH], p[param::kKernelW]}; };

  switch (layer.op()) {
    case Op::kConv2d: {
      const auto [kh, kw] = kernel_hw();
      k.conv2d(conv_args(kernels::Shape{out.shape.c, kh, kw, in.shape.c}));
      break;
    }
    case Op::kDepthwiseConv2d: {
      const auto [kh, kw] = kernel_hw();
      // The ISA variants take depth multiplier 1; other multipliers run the reference.
      if (out.shape.c == in.shape.c) {
        k.depthwise_conv2d(conv_args(kernels::Shape{1, kh, kw, in.shape.c}));
      } else {
        const kernels::ConvArgs a = conv_args(kernels::Shape{1, kh, kw, out.shape.c});
        kernels::depthwise_conv2d_multiplier(a.params, a.requant, a.input_shape, a.input, a.filter_shape,
                                             a.filter, a.bias, a.output_shape, a.output);
      }
      break;
    }
    case Op::kPointwiseConv2d:
      k.pointwise_conv2d(conv_args(kernels::Shape{out.shape.c, 1, 1, in.shape.c}));
      break;
    case Op::kDense: {
      kernels::DenseArgs d;
      d.params.input_offset = -in.zero_point;
      d.params.output_offset = out.zero_point;
      d.params.act_min = p[param::kActMin];
      d.params.act_max = p[param::kActMax];
      d.params.per_channel = p[param::kPerChannel] != 0;
      d.requant = requant();
      d.batches = in.shape.n;
      d.in_features = in.shape.h * in.shape.w * in.shape.c;
      d.out_features = out.shape.c;
      d.input = x;
      d.filter = as_int8(layer.buffer(qbm::kWeights));
      d.bias = as_int32(layer.buffer(qbm::kBias));
      d.folded_bias = as_int32(layer.buffer(qbm::kAux));
      d.output = y;
      k.dense(d);
      break;
    }
    case Op::kAdd: {
      const TensorInfo in1 = model_->tensor_fast(layer.input1());
      kernels::AddParams a;
      a.input1_offset = -in.zero_point;
      a.input2_offset = -in1.zero_point;
      a.output_offset = out.zero_point;
      a.input1_multiplier = p[param::kInput1Multiplier];
      a.input1_shift = p[param::kInput1Shift];
      a.input2_multiplier = p[param::kInput2Multiplier];
      a.input2_shift = p[param::kInput2Shift];
      a.output_multiplier = p[param::kOutputMultiplier];
      a.output_shift = p[param::kOutputShift];
      a.left_shift = p[param::kLeftShift];
      a.act_min = p[param::kActMin];
      a.act_max = p[param::kActMax];
      k.add(a, out.shape.elements(), x, reinterpret_cast<const int8_t*>(arena_ + in1.arena_offset),
            y);
      break;
    }
    case Op::kMaxPool2d:
      k.max_pool2d(pool_params(p), in.shape, x, out.shape, y);
      break;
    case Op::kAvgPool2d:
      k.avg_pool2d(pool_params(p), in.shape, x, out.shape, y);
      break;
    case Op::kGlobalAvgPool2d:
      k.global_avg_pool2d(p[param::kActMin], p[param::kActMax], in.shape, x, y);
      break;
    case Op::kPad: {
      kernels::PadParams d;
      d.pad_top = p[param::kPadTop];
      d.pad_bottom = p[param::kPadBottom];
      d.pad_left = p[param::kPadLeft];
      d.pad_right = p[param::kPadRight];
      d.pad_value = static_cast<int8_t>(in.zero_point);
      kernels::pad(d, in.shape, x, out.shape, y);
      break;
    }
    case Op::kLookupTable:
      kernels::lookup_table(as_int8(layer.buffer(qbm::kTable)), out.shape.elements(), x, y);
      break;
    case Op::kSoftmax: {
      kernels::SoftmaxParams s;
      s.input_multiplier = p[param::kSoftmaxMultiplier];
      s.input_left_shift = p[param::kSoftmaxLeftShift];
      s.diff_min = p[param::kSoftmaxDiffMin];
      kernels::softmax(s, in.shape.n * in.shape.h * in.shape.w, in.shape.c, x, y);
      break;
    }
    case Op::kReshape:
      // The arena planner gives a reshape's output its input's bytes: nothing to move.
      if (x != y) kernels::reshape(out.shape.elements(), x, y);
      break;
  }
}

}  // namespace qb::runtime
