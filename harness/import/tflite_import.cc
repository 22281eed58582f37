#include "harness/import/tflite_import.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "harness/import/tflite_file.h"
#include "harness/suite/input_error.h"
#include "harness/suite/limits.h"

namespace qb::harness {
namespace {

namespace fp = kernels::fp;
namespace op = tflite_op;

constexpr int32_t kUnproduced = -2;  // a tensor no operator (nor the graph input) writes

const char* const kSupported =
    "supported: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, AVERAGE_POOL_2D, MAX_POOL_2D, "
    "RESHAPE, SOFTMAX, PAD, and QUANTIZE/DEQUANTIZE at the model's edges";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string shape_text(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ',';
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::string shape_text(const kernels::Shape& s) {
  return shape_text(std::vector<int32_t>{s.n, s.h, s.w, s.c});
}

bool same(const kernels::Shape& a, const kernels::Shape& b) {
  return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

// TFLite's output size and leading padding for one spatial dimension (dilation 1).
struct Padded {
  int32_t out = 0, before = 0, after = 0;
};
Padded pad_dimension(bool same_padding, int32_t in, int32_t k, int32_t stride) {
  Padded p;
  p.out = same_padding ? (in + stride - 1) / stride : (in - k + stride) / stride;
  const int32_t total = std::max((p.out - 1) * stride + k - in, 0);
  p.before = same_padding ? total / 2 : 0;
  p.after = same_padding ? total - p.before : 0;
  return p;
}

class Importer {
 public:
  explicit Importer(const std::string& path) : m_(read_tflite(path)) {}

  ImportedModel run() {
    ImportedModel out;
    out.path = m_.path;
    if (m_.inputs.size() != 1 || m_.outputs.size() != 1) {
      fail_file("expected one input and one output tensor, got " + std::to_string(m_.inputs.size()) +
                " inputs and " + std::to_string(m_.outputs.size()) + " outputs");
    }
    size_t first = 0, last = m_.operators.size();
    int32_t input = m_.inputs[0];
    int32_t output = m_.outputs[0];
    // A float-I/O file quantizes its input first and dequantizes its output last.
    if (m_.operators.front().code == op::kQuantize && m_.operators.front().inputs.size() == 1 &&
        m_.operators.front().inputs[0] == input && m_.operators.front().outputs.size() == 1 &&
        tensor(input).type == int8_t(TfliteType::kFloat32)) {
      input = m_.operators.front().outputs[0];
      out.quantize_at_input = true;
      ++first;
    }
    if (last > first && m_.operators.back().code == op::kDequantize &&
        m_.operators.back().outputs.size() == 1 && m_.operators.back().outputs[0] == output &&
        m_.operators.back().inputs.size() == 1 && m_.operators.back().inputs[0] >= 0) {
      output = m_.operators.back().inputs[0];
      out.dequantize_at_output = true;
      --last;
    }
    if (first >= last) fail_file("the graph has no operator besides QUANTIZE/DEQUANTIZE");

    const TfliteTensor& in = tensor(input);
    quantized_ = in.type == int8_t(TfliteType::kInt8);
    if (!quantized_ && in.type != int8_t(TfliteType::kFloat32)) {
      fail_file("input tensor " + std::to_string(input) + " is " + tflite_type_name(in.type) +
                "; supported: int8 models (and their float32 twins)");
    }
    out.quantized = quantized_;
    producer_.assign(m_.tensors.size(), kUnproduced);
    producer_[static_cast<size_t>(input)] = kGraphInput;
    graph_.suite_name = m_.path;
    graph_.input_shape = activation_shape(input, "the model input");
    if (quantized_) quant_.input = activation_quant(input, "the model input");

    for (size_t i = first; i < last; ++i) {
      index_ = static_cast<int32_t>(i);
      map_operator(m_.operators[i]);
      out.operator_index.push_back(index_);
      out.operator_name.push_back(m_.operators[i].name);
    }
    if (producer_[static_cast<size_t>(output)] != static_cast<int32_t>(graph_.nodes.size()) - 1) {
      fail_file("the model output (tensor " + std::to_string(output) +
                ") is not written by the last operator; graphs whose output is not last are not supported");
    }
    out.graph = std::move(graph_);
    out.quant = std::move(quant_);
    out.weights = std::move(weights_);
    return out;
  }

 private:
  [[noreturn]] void fail_file(const std::string& what) const { throw InputError(m_.path + ": " + what); }
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(m_.path + ": operator " + std::to_string(index_) + " (" + current_->name + "): " + what);
  }

  const TfliteTensor& tensor(int32_t t) const { return m_.tensors.at(static_cast<size_t>(t)); }

  // A tensor as NHWC with batch 1: lower ranks gain leading 1s.
  kernels::Shape activation_shape(int32_t t, const std::string& what) const {
    const TfliteTensor& x = tensor(t);
    if (x.shape.empty() || x.shape.size() > 4) {
      fail_or_file(what + " has shape " + shape_text(x.shape) + "; expected 1 to 4 dimensions");
    }
    std::vector<int32_t> d(4 - x.shape.size(), 1);
    d.insert(d.end(), x.shape.begin(), x.shape.end());
    if (d[0] != 1) fail_or_file(what + " has batch " + std::to_string(d[0]) + "; expected batch 1");
    // The bound a suite's activations have: the host holds every sample's float outputs.
    const int64_t elements = int64_t{d[1]} * d[2] * d[3];
    if (elements > limits::kMaxTensorElements) {
      fail_or_file(what + " has shape " + shape_text(x.shape) + ", " + std::to_string(elements) +
                   " elements; expected at most " + std::to_string(limits::kMaxTensorElements) + " per sample");
    }
    return {d[0], d[1], d[2], d[3]};
  }

  [[noreturn]] void fail_or_file(const std::string& what) const {
    if (current_ != nullptr) fail(what);
    fail_file(what);
  }

  // Scale and zero point of an int8 activation, checked the way the kernels need them.
  fp::QuantParams activation_quant(int32_t t, const std::string& what) const {
    const TfliteTensor& x = tensor(t);
    if (x.scale.size() != 1) {
      fail_or_file(what + " (tensor " + std::to_string(t) + ") needs one scale, has " +
                   std::to_string(x.scale.size()));
    }
    const int64_t zp = x.zero_point.empty() ? 0 : x.zero_point[0];
    if (!(x.scale[0] > 0.0f) || !std::isfinite(x.scale[0]) || zp < -128 || zp > 127) {
      fail_or_file(what + " (tensor " + std::to_string(t) + ") has scale " + std::to_string(x.scale[0]) +
                   " and zero point " + std::to_string(zp) + "; expected a positive scale and a zero point in [-128, 127]");
    }
    return {x.scale[0], static_cast<int32_t>(zp)};
  }

  // An activation input of the current operator: written earlier, of the model's type.
  int32_t activation_input(const TfliteOperator& o, size_t slot) const {
    if (slot >= o.inputs.size() || o.inputs[slot] < 0) fail("input " + std::to_string(slot) + " is missing");
    const int32_t t = o.inputs[slot];
    const int32_t p = producer_[static_cast<size_t>(t)];
    if (p == kUnproduced) {
      fail("input tensor " + std::to_string(t) + " is neither the model input nor written by an earlier operator");
    }
    check_activation_type(t, "input tensor " + std::to_string(t));
    return p;
  }

  void check_activation_type(int32_t t, const std::string& what) const {
    const int8_t type = tensor(t).type;
    const int8_t want = quantized_ ? int8_t(TfliteType::kInt8) : int8_t(TfliteType::kFloat32);
    if (type != want) {
      fail(what + " is " + tflite_type_name(type) + "; expected " + tflite_type_name(want) +
           (type == int8_t(TfliteType::kUint8) || type == int8_t(TfliteType::kInt16)
                ? " (uint8 and int16 models are not supported)" : ""));
    }
  }

  const TfliteTensor& constant(const TfliteOperator& o, size_t slot, const char* what) const {
    if (slot >= o.inputs.size() || o.inputs[slot] < 0) fail(std::string(what) + " is missing");
    const TfliteTensor& t = tensor(o.inputs[slot]);
    if (!t.constant) fail(std::string(what) + " (tensor " + std::to_string(o.inputs[slot]) + ") is not a constant");
    return t;
  }

  static size_t type_size(int8_t type) {
    switch (static_cast<TfliteType>(type)) {
      case TfliteType::kInt8:
      case TfliteType::kUint8: return 1;
      case TfliteType::kInt16:
      case TfliteType::kFloat16: return 2;
      case TfliteType::kInt32:
      case TfliteType::kFloat32: return 4;
      case TfliteType::kInt64: return 8;
    }
    return 0;
  }

  void check_data_size(const TfliteTensor& t, const char* what) const {
    const size_t size = type_size(t.type);
    if (size == 0 || t.data.size() != static_cast<size_t>(t.elements()) * size) {
      fail(std::string(what) + ": " + std::to_string(t.data.size()) + " bytes, but its shape " +
           shape_text(t.shape) + " of " + tflite_type_name(t.type) + " needs " +
           std::to_string(static_cast<size_t>(t.elements()) * size));
    }
  }

  // Per-channel scale of flat element i along the tensor's quantized dimension.
  static int64_t channel_of(const TfliteTensor& t, int64_t i) {
    const auto qd = static_cast<size_t>(t.quantized_dimension);
    int64_t stride = 1;
    for (size_t d = qd + 1; d < t.shape.size(); ++d) stride *= t.shape[d];
    return (i / stride) % t.shape[qd];
  }

  // A weight tensor's scales: one, or one per entry of its quantized dimension.
  void check_weight_quant(const TfliteTensor& w, int32_t channel_dim, const char* what) const {
    const bool per_tensor = w.scale.size() == 1;
    if (w.scale.empty() ||
        (!per_tensor && (w.quantized_dimension != channel_dim ||
                         w.scale.size() != static_cast<size_t>(w.shape.at(static_cast<size_t>(channel_dim)))))) {
      fail(std::string(what) + " has " + std::to_string(w.scale.size()) + " scales on dimension " +
           std::to_string(w.quantized_dimension) + "; expected one, or one per output channel on dimension " +
           std::to_string(channel_dim));
    }
    for (int64_t zp : w.zero_point) {
      if (zp != 0) fail(std::string(what) + " has a non-zero zero point; weights must be symmetric");
    }
    for (float s : w.scale) {
      if (!(s > 0.0f) || !std::isfinite(s)) fail(std::string(what) + " has a scale that is not a positive number");
    }
  }

  // Real values of a weight tensor: float32 as stored, or int8 (an int8 model, or a float
  // model keeping int8 weights) times its scale.
  std::vector<float> real_weights(const TfliteTensor& w, const char* what) const {
    check_data_size(w, what);
    std::vector<float> out(static_cast<size_t>(w.elements()));
    if (w.type == int8_t(TfliteType::kFloat32)) {
      std::memcpy(out.data(), w.data.data(), w.data.size());
    } else if (w.type == int8_t(TfliteType::kInt8)) {
      for (size_t i = 0; i < out.size(); ++i) {
        const float s = w.scale.size() == 1 ? w.scale[0] : w.scale[static_cast<size_t>(channel_of(w, static_cast<int64_t>(i)))];
        out[i] = s * static_cast<float>(static_cast<int8_t>(w.data[i]));
      }
    } else {
      fail(std::string(what) + " is " + tflite_type_name(w.type) + "; expected INT8 or FLOAT32");
    }
    return out;
  }

  // Weights, bias and activation of a convolution or dense operator. `channel_dim` is the
  // weight dimension that indexes output channels; `order` maps each of qbench's weight
  // positions to the file's (identity unless the layout changes).
  void weighted(const TfliteOperator& o, int32_t channel_dim, int32_t out_channels,
                const std::vector<size_t>* order, Node* node) {
    const TfliteTensor& w = constant(o, 1, "the weights");
    const bool bias_given = o.inputs.size() > 2 && o.inputs[2] >= 0;
    if (quantized_) {
      if (w.type != int8_t(TfliteType::kInt8)) {
        fail(std::string("the weights are ") + tflite_type_name(w.type) + "; expected INT8");
      }
      check_weight_quant(w, channel_dim, "the weights");
      check_data_size(w, "the weights");
      QuantizedWeights q;
      q.weights.resize(w.data.size());
      for (size_t i = 0; i < q.weights.size(); ++i) {
        const int8_t v = static_cast<int8_t>(w.data[order ? (*order)[i] : i]);
        if (v == -128) {
          fail("the weights hold -128; int8 weights must be symmetric, in [-127, 127]");
        }
        q.weights[i] = v;
      }
      q.scales = w.scale;
      if (node->def.op != OpKind::kDense && q.scales.size() == 1) {
        q.scales.assign(static_cast<size_t>(out_channels), w.scale[0]);  // convolutions requantize per channel
      }
      q.bias.assign(static_cast<size_t>(out_channels), 0);
      if (bias_given) {
        const TfliteTensor& b = constant(o, 2, "the bias");
        if (b.type != int8_t(TfliteType::kInt32) || b.elements() != out_channels) {
          fail("the bias is " + std::string(tflite_type_name(b.type)) + " " + shape_text(b.shape) +
               "; expected INT32 [" + std::to_string(out_channels) + "]");
        }
        check_data_size(b, "the bias");
        std::memcpy(q.bias.data(), b.data.data(), b.data.size());
      }
      // The float view: weights and bias as the real values they stand for.
      const float in_scale = input_quant(o).scale;
      node->weights.resize(q.weights.size());
      for (size_t i = 0; i < q.weights.size(); ++i) {
        node->weights[i] = weight_scale_at(*node, q, i) * static_cast<float>(q.weights[i]);
      }
      node->bias.resize(q.bias.size());
      for (size_t c = 0; c < q.bias.size(); ++c) {
        const double s = static_cast<double>(in_scale) * q.scales[q.scales.size() == 1 ? 0 : c];
        node->bias[c] = static_cast<float>(static_cast<double>(q.bias[c]) * s);
      }
      node->def.per_channel = q.scales.size() > 1;
      weights_.back() = std::move(q);
    } else {
      if (w.type == int8_t(TfliteType::kInt8)) check_weight_quant(w, channel_dim, "the weights");
      const std::vector<float> real = real_weights(w, "the weights");
      node->weights.resize(real.size());
      for (size_t i = 0; i < real.size(); ++i) node->weights[i] = real[order ? (*order)[i] : i];
      node->bias.assign(static_cast<size_t>(out_channels), 0.0f);
      if (bias_given) {
        const TfliteTensor& b = constant(o, 2, "the bias");
        if (b.type != int8_t(TfliteType::kFloat32) || b.elements() != out_channels) {
          fail("the bias is " + std::string(tflite_type_name(b.type)) + " " + shape_text(b.shape) +
               "; expected FLOAT32 [" + std::to_string(out_channels) + "]");
        }
        check_data_size(b, "the bias");
        std::memcpy(node->bias.data(), b.data.data(), b.data.size());
      }
    }
  }

  // The scale of qbench weight position i: its output channel's (filter layouts are
  // [out, kh, kw, in] for convolutions and dense, [1, kh, kw, c] for depthwise).
  static float weight_scale_at(const Node& node, const QuantizedWeights& q, size_t i) {
    if (q.scales.size() == 1) return q.scales[0];
    const size_t channels = q.scales.size();
    const size_t c = node.def.op == OpKind::kDepthwiseConv2d ? i % channels : i / (q.weights.size() / channels);
    return q.scales[c];
  }

  fp::QuantParams input_quant(const TfliteOperator& o) const {
    return activation_quant(o.inputs.at(0), "input tensor " + std::to_string(o.inputs.at(0)));
  }

  Activation activation(int8_t code) const {
    switch (code) {
      case 0: return Activation::kNone;
      case 1: return Activation::kRelu;
      case 3: return Activation::kRelu6;
    }
    fail("fused activation " + std::to_string(code) +
         " is not supported; supported: none, RELU, RELU6");
  }

  // Spatial geometry of a convolution or pool: TFLite's SAME/VALID arithmetic must give
  // the output size the file declares.
  void geometry(const TfliteOptions& opt, const kernels::Shape& in, int32_t kh, int32_t kw,
                const kernels::Shape& out, LayerDef* def) const {
    // Bounded like a dimension, so that the SAME/VALID arithmetic below stays in int32.
    auto out_of_range = [](int32_t v) { return v < 1 || v > limits::kMaxDim; };
    if (out_of_range(opt.stride_h) || out_of_range(opt.stride_w) || out_of_range(kh) || out_of_range(kw)) {
      fail("stride " + std::to_string(opt.stride_h) + "x" + std::to_string(opt.stride_w) + " and window " +
           std::to_string(kh) + "x" + std::to_string(kw) + " must be in 1.." + std::to_string(limits::kMaxDim));
    }
    if (opt.dilation_h != 1 || opt.dilation_w != 1) fail("dilation other than 1 is not supported");
    if (!opt.same_padding && (kh > in.h || kw > in.w)) {
      fail("a VALID window of " + std::to_string(kh) + "x" + std::to_string(kw) + " does not fit the input " +
           shape_text(in));
    }
    const Padded h = pad_dimension(opt.same_padding, in.h, kh, opt.stride_h);
    const Padded w = pad_dimension(opt.same_padding, in.w, kw, opt.stride_w);
    if (h.out != out.h || w.out != out.w) {
      fail("the output is " + std::to_string(out.h) + "x" + std::to_string(out.w) + " but " +
           (opt.same_padding ? "SAME" : "VALID") + " padding gives " + std::to_string(h.out) + "x" +
           std::to_string(w.out));
    }
    // A SAME window whose padding reaches past it (kernel smaller than stride) never
    // touches the input; TFLite does not produce those.
    if (h.before >= kh || w.before >= kw) fail("the padding is as large as the window");
    def->kernel = {kh, kw};
    def->stride = {opt.stride_h, opt.stride_w};
    def->padding = {h.before, h.after, w.before, w.after};
  }

  void same_quant(const TfliteOperator& o, int32_t in_t, int32_t out_t) const {
    if (!quantized_) return;
    const fp::QuantParams a = activation_quant(in_t, "input tensor " + std::to_string(in_t));
    const fp::QuantParams b = activation_quant(out_t, "output tensor " + std::to_string(out_t));
    if (a.scale != b.scale || a.zero_point != b.zero_point) {
      fail("input and output quantization differ (" + o.name + " keeps the input's scale and zero point)");
    }
  }

  void map_operator(const TfliteOperator& o) {
    current_ = &o;
    if (o.outputs.size() != 1) fail("expected one output, got " + std::to_string(o.outputs.size()));
    const int32_t out_t = o.outputs[0];
    if (producer_[static_cast<size_t>(out_t)] != kUnproduced) {
      fail("output tensor " + std::to_string(out_t) + " is written twice");
    }
    check_activation_type(out_t, "output tensor " + std::to_string(out_t));
    Node node;
    node.def.name = "op" + std::to_string(index_) + "_" + lower(o.name);
    node.def.json_path = "operator " + std::to_string(index_);
    node.output_shape = activation_shape(out_t, "output tensor " + std::to_string(out_t));
    const TfliteOptions& opt = o.options;
    weights_.emplace_back();

    switch (o.code) {
      case op::kConv2d: {
        node.inputs = {activation_input(o, 0)};
        const kernels::Shape in = source_shape(node.inputs[0]);
        const TfliteTensor& w = constant(o, 1, "the weights");
        if (w.shape.size() != 4 || w.shape[3] != in.c || w.shape[0] != node.output_shape.c) {
          fail("the weights are " + shape_text(w.shape) + "; expected [" + std::to_string(node.output_shape.c) +
               ", kh, kw, " + std::to_string(in.c) + "]");
        }
        const int32_t kh = w.shape[1], kw = w.shape[2];
        const bool pointwise = kh == 1 && kw == 1 && opt.stride_h == 1 && opt.stride_w == 1;
        node.def.op = pointwise ? OpKind::kPointwiseConv2d : OpKind::kConv2d;
        node.def.activation = activation(opt.activation);
        geometry(opt, in, kh, kw, node.output_shape, &node.def);
        node.def.filters = node.output_shape.c;
        node.filter_shape = {node.output_shape.c, kh, kw, in.c};
        weighted(o, 0, node.output_shape.c, nullptr, &node);
        break;
      }
      case op::kDepthwiseConv2d: {
        node.inputs = {activation_input(o, 0)};
        const kernels::Shape in = source_shape(node.inputs[0]);
        const TfliteTensor& w = constant(o, 1, "the weights");
        const int32_t oc = node.output_shape.c;
        if (w.shape.size() != 4 || w.shape[0] != 1 || w.shape[3] != oc || oc % in.c != 0) {
          fail("the weights are " + shape_text(w.shape) + "; expected [1, kh, kw, " + std::to_string(oc) +
               "] with " + std::to_string(oc) + " a multiple of the " + std::to_string(in.c) + " input channels");
        }
        const int32_t kh = w.shape[1], kw = w.shape[2];
        const int32_t multiplier = oc / in.c;
        node.def.activation = activation(opt.activation);
        geometry(opt, in, kh, kw, node.output_shape, &node.def);
        if (multiplier == 1) {
          node.def.op = OpKind::kDepthwiseConv2d;
          node.filter_shape = {1, kh, kw, oc};
          weighted(o, 3, oc, nullptr, &node);
        } else if (in.c == 1) {
          // Every output channel reads the one input channel: exactly a convolution with
          // [oc, kh, kw, 1] filters, whose accumulations are the same integers.
          node.def.op = OpKind::kConv2d;
          node.def.filters = oc;
          node.filter_shape = {oc, kh, kw, 1};
          std::vector<size_t> order(static_cast<size_t>(oc) * kh * kw);
          for (int32_t c = 0; c < oc; ++c) {
            for (int32_t t = 0; t < kh * kw; ++t) {
              order[static_cast<size_t>(c) * kh * kw + t] = static_cast<size_t>(t) * oc + c;
            }
          }
          weighted(o, 3, oc, &order, &node);
        } else {
          // Output channel c reads input channel c / multiplier: the reference kernel's
          // general form (the ISA variants take multiplier 1).
          node.def.op = OpKind::kDepthwiseConv2d;
          node.filter_shape = {1, kh, kw, oc};
          weighted(o, 3, oc, nullptr, &node);
        }
        break;
      }
      case op::kFullyConnected: {
        node.inputs = {activation_input(o, 0)};
        const kernels::Shape in = source_shape(node.inputs[0]);
        const TfliteTensor& w = constant(o, 1, "the weights");
        const int32_t units = node.output_shape.c;
        if (opt.weights_format != 0) fail("shuffled weights are not supported");
        if (w.shape.size() != 2 || w.shape[0] != units || w.shape[1] != in.elements() ||
            node.output_shape.elements() != units) {
          fail("the weights are " + shape_text(w.shape) + " for input " + shape_text(in) + " and output " +
               shape_text(node.output_shape) + "; expected [" + std::to_string(units) + ", " +
               std::to_string(in.elements()) + "] (batch 1)");
        }
        node.def.op = OpKind::kDense;
        node.def.activation = activation(opt.activation);
        node.def.filters = units;
        node.output_shape = {1, 1, 1, units};
        node.filter_shape = {units, 1, 1, in.elements()};
        weighted(o, 0, units, nullptr, &node);
        break;
      }
      case op::kAdd: {
        node.inputs = {activation_input(o, 0), activation_input(o, 1)};
        if (!same(source_shape(node.inputs[0]), node.output_shape) ||
            !same(source_shape(node.inputs[1]), node.output_shape)) {
          fail("inputs " + shape_text(source_shape(node.inputs[0])) + " and " +
               shape_text(source_shape(node.inputs[1])) + " must both have the output's shape " +
               shape_text(node.output_shape) + " (broadcasting is not supported)");
        }
        node.def.op = OpKind::kAdd;
        node.def.activation = activation(opt.activation);
        if (quantized_) {
          activation_quant(o.inputs[1], "input tensor " + std::to_string(o.inputs[1]));
        }
        break;
      }
      case op::kAveragePool2d:
      case op::kMaxPool2d: {
        node.inputs = {activation_input(o, 0)};
        const kernels::Shape in = source_shape(node.inputs[0]);
        if (node.output_shape.c != in.c) fail("pooling changes the channel count");
        node.def.op = o.code == op::kMaxPool2d ? OpKind::kMaxPool2d : OpKind::kAvgPool2d;
        node.def.activation = activation(opt.activation);
        geometry(opt, in, opt.filter_h, opt.filter_w, node.output_shape, &node.def);
        same_quant(o, o.inputs[0], out_t);
        break;
      }
      case op::kReshape: {
        node.inputs = {activation_input(o, 0)};
        if (source_shape(node.inputs[0]).elements() != node.output_shape.elements()) {
          fail("reshapes " + shape_text(source_shape(node.inputs[0])) + " into " + shape_text(node.output_shape) +
               ", a different number of elements");
        }
        node.def.op = OpKind::kReshape;
        same_quant(o, o.inputs[0], out_t);
        break;
      }
      case op::kSoftmax: {
        node.inputs = {activation_input(o, 0)};
        if (!same(source_shape(node.inputs[0]), node.output_shape)) fail("softmax changes the shape");
        if (node.output_shape.c > 4095) fail("rows longer than 4095 values are not supported");
        if (!(opt.beta > 0.0f) || !std::isfinite(opt.beta)) fail("beta must be a positive number");
        node.def.op = OpKind::kSoftmax;
        node.def.beta = opt.beta;
        if (quantized_) {
          const fp::QuantParams q = activation_quant(out_t, "output tensor " + std::to_string(out_t));
          if (q.scale != 1.0f / 256.0f || q.zero_point != -128) {
            fail("the int8 output must have scale 1/256 and zero point -128 (TFLite's int8 softmax), got " +
                 std::to_string(q.scale) + " and " + std::to_string(q.zero_point));
          }
        }
        break;
      }
      case op::kPad: {
        node.inputs = {activation_input(o, 0)};
        const kernels::Shape in = source_shape(node.inputs[0]);
        const TfliteTensor& pads = constant(o, 1, "the paddings");
        if (pads.type != int8_t(TfliteType::kInt32) || pads.shape != std::vector<int32_t>{4, 2}) {
          fail("the paddings are " + std::string(tflite_type_name(pads.type)) + " " + shape_text(pads.shape) +
               "; expected INT32 [4, 2] (a 4-D input)");
        }
        check_data_size(pads, "the paddings");
        int32_t p[8];
        std::memcpy(p, pads.data.data(), sizeof p);
        if (p[0] != 0 || p[1] != 0 || p[6] != 0 || p[7] != 0) fail("padding the batch or channel dimension is not supported");
        for (int32_t v : p) {
          if (v < 0) fail("negative padding");
        }
        // In 64 bits: a pad can be anything up to 2^31 - 1.
        if (node.output_shape.h != int64_t{in.h} + p[2] + p[3] ||
            node.output_shape.w != int64_t{in.w} + p[4] + p[5] ||
            node.output_shape.c != in.c) {
          fail("the output " + shape_text(node.output_shape) + " does not match the padded input");
        }
        node.def.op = OpKind::kPad;
        node.def.padding = {p[2], p[3], p[4], p[5]};
        same_quant(o, o.inputs[0], out_t);
        break;
      }
      default:
        fail(std::string(o.code == op::kQuantize || o.code == op::kDequantize
                             ? "only at the model's edges (first and last operator) is this supported; "
                             : "unsupported operator; ") +
             kSupported);
    }
    if (quantized_) quant_.nodes.push_back(activation_quant(out_t, "output tensor " + std::to_string(out_t)));
    producer_[static_cast<size_t>(out_t)] = static_cast<int32_t>(graph_.nodes.size());
    graph_.nodes.push_back(std::move(node));
    current_ = nullptr;
  }

  const kernels::Shape& source_shape(int32_t node_input) const {
    return node_input == kGraphInput ? graph_.input_shape
                                     : graph_.nodes[static_cast<size_t>(node_input)].output_shape;
  }

  TfliteModel m_;
  bool quantized_ = false;
  Graph graph_;
  Calibration quant_;
  std::vector<std::optional<QuantizedWeights>> weights_;
  std::vector<int32_t> producer_;  // per tensor: the node writing it, kGraphInput or kUnproduced
  int32_t index_ = 0;
  const TfliteOperator* current_ = nullptr;
};

}  // namespace

ImportedModel import_tflite(const std::string& path) { return Importer(path).run(); }

void check_same_network(const ImportedModel& q, const ImportedModel& f) {
  auto differ = [&](size_t i, const std::string& what) {
    throw InputError(f.path + ": operator " + std::to_string(f.operator_index[i]) + " (" +
                     f.operator_name[i] + ") does not match operator " +
                     std::to_string(q.operator_index[i]) + " (" + q.operator_name[i] + ") of " + q.path +
                     ": " + what);
  };
  if (f.quantized) throw InputError(f.path + ": expected a float32 model (the float reference), got an int8 one");
  if (!same(q.graph.input_shape, f.graph.input_shape)) {
    throw InputError(f.path + ": its input " + shape_text(f.graph.input_shape) + " differs from " +
                     shape_text(q.graph.input_shape) + " of " + q.path);
  }
  const size_t n = std::min(q.graph.nodes.size(), f.graph.nodes.size());
  for (size_t i = 0; i < n; ++i) {
    const Node& a = q.graph.nodes[i];
    const Node& b = f.graph.nodes[i];
    if (a.def.op != b.def.op) differ(i, std::string(op_name(b.def.op)) + " where the int8 model has " + op_name(a.def.op));
    if (a.inputs != b.inputs) differ(i, "it reads other layers");
    if (!same(a.output_shape, b.output_shape)) {
      differ(i, "output " + shape_text(b.output_shape) + " vs " + shape_text(a.output_shape));
    }
    if (!same(a.filter_shape, b.filter_shape)) {
      differ(i, "weights " + shape_text(b.filter_shape) + " vs " + shape_text(a.filter_shape));
    }
    if (a.def.kernel != b.def.kernel || a.def.stride != b.def.stride || a.def.padding != b.def.padding) {
      differ(i, "window, stride or padding differ");
    }
    if (a.def.activation != b.def.activation) differ(i, "fused activation differs");
  }
  if (q.graph.nodes.size() != f.graph.nodes.size()) {
    throw InputError(f.path + ": has " + std::to_string(f.graph.nodes.size()) + " layers, " + q.path +
                     " has " + std::to_string(q.graph.nodes.size()));
  }
}

}  // namespace qb::harness
