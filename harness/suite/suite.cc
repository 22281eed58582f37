#include "harness/suite/suite.h"

namespace qb::harness {

const char* op_name(OpKind op) {
  switch (op) {
    case OpKind::kConv2d: return "conv2d";
    case OpKind::kDepthwiseConv2d: return "depthwise_conv2d";
    case OpKind::kPointwiseConv2d: return "pointwise_conv2d";
    case OpKind::kDense: return "dense";
    case OpKind::kAdd: return "add";
    case OpKind::kMaxPool2d: return "max_pool2d";
    case OpKind::kAvgPool2d: return "avg_pool2d";
    case OpKind::kGlobalAvgPool2d: return "global_avg_pool2d";
    case OpKind::kPad: return "pad";
    case OpKind::kRelu: return "relu";
    case OpKind::kRelu6: return "relu6";
    case OpKind::kSigmoid: return "sigmoid";
    case OpKind::kBatchNorm: return "batch_norm";
    case OpKind::kSoftmax: return "softmax";
    case OpKind::kReshape: return "reshape";
  }
  return "?";
}

const char* activation_name(Activation act) {
  switch (act) {
    case Activation::kNone: return "none";
    case Activation::kRelu: return "relu";
    case Activation::kRelu6: return "relu6";
  }
  return "?";
}

}  // namespace qb::harness
