#include "harness/suite/graph_builder.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "harness/suite/generators.h"
#include "harness/suite/input_error.h"
#include "harness/suite/limits.h"

namespace qb::harness {

std::string shape_string(const kernels::Shape& s) {
  std::string out = "[";
  for (int32_t d : {s.n, s.h, s.w, s.c}) {
    if (out.size() > 1) out += ',';
    out += std::to_string(d);
  }
  out += ']';
  return out;
}

namespace {

using kernels::Shape;

int64_t elements(const Shape& s) { return int64_t{s.n} * s.h * s.w * s.c; }

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

bool takes_activation(OpKind op) {
  return op != OpKind::kPad && op != OpKind::kSigmoid && op != OpKind::kRelu &&
         op != OpKind::kRelu6;
}

bool has_weights(OpKind op) {
  return op == OpKind::kConv2d || op == OpKind::kDepthwiseConv2d ||
         op == OpKind::kPointwiseConv2d || op == OpKind::kDense;
}

class GraphBuilder {
 public:
  explicit GraphBuilder(const Suite& suite) : suite_(suite) {}
  Graph build();

 private:
  [[noreturn]] void fail(const std::string& pointer, const std::string& expected,
                         const std::string& got) const {
    throw InputError(suite_.file, pointer, "expected " + expected + ", got " + got);
  }
  std::string pointer(size_t layer) const {
    const std::string& p = suite_.layers[layer].json_path;
    return p.empty() ? "/layers/" + std::to_string(layer) : p;
  }
  void resolve_inputs();
  void fuse_activation(size_t layer);
  Node make_node(size_t layer);
  void window(size_t layer, Node& node, const Shape& in, const char* key);
  void check_batch_norm_source(size_t layer, const Node& node) const;
  void generate_batch_norm(Node& node) const;
  void generate_parameters(size_t layer, Node& node, int64_t fan_in);
  void check_labels(const Dataset& set, const std::string& p, int64_t outputs) const;

