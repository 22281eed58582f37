// Shared by the .qbm runtime tests: exactly-sized 16-byte aligned buffers (so ASan sees
// any byte read past the end), little-endian field editing with a re-sealed checksum, two
// small models that together use every op, and a reference that runs a ModelSpec by
// calling the int8 kernels directly, without the file or the interpreter.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <random>
#include <vector>

#include "harness/model/model_spec.h"
#include "kernels/float/float_ops.h"
#include "kernels/float/quantize.h"
#include "kernels/int8/add.h"
#include "kernels/int8/conv2d.h"
#include "kernels/int8/dense.h"
#include "kernels/int8/lookup_table.h"
#include "kernels/int8/pad.h"
#include "kernels/int8/pooling.h"
#include "kernels/int8/reshape.h"
#include "kernels/runtime/crc32.h"
#include "kernels/runtime/model.h"

namespace qb::test {

namespace qbm = runtime::qbm;
using harness::LayerSpec;
using harness::ModelSpec;
using harness::TensorSpec;
using qbm::Op;

// Exactly `size` bytes at a 16-byte aligned address.
class AlignedBytes {
 public:
  explicit AlignedBytes(size_t size)
      : size_(size),
        data_(static_cast<uint8_t*>(::operator new (size == 0 ? 1 : size, std::align_val_t{16}))) {}
  explicit AlignedBytes(const std::vector<uint8_t>& bytes) : AlignedBytes(bytes.size()) {
    if (!bytes.empty()) std::memcpy(data_, bytes.data(), bytes.size());
  }
  AlignedBytes(const uint8_t* bytes, size_t size) : AlignedBytes(size) {
    if (size != 0) std::memcpy(data_, bytes, size);
  }
  ~AlignedBytes() { ::operator delete (data_, std::align_val_t{16}); }
  AlignedBytes(const AlignedBytes&) = delete;
  AlignedBytes& operator=(const AlignedBytes&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  size_t size_;
  uint8_t* data_;
};

inline runtime::Status load_status(const std::vector<uint8_t>& bytes, size_t size) {
  AlignedBytes copy(bytes.data(), size);
  runtime::Model model;
  return model.load(copy.data(), copy.size());
}
inline runtime::Status load_status(const std::vector<uint8_t>& bytes) {
  return load_status(bytes, bytes.size());
}

// A serialized file plus field editing by the offsets of qbm_format.h.
struct QbmFile {
  std::vector<uint8_t> bytes;

  uint32_t u32(uint64_t at) const {
    return static_cast<uint32_t>(bytes.at(at)) | static_cast<uint32_t>(bytes.at(at + 1)) << 8 |
           static_cast<uint32_t>(bytes.at(at + 2)) << 16 |
           static_cast<uint32_t>(bytes.at(at + 3)) << 24;
  }
  void set_u32(uint64_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes.at(at + i) = static_cast<uint8_t>(v >> (8 * i));
  }
  void set_i32(uint64_t at, int32_t v) { set_u32(at, static_cast<uint32_t>(v)); }

  uint64_t tensor(uint32_t t) const {
    return u32(qbm::header::kTensorTable) + uint64_t{t} * qbm::kTensorRecordSize;
  }
  uint64_t layer(uint32_t l) const {
    return u32(qbm::header::kLayerTable) + uint64_t{l} * qbm::kLayerRecordSize;
  }
  uint64_t param(uint32_t l, uint32_t p) const { return layer(l) + qbm::layer::kParams + 4 * p; }
  uint64_t buffer_record(uint32_t b) const {
    return u32(qbm::header::kBufferTable) + uint64_t{b} * qbm::kBufferRecordSize;
  }
  uint32_t slot(uint32_t l, uint32_t s) const {
    return u32(layer(l) + qbm::layer::kBuffers + 4 * s);
  }
  // Where a layer's buffer data lives in the file.
  uint64_t buffer_data(uint32_t l, uint32_t s) const {
    return u32(buffer_record(slot(l, s)) + qbm::buffer::kOffset);
  }

