// A benchmark suite as declared in suites/*.json, after loading and validation.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qb::harness {

enum class OpKind {
  kConv2d,
  kDepthwiseConv2d,
  kPointwiseConv2d,
  kDense,
  kAdd,
  kMaxPool2d,
  kAvgPool2d,
  kGlobalAvgPool2d,
  kPad,
  kRelu,     // fused into the layer it follows
  kRelu6,    // fused into the layer it follows
  kSigmoid,  // an int8 lookup table
  // Per channel gamma (x - mean) / sqrt(variance + epsilon) + beta after a weighted layer:
  // the float reference computes it so, the int8 model has it folded into that layer.
  kBatchNorm,
  // Imported from .tflite files only (harness/import), not declared in suites:
  kSoftmax,  // over the innermost dimension, int8 output scale 1/256, zero point -128
  kReshape,  // the same values under another shape
};

const char* op_name(OpKind op);  // the spelling used in suite files, e.g. "conv2d"

enum class Activation { kNone, kRelu, kRelu6 };

const char* activation_name(Activation act);  // "none", "relu", "relu6"

// How a layer's output range is chosen from its calibration outputs.
struct RangeChoice {
  enum class Kind {
    kMinMax,      // the observed minimum and maximum
    kFixed,       // relu6 layers: [0, 6], whatever the data (TensorFlow 8-bit tools' choice)
    kPercentile,  // the values past the percentile at each end left out (they clip)
  };
  Kind kind = Kind::kMinMax;
  double percentile = 100.0;  // kPercentile: in (0, 100]
};

// A deterministic data source. Values depend only on the declaration and the flat index,
// never on the platform's standard library.
struct Generator {
  enum class Kind { kSinusoid, kUniform, kConstant, kValues };
  Kind kind = Kind::kConstant;
  double amp = 1.0, freq = 1.0, phase = 0.0;  // sinusoid: amp * sin(freq * i + phase)
  uint64_t seed = 0;                          // uniform: qb's own PRNG, see generators.h
  double low = -1.0, high = 1.0;
  double value = 0.0;                         // constant
  std::vector<double> values;                 // explicit values, or a file's contents once loaded
  std::string json_path;                      // where it was declared, for error messages
};

struct LayerDef {
  std::string name;
  OpKind op = OpKind::kConv2d;
  std::vector<std::string> inputs;  // layer names, or "input"; defaults to the previous layer
  int32_t filters = 0;              // conv2d / pointwise_conv2d output channels, dense units
  std::array<int32_t, 2> kernel{1, 1};  // conv kernel or pool window (h, w)
  std::array<int32_t, 2> stride{1, 1};
  std::array<int32_t, 4> padding{0, 0, 0, 0};  // top, bottom, left, right (resolved)
  bool same_padding = false;  // "same": padding stays 0 in a Suite; build_graph resolves it
  Activation activation = Activation::kNone;   // the layer's own fused activation
  bool per_channel = true;                     // weighted layers: per-output-channel weight scales
  std::optional<RangeChoice> range;            // unset: the suite's quantization.range
  float beta = 1.0f;                           // softmax: exp(beta * x)
  std::optional<Generator> weights;            // convolutions and dense
  std::optional<Generator> bias;
  // batch_norm: the four per-channel statistics (defaults 1, 0, 0, 1), epsilon, and
  // whether a channel of zero variance folds as a dead one (zero weights, bias beta) instead
  // of with gamma / sqrt(epsilon) ("zero_variance": "zero_weights").
  std::optional<Generator> bn_gamma, bn_beta, bn_mean, bn_variance;
  double epsilon = 0.001;
  bool zero_variance_as_dead = false;
  std::string json_path;                       // e.g. "/layers/3"
};

struct Dataset {
  int32_t samples = 0;
  Generator inputs;            // over the flat index of the whole set (sample-major)
  std::vector<int32_t> labels; // empty, or one per sample
};

// Accuracy gates of a suite; an absent gate is not checked.
struct Gates {
  std::optional<double> min_sqnr_db;         // output SQNR, int8 (dequantized) vs float
  std::optional<double> max_err_pct_range;   // output max abs error, % of the float range
  std::optional<double> min_top1_agreement;  // fraction of test samples, argmax int8 == float
  std::optional<double> min_label_accuracy;  // fraction of labelled samples classified right
};

// A suite that measures a model file instead of declaring layers (harness/import).
struct ModelSource {
  std::string tflite;        // the int8 model, as a path the harness can open; empty: qbench
                             // quantizes float_tflite itself (its calibration set and choices)
  std::string float_tflite;  // its float32 twin, the float reference; empty: none given
};

struct Suite {
  std::string name;
  std::string description;
  std::string file;                      // the path it was loaded from, for messages
  std::array<int32_t, 3> input_shape{};  // h, w, c (batch is 1 per sample)
  std::vector<LayerDef> layers;          // as written, relu layers included
  RangeChoice default_range;             // "quantization": {"range"}, for layers without their own
  bool default_per_channel = true;       // "quantization": {"per_channel"}
  Dataset calibration;
  Dataset test;
  Gates gates;
  // For suites with a 2-element input: the int8 output over a steps x steps grid of
  // [0,1]^2 is reported (the decision surface). 0 = none.
  int32_t decision_grid = 0;
  // Model suites: the model files, and the test inputs as raw input-tensor files (one
  // sample each; empty when test.inputs is a generator). input_shape and layers stay empty
  // until the model is imported.
  std::optional<ModelSource> model;
  std::vector<std::string> input_files;
};

}  // namespace qb::harness