  const Suite& suite_;
  int64_t total_weights_ = 0;      // weights generated so far, against kMaxSuiteWeightElements
  int64_t total_activations_ = 0;  // output elements of every node, one sample
  std::vector<std::vector<int32_t>> sources_;  // per layer: producing layer, or kGraphInput
  std::vector<std::vector<size_t>> users_;     // per layer: the layers that read it
  std::vector<int32_t> node_of_;               // per layer: the node holding its output
  Graph graph_;
};

Graph GraphBuilder::build() {
  const auto& hwc = suite_.input_shape;
  graph_.suite_name = suite_.name;
  graph_.default_range = suite_.default_range;
  graph_.input_shape = Shape{1, hwc[0], hwc[1], hwc[2]};
  if (suite_.layers.empty()) fail("/layers", "at least one layer", "none");
  resolve_inputs();

  const size_t last = suite_.layers.size() - 1;
  for (size_t i = 0; i < last; ++i) {
    if (users_[i].empty()) {
      fail(pointer(i),
           "a layer whose output feeds a later layer (only the last layer is the model "
           "output)",
           quoted(suite_.layers[i].name) + ", which nothing uses");
    }
  }

  node_of_.assign(suite_.layers.size(), kGraphInput);
  for (size_t i = 0; i < suite_.layers.size(); ++i) {
    const OpKind op = suite_.layers[i].op;
    if (op == OpKind::kRelu || op == OpKind::kRelu6) {
      fuse_activation(i);
    } else {
      graph_.nodes.push_back(make_node(i));
      node_of_[i] = static_cast<int32_t>(graph_.nodes.size() - 1);
      total_activations_ += elements(graph_.nodes.back().output_shape);
    }
  }
  // Before any sample is generated: the float reference and the calibration keep every
  // layer's output for every sample.
  const int64_t samples = std::max<int64_t>(1, int64_t{suite_.calibration.samples} + suite_.test.samples);
  if (total_activations_ > limits::kMaxActivationWork / samples) {
    fail("/data", "at most " + std::to_string(limits::kMaxActivationWork) +
                      " activation values over all layers and samples (the suite's total budget)",
         std::to_string(total_activations_) + " per sample x " + std::to_string(samples) + " samples");
  }
  // Only now, within both budgets, are the weights and biases generated.
  for (Node& node : graph_.nodes) {
    if (node.def.op == OpKind::kBatchNorm) generate_batch_norm(node);
    if (!node.def.weights) continue;
    node.weights = generate(*node.def.weights, static_cast<size_t>(elements(node.filter_shape)));
    node.bias = generate(*node.def.bias, static_cast<size_t>(node.output_shape.c));
  }
  // Guaranteed by the unused-layer check: every node after the output's would be unused.
  if (node_of_[last] != static_cast<int32_t>(graph_.nodes.size()) - 1) {
    throw std::logic_error("build_graph: the last layer is not the last node");
  }

  const int64_t outputs = elements(graph_.nodes.back().output_shape);
  check_labels(suite_.calibration, "/data/calibration/labels", outputs);
  check_labels(suite_.test, "/data/test/labels", outputs);
  return std::move(graph_);
}

void GraphBuilder::resolve_inputs() {
  const size_t n = suite_.layers.size();
  std::map<std::string, size_t> index_of;
  for (size_t i = 0; i < n; ++i) {
    const auto [it, inserted] = index_of.emplace(suite_.layers[i].name, i);
    if (!inserted || suite_.layers[i].name == "input") {
      fail(pointer(i) + "/name", "a unique layer name other than \"input\"",
           quoted(suite_.layers[i].name));
    }
  }
  sources_.assign(n, {});
  users_.assign(n, {});
  for (size_t i = 0; i < n; ++i) {
    const LayerDef& def = suite_.layers[i];
    const size_t arity = def.op == OpKind::kAdd ? 2 : 1;
    if (def.inputs.size() != arity) {
      fail(pointer(i) + "/inputs",
           arity == 2 ? "an array of exactly 2 layer names" : "an array of exactly 1 layer name",
           std::to_string(def.inputs.size()) + " names");
    }
    for (size_t k = 0; k < def.inputs.size(); ++k) {
      const std::string& name = def.inputs[k];
      const std::string p = pointer(i) + "/inputs/" + std::to_string(k);
      const std::string expected = "\"input\" or the name of an earlier layer";
      if (name == "input") {
        sources_[i].push_back(kGraphInput);
        continue;
      }
      const auto it = index_of.find(name);
      if (it == index_of.end()) fail(p, expected, quoted(name) + ", which no layer is named");
      if (it->second == i) fail(p, expected, quoted(name) + ", this layer itself");
      if (it->second > i) {
        fail(p, expected,
             quoted(name) + ", declared later at " + pointer(it->second) +
                 " (layers run in file order)");
      }
      sources_[i].push_back(static_cast<int32_t>(it->second));
      users_[it->second].push_back(i);
    }
  }
}

void GraphBuilder::fuse_activation(size_t layer) {
  const LayerDef& def = suite_.layers[layer];
  const Activation act = def.op == OpKind::kRelu ? Activation::kRelu : Activation::kRelu6;
  const std::string op = op_name(def.op);
  const int32_t source = sources_[layer][0];
  if (source == kGraphInput) {
    fail(pointer(layer) + "/inputs/0", "a layer to fuse " + op + " into",
         "the model input (" + op + " is fused into the layer before it, not run alone)");
  }
  const LayerDef& prev = suite_.layers[static_cast<size_t>(source)];
  if (users_[static_cast<size_t>(source)].size() > 1) {
    std::string others;
    for (size_t user : users_[static_cast<size_t>(source)]) {
      if (user == layer) continue;
      others += (others.empty() ? "" : ", ") + quoted(suite_.layers[user].name);
    }
    fail(pointer(layer),
         quoted(prev.name) + " to feed only this " + op + " (it is fused into " +
             quoted(prev.name) + ")",
         quoted(prev.name) + " also feeding " + others);
  }
  Node& node = graph_.nodes[static_cast<size_t>(node_of_[static_cast<size_t>(source)])];
  if (!takes_activation(node.def.op)) {
    fail(pointer(layer),
         "a layer before " + op + " that has a fused activation (not pad or sigmoid)",
         quoted(prev.name) + ", a " + op_name(node.def.op) + " layer");
  }
  if (node.def.activation != Activation::kNone && node.def.activation != act) {
    fail(pointer(layer),
         quoted(prev.name) + " without an activation of its own to fuse " + op + " into",
         std::string("activation \"") + activation_name(node.def.activation) + "\"");
  }
  node.def.activation = act;
  node_of_[layer] = node_of_[static_cast<size_t>(source)];
}

// A batch_norm folds into the layer before it for the int8 model: that layer must be a
// convolution or dense layer without an activation of its own that feeds only the
// batch_norm.
void GraphBuilder::check_batch_norm_source(size_t layer, const Node& node) const {
  const int32_t source = sources_[layer][0];
  const int32_t n = node.inputs.at(0);
  if (source == kGraphInput || n == kGraphInput) {
    fail(pointer(layer) + "/inputs/0", "a conv2d, depthwise_conv2d, pointwise_conv2d or dense layer to fold batch_norm into",
         "the model input");
  }
  const LayerDef& prev = suite_.layers[static_cast<size_t>(source)];
  const Node& before = graph_.nodes[static_cast<size_t>(n)];
  if (!has_weights(before.def.op)) {
    fail(pointer(layer), "a batch_norm after a conv2d, depthwise_conv2d, pointwise_conv2d or dense layer",
         quoted(prev.name) + ", a " + op_name(before.def.op) + " layer");
  }
  if (before.def.activation != Activation::kNone) {
    fail(pointer(layer), quoted(prev.name) + " without an activation (batch_norm comes before it; give it to the batch_norm)",
         std::string("activation \"") + activation_name(before.def.activation) + "\"");
  }
  if (users_[static_cast<size_t>(source)].size() > 1) {
    fail(pointer(layer), quoted(prev.name) + " to feed only this batch_norm (it is folded into " + quoted(prev.name) + ")",
         quoted(prev.name) + " feeding " + std::to_string(users_[static_cast<size_t>(source)].size()) + " layers");
  }
}

// The four statistics, one per channel; a variance below zero (or not finite) is refused
// with its channel.
void GraphBuilder::generate_batch_norm(Node& node) const {
  const size_t c = static_cast<size_t>(node.output_shape.c);
  // Checked before any is generated: "values" of the wrong length are bad input, not a crash.
  for (const auto* g : {&node.def.bn_gamma, &node.def.bn_beta, &node.def.bn_mean, &node.def.bn_variance}) {
    check_generator_count(**g, c, "one value per channel", suite_.file);
  }
  node.gamma = generate(*node.def.bn_gamma, c);
  node.beta = generate(*node.def.bn_beta, c);
  node.mean = generate(*node.def.bn_mean, c);
  node.variance = generate(*node.def.bn_variance, c);
  for (size_t k = 0; k < c; ++k) {
    if (!(node.variance[k] >= 0.0f) || !std::isfinite(node.variance[k])) {
      fail(node.def.bn_variance->json_path, "variances >= 0",
           std::to_string(node.variance[k]) + " (channel " + std::to_string(k) + ")");
    }
  }
}

// Spatial geometry shared by convolutions and pools: resolves "same" padding, checks the
// window fits the padded input, sets the output's h and w.
void GraphBuilder::window(size_t layer, Node& node, const Shape& in, const char* key) {
  LayerDef& def = node.def;
  const int32_t in_hw[2] = {in.h, in.w};
  if (def.same_padding) {
    for (int a = 0; a < 2; ++a) {
      const int32_t s = def.stride[a];
      const int32_t out = (in_hw[a] + s - 1) / s;
      const int32_t total = std::max((out - 1) * s + def.kernel[a] - in_hw[a], 0);
      def.padding[2 * a] = total / 2;
      def.padding[2 * a + 1] = total - total / 2;
    }
  }
  const int32_t padded_h = in.h + def.padding[0] + def.padding[1];
  const int32_t padded_w = in.w + def.padding[2] + def.padding[3];
  if (def.kernel[0] > padded_h || def.kernel[1] > padded_w) {
    fail(pointer(layer) + "/" + key,
         std::string("a window that fits the padded input ") + std::to_string(padded_h) + "x" +
             std::to_string(padded_w),
         std::to_string(def.kernel[0]) + "x" + std::to_string(def.kernel[1]));
  }
  node.output_shape.h = (padded_h - def.kernel[0]) / def.stride[0] + 1;
  node.output_shape.w = (padded_w - def.kernel[1]) / def.stride[1] + 1;
}

Node GraphBuilder::make_node(size_t layer) {
  Node node;
  node.def = suite_.layers[layer];
  LayerDef& def = node.def;
  std::vector<Shape> in;
  for (int32_t source : sources_[layer]) {
    const int32_t n = source == kGraphInput ? kGraphInput : node_of_[static_cast<size_t>(source)];
    node.inputs.push_back(n);
    in.push_back(n == kGraphInput ? graph_.input_shape : graph_.nodes[static_cast<size_t>(n)].output_shape);
  }
  const Shape& x = in[0];
  Shape& out = node.output_shape;
  out = x;
  int64_t fan_in = 0;
  switch (def.op) {
    case OpKind::kConv2d:
      window(layer, node, x, "kernel");
      out.c = def.filters;
      node.filter_shape = Shape{def.filters, def.kernel[0], def.kernel[1], x.c};
      fan_in = int64_t{def.kernel[0]} * def.kernel[1] * x.c;
      break;
    case OpKind::kDepthwiseConv2d:
      window(layer, node, x, "kernel");
      node.filter_shape = Shape{1, def.kernel[0], def.kernel[1], x.c};
      fan_in = int64_t{def.kernel[0]} * def.kernel[1];
      break;
    case OpKind::kPointwiseConv2d:
      def.kernel = {1, 1};
      def.stride = {1, 1};
      def.padding = {0, 0, 0, 0};
      def.same_padding = false;
      out.c = def.filters;
      node.filter_shape = Shape{def.filters, 1, 1, x.c};
      fan_in = x.c;
      break;
    case OpKind::kDense:
      fan_in = int64_t{x.h} * x.w * x.c;
      out = Shape{1, 1, 1, def.filters};
      node.filter_shape = Shape{def.filters, 1, 1, static_cast<int32_t>(fan_in)};
      break;
    case OpKind::kAdd:
      if (in[1].h != x.h || in[1].w != x.w || in[1].c != x.c || in[1].n != x.n) {
        fail(pointer(layer) + "/inputs", "two inputs of the same shape",
             shape_string(x) + " and " + shape_string(in[1]));
      }
      break;
    case OpKind::kMaxPool2d:
    case OpKind::kAvgPool2d:
      window(layer, node, x, "pool");
      break;
    case OpKind::kGlobalAvgPool2d:
      out = Shape{1, 1, 1, x.c};
      break;
    case OpKind::kPad:
      out.h = x.h + def.padding[0] + def.padding[1];
      out.w = x.w + def.padding[2] + def.padding[3];
      break;
    case OpKind::kSigmoid:
    case OpKind::kRelu:
    case OpKind::kRelu6:
      break;
    case OpKind::kBatchNorm:
      check_batch_norm_source(layer, node);
      break;
    case OpKind::kSoftmax:
    case OpKind::kReshape:
      // Only imported models have these (harness/import); the suite format has no such op.
      throw std::logic_error("build_graph: " + std::string(op_name(def.op)) + " in a declared suite");
  }
  if (out.h > limits::kMaxDim || out.w > limits::kMaxDim ||
      elements(out) > limits::kMaxTensorElements) {
    fail(pointer(layer),
         "an output of at most " + std::to_string(limits::kMaxDim) + "x" +
             std::to_string(limits::kMaxDim) + " and " +
             std::to_string(limits::kMaxTensorElements) + " elements",
         shape_string(out));
  }
  if (has_weights(def.op)) generate_parameters(layer, node, fan_in);
  return node;
}

void GraphBuilder::generate_parameters(size_t layer, Node& node, int64_t fan_in) {
  LayerDef& def = node.def;
  const int64_t count = elements(node.filter_shape);
  if (fan_in > limits::kMaxFanIn) {
    fail(pointer(layer),
         "at most " + std::to_string(limits::kMaxFanIn) +
             " inputs per output (kernel x input channels, or dense inputs: int32 accumulators)",
         std::to_string(fan_in));
  }
  if (fan_in > limits::kMaxWeightElements || count > limits::kMaxWeightElements) {
    fail(pointer(layer),
         "at most " + std::to_string(limits::kMaxWeightElements) + " weights per layer",
         shape_string(node.filter_shape) + " (" + std::to_string(count) + ")");
  }
  total_weights_ += count;
  if (total_weights_ > limits::kMaxSuiteWeightElements) {
    fail(pointer(layer),
         "at most " + std::to_string(limits::kMaxSuiteWeightElements) +
             " weights over all layers (the suite's total budget)",
         std::to_string(total_weights_) + " with this layer");
  }
  if (!def.weights) {
    Generator gen;
    gen.kind = Generator::Kind::kUniform;
    gen.seed = layer + 1;
    gen.high = std::sqrt(6.0 / static_cast<double>(fan_in));
    gen.low = -gen.high;
    gen.json_path = pointer(layer);
    def.weights = gen;
  }
  if (!def.bias) {
    Generator gen;
    gen.kind = Generator::Kind::kSinusoid;
    gen.amp = 0.1;
    gen.freq = 1.0;
    gen.phase = static_cast<double>(layer);
    gen.json_path = pointer(layer);
    def.bias = gen;
  }
  const size_t channels = static_cast<size_t>(node.output_shape.c);
  check_generator_count(*def.weights, static_cast<size_t>(count),
                        "weights " + shape_string(node.filter_shape), suite_.file);
  check_generator_count(*def.bias, channels, "one bias per output channel", suite_.file);
  // Generated by build() once every layer is known to fit the suite's total budget.
}

void GraphBuilder::check_labels(const Dataset& set, const std::string& p, int64_t outputs) const {
  // A single output is a score thresholded into two classes (see decision() in metrics.h).
  const int64_t classes = outputs == 1 ? 2 : outputs;
  for (size_t i = 0; i < set.labels.size(); ++i) {
    if (set.labels[i] < 0 || set.labels[i] >= classes) {
      fail(p + "/" + std::to_string(i),
           "a class index in 0.." + std::to_string(classes - 1) +
               (outputs == 1 ? " (a single output is a two-class score)"
                             : " (the output has " + std::to_string(classes) + " elements)"),
           std::to_string(set.labels[i]));
    }
  }
}

}  // namespace

Graph build_graph(const Suite& suite) { return GraphBuilder(suite).build(); }

}  // namespace qb::harness