  // Recomputes the checksum after an edit: a forged file, which only the semantic checks
  // can still refuse.
  void reseal() {
    set_u32(qbm::header::kChecksum,
            runtime::crc32(bytes.data() + qbm::kChecksumStart, bytes.size() - qbm::kChecksumStart));
  }
  runtime::Status status() const { return load_status(bytes); }
};

inline std::vector<int8_t> random_int8(size_t n, std::mt19937& rng, int lo = -128, int hi = 127) {
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(dist(rng));
  return v;
}

inline uint32_t add_tensor(ModelSpec& m, std::array<int32_t, 4> dims, float scale, int32_t zp) {
  TensorSpec t;
  t.dims = dims;
  t.scale = scale;
  t.zero_point = zp;
  m.tensors.push_back(t);
  return static_cast<uint32_t>(m.tensors.size() - 1);
}

inline kernels::fp::QuantParams quant(const ModelSpec& m, uint32_t t) {
  return {m.tensors[t].scale, m.tensors[t].zero_point};
}

// ReLU for every layer that requantizes; keeps the fused clamp in the picture.
inline void set_act(const ModelSpec& m, LayerSpec& layer, bool relu) {
  int32_t lo = -128, hi = 127;
  if (relu)
    kernels::fp::activation_range(0.0f, kernels::fp::kNoLimit, quant(m, layer.output), &lo, &hi);
  layer.params[qbm::param::kActMin] = lo;
  layer.params[qbm::param::kActMax] = hi;
}

// Weights, bias and per-channel requantization for a convolution or dense layer, with
// scales that make the real multipliers realistic (well below one).
inline void fill_weights(const ModelSpec& m, LayerSpec& layer, size_t weights, int32_t channels,
                         int32_t requants, std::mt19937& rng) {
  layer.weights = random_int8(weights, rng, -127, 127);
  std::uniform_int_distribution<int32_t> bias(-3000, 3000);
  const float s_in = m.tensors[layer.input0].scale;
  const float s_out = m.tensors[layer.output].scale;
  for (int32_t c = 0; c < channels; ++c) layer.bias.push_back(bias(rng));
  for (int32_t c = 0; c < requants; ++c) {
    const double s_w = 0.004 * (1.0 + 0.15 * c);
    const auto q = kernels::fp::quantize_multiplier(s_in * s_w / s_out);
    layer.multiplier.push_back(q.multiplier);
    layer.shift.push_back(q.shift);
  }
}

inline void set_window(LayerSpec& layer, int32_t stride, int32_t pad, int32_t kernel) {
  using namespace qbm::param;
  layer.params[kStrideH] = layer.params[kStrideW] = stride;
  layer.params[kPadTop] = layer.params[kPadLeft] = pad;
  layer.params[kKernelH] = layer.params[kKernelW] = kernel;
}

// conv2d -> depthwise -> pointwise -> add(skip) -> max pool -> global avg pool -> dense
// (per channel) -> sigmoid table; batch 2.
inline ModelSpec residual_model(uint32_t seed = 1) {
  std::mt19937 rng(seed);
  ModelSpec m;
  const uint32_t x = add_tensor(m, {2, 8, 8, 3}, 0.05f, -5);
  const uint32_t c1 = add_tensor(m, {2, 8, 8, 8}, 0.04f, -20);
  const uint32_t dw = add_tensor(m, {2, 8, 8, 8}, 0.03f, -2);
  const uint32_t pw = add_tensor(m, {2, 8, 8, 8}, 0.05f, 1);
  const uint32_t sum = add_tensor(m, {2, 8, 8, 8}, 0.07f, -10);
  const uint32_t mp = add_tensor(m, {2, 4, 4, 8}, 0.07f, -10);
  const uint32_t gap = add_tensor(m, {2, 1, 1, 8}, 0.07f, -10);
  const uint32_t fc = add_tensor(m, {2, 1, 1, 10}, 0.1f, 4);
  const uint32_t sig = add_tensor(m, {2, 1, 1, 10}, 1.0f / 256, -128);
  m.input = x;
  m.output = sig;

  LayerSpec conv;
  conv.op = Op::kConv2d;
  conv.input0 = x;
  conv.output = c1;
  set_window(conv, 1, 1, 3);
  set_act(m, conv, true);
  fill_weights(m, conv, 8 * 3 * 3 * 3, 8, 8, rng);
  m.layers.push_back(conv);

  LayerSpec depthwise;
  depthwise.op = Op::kDepthwiseConv2d;
  depthwise.input0 = c1;
  depthwise.output = dw;
  set_window(depthwise, 1, 1, 3);
  set_act(m, depthwise, false);
  fill_weights(m, depthwise, 3 * 3 * 8, 8, 8, rng);
  m.layers.push_back(depthwise);

  LayerSpec pointwise;
  pointwise.op = Op::kPointwiseConv2d;
  pointwise.input0 = dw;
  pointwise.output = pw;
  set_window(pointwise, 1, 0, 1);
  set_act(m, pointwise, false);
  fill_weights(m, pointwise, 8 * 8, 8, 8, rng);
  pointwise.scratch_bytes = 40;  // exercises a scratch reservation
  m.layers.push_back(pointwise);

  LayerSpec add;
  add.op = Op::kAdd;
  add.input0 = pw;
  add.input1 = c1;  // the skip: c1 stays alive across depthwise and pointwise
  add.output = sum;
  const kernels::AddParams ap = kernels::fp::add_params(quant(m, pw), quant(m, c1), quant(m, sum),
                                                        0.0f, kernels::fp::kNoLimit);
  {
    using namespace qbm::param;
    add.params[kInput1Multiplier] = ap.input1_multiplier;
    add.params[kInput1Shift] = ap.input1_shift;
    add.params[kInput2Multiplier] = ap.input2_multiplier;
    add.params[kInput2Shift] = ap.input2_shift;
    add.params[kOutputMultiplier] = ap.output_multiplier;
    add.params[kOutputShift] = ap.output_shift;
    add.params[kLeftShift] = ap.left_shift;
    add.params[kActMin] = ap.act_min;
    add.params[kActMax] = ap.act_max;
  }
  m.layers.push_back(add);

  LayerSpec pool;
  pool.op = Op::kMaxPool2d;
  pool.input0 = sum;
  pool.output = mp;
  set_window(pool, 2, 0, 2);
  set_act(m, pool, false);
  m.layers.push_back(pool);

  LayerSpec global;
  global.op = Op::kGlobalAvgPool2d;
  global.input0 = mp;
  global.output = gap;
  set_act(m, global, false);
  m.layers.push_back(global);

  LayerSpec dense;
  dense.op = Op::kDense;
  dense.input0 = gap;
  dense.output = fc;
  dense.params[qbm::param::kPerChannel] = 1;
  set_act(m, dense, false);
  fill_weights(m, dense, 10 * 8, 10, 10, rng);
  m.layers.push_back(dense);

  LayerSpec lut;
  lut.op = Op::kLookupTable;
  lut.input0 = fc;
  lut.output = sig;
  set_act(m, lut, false);
  lut.table.resize(256);
  kernels::fp::build_lookup_table([](double v) { return 1.0 / (1.0 + std::exp(-v)); }, quant(m, fc),
                                  quant(m, sig), lut.table.data());
  m.layers.push_back(lut);
  return m;
}

// residual_model with its output flattened by a reshape (tensor 9): the arena planner puts
// the reshape's output on its input (tensor 8).
inline ModelSpec reshaped_model(uint32_t seed = 1) {
  ModelSpec m = residual_model(seed);
  const TensorSpec last = m.tensors[m.output];
  const uint32_t flat = add_tensor(m, {1, 1, 1, static_cast<int32_t>(last.elements())},
                                   last.scale, last.zero_point);
  LayerSpec reshape;
  reshape.op = Op::kReshape;
  reshape.input0 = m.output;
  reshape.output = flat;
  set_act(m, reshape, false);
  m.layers.push_back(reshape);
  m.output = flat;
  return m;
}

// pad -> avg pool (padded, uneven) -> strided conv without padding -> dense (per tensor)
// over a flattened [3, 3, 6] input.
inline ModelSpec padded_model(uint32_t seed = 2) {
  std::mt19937 rng(seed);
  ModelSpec m;
  const uint32_t x = add_tensor(m, {1, 7, 7, 4}, 0.02f, 10);
  const uint32_t padded = add_tensor(m, {1, 9, 10, 4}, 0.02f, 10);
  const uint32_t avg = add_tensor(m, {1, 5, 6, 4}, 0.02f, 10);
  const uint32_t conv_out = add_tensor(m, {1, 3, 3, 6}, 0.03f, -7);
  const uint32_t fc = add_tensor(m, {1, 1, 1, 5}, 0.08f, 2);
  m.input = x;
  m.output = fc;

  LayerSpec pad;
  pad.op = Op::kPad;
  pad.input0 = x;
  pad.output = padded;
  {
    using namespace qbm::param;
    pad.params[kPadTop] = 1;
    pad.params[kPadBottom] = 1;
    pad.params[kPadLeft] = 2;
    pad.params[kPadRight] = 1;
  }
  set_act(m, pad, false);
  m.layers.push_back(pad);

  LayerSpec pool;
  pool.op = Op::kAvgPool2d;
  pool.input0 = padded;
  pool.output = avg;
  set_window(pool, 2, 1, 3);
  set_act(m, pool, false);
  m.layers.push_back(pool);

  LayerSpec conv;
  conv.op = Op::kConv2d;
  conv.input0 = avg;
  conv.output = conv_out;
  set_window(conv, 2, 0, 3);
  set_act(m, conv, true);
  fill_weights(m, conv, 6 * 3 * 3 * 4, 6, 6, rng);
  m.layers.push_back(conv);

  LayerSpec dense;
  dense.op = Op::kDense;
  dense.input0 = conv_out;
  dense.output = fc;
  dense.params[qbm::param::kPerChannel] = 0;
  set_act(m, dense, false);
  fill_weights(m, dense, 5 * 54, 5, 1, rng);
  m.layers.push_back(dense);
  return m;
}

inline kernels::Shape shape_of(const TensorSpec& t) {
  return {t.dims[0], t.dims[1], t.dims[2], t.dims[3]};
}

// Runs the spec layer by layer with the kernels themselves; returns every tensor's bytes.
inline std::vector<std::vector<int8_t>> reference_run(const ModelSpec& m,
                                                      const std::vector<int8_t>& input) {
  using namespace qbm::param;
  std::vector<std::vector<int8_t>> values(m.tensors.size());
  for (size_t t = 0; t < m.tensors.size(); ++t) {
    values[t].assign(static_cast<size_t>(m.tensors[t].elements()), 0);
  }
  values[m.input] = input;
  for (const LayerSpec& l : m.layers) {
    const TensorSpec& ti = m.tensors[l.input0];
    const TensorSpec& to = m.tensors[l.output];
    const kernels::Shape is = shape_of(ti), os = shape_of(to);
    const int8_t* in = values[l.input0].data();
    int8_t* out = values[l.output].data();
    const auto& p = l.params;
    const kernels::ChannelRequant rq{l.multiplier.data(), l.shift.data()};
    kernels::ConvParams cp;
    cp.stride_h = p[kStrideH];
    cp.stride_w = p[kStrideW];
    cp.pad_top = p[kPadTop];
    cp.pad_left = p[kPadLeft];
    cp.input_offset = -ti.zero_point;
    cp.output_offset = to.zero_point;
    cp.act_min = p[kActMin];
    cp.act_max = p[kActMax];
    kernels::PoolParams pp;
    pp.stride_h = p[kStrideH];
    pp.stride_w = p[kStrideW];
    pp.filter_h = p[kKernelH];
    pp.filter_w = p[kKernelW];
    pp.pad_top = p[kPadTop];
    pp.pad_left = p[kPadLeft];
    pp.act_min = p[kActMin];
    pp.act_max = p[kActMax];
    switch (l.op) {
      case Op::kConv2d:
        kernels::conv2d(cp, rq, is, in, {os.c, p[kKernelH], p[kKernelW], is.c}, l.weights.data(),
                        l.bias.data(), os, out);
        break;
      case Op::kDepthwiseConv2d:
        kernels::depthwise_conv2d(cp, rq, is, in, {1, p[kKernelH], p[kKernelW], is.c},
                                  l.weights.data(), l.bias.data(), os, out);
        break;
      case Op::kPointwiseConv2d:
        kernels::pointwise_conv2d(cp, rq, is, in, {os.c, 1, 1, is.c}, l.weights.data(),
                                  l.bias.data(), os, out);
        break;
      case Op::kDense: {
        kernels::DenseParams dp;
        dp.input_offset = -ti.zero_point;
        dp.output_offset = to.zero_point;
        dp.act_min = p[kActMin];
        dp.act_max = p[kActMax];
        dp.per_channel = p[kPerChannel] != 0;
        kernels::dense(dp, rq, is.n, is.h * is.w * is.c, os.c, in, l.weights.data(), l.bias.data(),
                       out);
        break;
      }
      case Op::kAdd: {
        kernels::AddParams ap;
        ap.input1_offset = -ti.zero_point;
        ap.input2_offset = -m.tensors[l.input1].zero_point;
        ap.output_offset = to.zero_point;
        ap.input1_multiplier = p[kInput1Multiplier];
        ap.input1_shift = p[kInput1Shift];
        ap.input2_multiplier = p[kInput2Multiplier];
        ap.input2_shift = p[kInput2Shift];
        ap.output_multiplier = p[kOutputMultiplier];
        ap.output_shift = p[kOutputShift];
        ap.left_shift = p[kLeftShift];
        ap.act_min = p[kActMin];
        ap.act_max = p[kActMax];
        kernels::add(ap, os.elements(), in, values[l.input1].data(), out);
        break;
      }
      case Op::kMaxPool2d:
        kernels::max_pool2d(pp, is, in, os, out);
        break;
      case Op::kAvgPool2d:
        kernels::avg_pool2d(pp, is, in, os, out);
        break;
      case Op::kGlobalAvgPool2d:
        kernels::global_avg_pool2d(p[kActMin], p[kActMax], is, in, out);
        break;
      case Op::kPad: {
        kernels::PadParams pd;
        pd.pad_top = p[kPadTop];
        pd.pad_bottom = p[kPadBottom];
        pd.pad_left = p[kPadLeft];
        pd.pad_right = p[kPadRight];
        pd.pad_value = static_cast<int8_t>(ti.zero_point);
        kernels::pad(pd, is, in, os, out);
        break;
      }
      case Op::kLookupTable:
        kernels::lookup_table(l.table.data(), os.elements(), in, out);
        break;
      case Op::kReshape:
        kernels::reshape(os.elements(), in, out);
        break;
    }
  }
  return values;
}

}  // namespace qb::test
