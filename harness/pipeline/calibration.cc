#include "harness/pipeline/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "harness/pipeline/float_reference.h"

namespace qb::harness {
namespace {

struct Range {
  float lo = std::numeric_limits<float>::infinity();
  float hi = -std::numeric_limits<float>::infinity();
  void observe(const std::vector<float>& values) {
    for (float v : values) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  void observe(const float* values, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      lo = std::min(lo, values[i]);
      hi = std::max(hi, values[i]);
    }
  }
};

// The node's range choice: its own, else the suite's; the suite's "fixed" applies to relu6
// nodes only (the loader refuses a layer's own "fixed" elsewhere).
RangeChoice range_choice(const Graph& graph, const Node& node) {
  RangeChoice r = node.def.range.value_or(graph.default_range);
  if (r.kind == RangeChoice::Kind::kFixed && node.def.activation != Activation::kRelu6) {
    r.kind = RangeChoice::Kind::kMinMax;
  }
  return r;
}

// [lo, hi] without the floor((100 - P)% of n) values at each end (nearest rank).
Range percentile_range(std::vector<float> values, double percentile) {
  Range r;
  if (values.empty()) return r;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  size_t drop = static_cast<size_t>(std::floor((100.0 - percentile) / 100.0 * static_cast<double>(n)));
  drop = std::min(drop, (n - 1) / 2);
  r.lo = values[drop];
  r.hi = values[n - 1 - drop];
  return r;
}

}  // namespace

bool keeps_input_quantization(OpKind op) {
  return op == OpKind::kMaxPool2d || op == OpKind::kAvgPool2d ||
         op == OpKind::kGlobalAvgPool2d || op == OpKind::kPad || op == OpKind::kReshape;
}

kernels::fp::QuantParams asymmetric_params(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  // A tensor that is constantly zero still needs a usable scale.
  if (hi - lo < 1e-8f) hi = lo + 1e-8f;
  const double scale = (static_cast<double>(hi) - lo) / 255.0;
  const double zp = std::round(-128.0 - lo / scale);
  return {static_cast<float>(scale), static_cast<int32_t>(std::clamp(zp, -128.0, 127.0))};
}

Calibration calibrate(const Graph& graph, const std::vector<float>& inputs, int samples,
                      const CalibrationOptions& options) {
  const size_t input_size = static_cast<size_t>(graph.input_shape.elements());
  if (samples <= 0 || inputs.size() != input_size * static_cast<size_t>(samples)) {
    throw std::invalid_argument("calibrate: inputs do not hold the given number of samples");
  }
  Range input_range;
  input_range.observe(inputs);
  std::vector<Range> ranges(graph.nodes.size());
  // Every calibration output of the nodes that choose a percentile.
  std::vector<std::vector<float>> kept(graph.nodes.size());
  std::vector<RangeChoice> choice(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) choice[i] = range_choice(graph, graph.nodes[i]);
  for (int s = 0; s < samples; ++s) {
    const auto outputs = run_float(graph, inputs.data() + input_size * static_cast<size_t>(s));
    for (size_t i = 0; i < outputs.size(); ++i) {
      ranges[i].observe(outputs[i]);
      if (choice[i].kind == RangeChoice::Kind::kPercentile) {
        kept[i].insert(kept[i].end(), outputs[i].begin(), outputs[i].end());
      }
    }
  }
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (choice[i].kind == RangeChoice::Kind::kFixed) {
      ranges[i].lo = 0.0f;
      ranges[i].hi = 6.0f;
    } else if (choice[i].kind == RangeChoice::Kind::kPercentile) {
      ranges[i] = percentile_range(std::move(kept[i]), choice[i].percentile);
    }
  }

  const auto scaled = [&](const Range& r) {
    return asymmetric_params(static_cast<float>(r.lo * options.range_scale),
                             static_cast<float>(r.hi * options.range_scale));
  };
  Calibration result;
  result.input = scaled(input_range);
  result.nodes.resize(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (keeps_input_quantization(node.def.op)) {
      const int32_t src = node.inputs.at(0);
      result.nodes[i] =
          src == kGraphInput ? result.input : result.nodes[static_cast<size_t>(src)];
    } else if (node.def.op == OpKind::kSigmoid || node.def.op == OpKind::kSoftmax) {
      // Sigmoid's and softmax's output range is fixed, (0, 1): TFLite's int8 convention.
      result.nodes[i] = {1.0f / 256.0f, -128};
    } else {
      result.nodes[i] = scaled(ranges[i]);
    }
  }
  return result;
}

}  // namespace qb::harness
