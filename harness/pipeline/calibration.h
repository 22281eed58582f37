// Decides every activation tensor's int8 scale and zero point from the float reference's
// behaviour on the calibration set. Host only; the target receives only integers.
#pragma once

#include <vector>

#include "harness/suite/graph.h"
#include "kernels/float/quantize.h"

namespace qb::harness {

struct Calibration {
  kernels::fp::QuantParams input;
  std::vector<kernels::fp::QuantParams> nodes;  // one per graph node: its output tensor
};

struct CalibrationOptions {
  // Multiplies every observed range before choosing scales. 1.0 is the real calibration;
  // tests use other values to show that the suites' gates catch a broken one.
  double range_scale = 1.0;
};

// Ops whose int8 kernels keep the input's scale and zero point (they never requantize).
bool keeps_input_quantization(OpKind op);

// inputs: `samples` consecutive input tensors of the graph's input shape.
Calibration calibrate(const Graph& graph, const std::vector<float>& inputs, int samples,
                      const CalibrationOptions& options = {});

// Asymmetric int8 parameters covering [lo, hi] (widened to include 0, so that 0.0 is exact).
kernels::fp::QuantParams asymmetric_params(float lo, float hi);

}  // namespace qb::harness
