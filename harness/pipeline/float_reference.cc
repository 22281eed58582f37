#include "harness/pipeline/float_reference.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "kernels/float/float_ops.h"

namespace qb::harness {
namespace {

namespace fp = kernels::fp;

fp::Activation float_activation(Activation act) {
  switch (act) {
    case Activation::kNone: return {};
    case Activation::kRelu: return {0.0f, fp::kNoLimit};
    case Activation::kRelu6: return {0.0f, 6.0f};
  }
  return {};
}

fp::ConvGeometry conv_geometry(const LayerDef& def) {
  return {def.stride[0], def.stride[1], def.padding[0], def.padding[2]};
}

fp::PoolGeometry pool_geometry(const LayerDef& def) {
  return {def.stride[0], def.stride[1], def.kernel[0], def.kernel[1], def.padding[0],
          def.padding[2]};
}

}  // namespace

std::vector<std::vector<float>> run_float(const Graph& graph, const float* input) {
  std::vector<std::vector<float>> out(graph.nodes.size());
  auto source = [&](int32_t index) -> const float* {
    return index == kGraphInput ? input : out[static_cast<size_t>(index)].data();
  };
  auto source_shape = [&](int32_t index) -> const kernels::Shape& {
    return index == kGraphInput ? graph.input_shape
                                : graph.nodes[static_cast<size_t>(index)].output_shape;
  };

  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    const LayerDef& def = node.def;
    const fp::Activation act = float_activation(def.activation);
    const kernels::Shape& in_shape = source_shape(node.inputs.at(0));
    const float* in = source(node.inputs.at(0));
    std::vector<float>& y = out[i];
    y.assign(static_cast<size_t>(node.output_shape.elements()), 0.0f);

    switch (def.op) {
      case OpKind::kConv2d:
      case OpKind::kPointwiseConv2d:
        fp::conv2d(conv_geometry(def), act, in_shape, in, node.filter_shape, node.weights.data(),
                   node.bias.data(), node.output_shape, y.data());
        break;
      case OpKind::kDepthwiseConv2d:
        fp::depthwise_conv2d(conv_geometry(def), act, in_shape, in, node.filter_shape,
                             node.weights.data(), node.bias.data(), node.output_shape, y.data());
        break;
      case OpKind::kDense:
        fp::dense(act, 1, node.filter_shape.c, node.filter_shape.n, in, node.weights.data(),
                  node.bias.data(), y.data());
        break;
      case OpKind::kAdd:
        fp::add(act, node.output_shape.elements(), in, source(node.inputs.at(1)), y.data());
        break;
      case OpKind::kMaxPool2d:
        fp::max_pool2d(pool_geometry(def), act, in_shape, in, node.output_shape, y.data());
        break;
      case OpKind::kAvgPool2d:
        fp::avg_pool2d(pool_geometry(def), act, in_shape, in, node.output_shape, y.data());
        break;
      case OpKind::kGlobalAvgPool2d:
        fp::global_avg_pool2d(act, in_shape, in, y.data());
        break;
      case OpKind::kPad:
        fp::pad(def.padding[0], def.padding[1], def.padding[2], def.padding[3], in_shape, in,
                node.output_shape, y.data());
        break;
      case OpKind::kSigmoid:
        fp::sigmoid(node.output_shape.elements(), in, y.data());
        break;
      case OpKind::kSoftmax:
        fp::softmax(def.beta, in_shape.elements() / in_shape.c, in_shape.c, in, y.data());
        break;
      case OpKind::kReshape:
        y.assign(in, in + node.output_shape.elements());
        break;
      case OpKind::kBatchNorm: {
        // Unfolded, in double, as a training framework evaluates it.
        const size_t channels = static_cast<size_t>(node.output_shape.c);
        for (size_t k = 0; k < y.size(); ++k) {
          const size_t c = k % channels;
          const double v = static_cast<double>(node.gamma[c]) * (in[k] - node.mean[c]) /
                               std::sqrt(static_cast<double>(node.variance[c]) + def.epsilon) +
                           node.beta[c];
          y[k] = std::clamp(static_cast<float>(v), act.min, act.max);
        }
        break;
      }
      case OpKind::kRelu:
      case OpKind::kRelu6:
        // The graph builder folds these into the layer they follow.
        throw std::logic_error("unfused activation layer in graph: " + def.name);
    }
  }
  return out;
}

}  // namespace qb::harness
