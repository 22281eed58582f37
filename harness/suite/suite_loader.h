// Reading suites/*.json into a Suite. Every problem is an InputError whose message is one
// line per problem: "suites/kws.json: /layers/2/kernel: expected ..., got ...".
//
// The format is suites/suite.schema.json: every document is first checked against it
// (suite_schema.h), and all of its violations are reported at once. Two kinds of suite:
// declared ("input", "layers", "data": {"calibration", "test"}, optional "gates" and
// "decision_grid") and model suites ("model": {"tflite", "float_tflite"}, optional
// "data": {"test"} and "gates"). The schema's descriptions say what each field means.
//
// What only the loader checks, because a schema cannot say it (first problem only: these
// read the structure the schema vouched for):
//   - layer names are unique (a missing name defaults to "<op><index>", e.g. "conv2d0");
//   - numeric pads of a convolution or pool are smaller than its window on that axis;
//   - a uniform generator's seed fits in 64 bits unsigned, and low < high;
//   - the input shape has at most kMaxTensorElements elements, and a data set at most
//     kMaxDatasetElements input values;
//   - a values or file generator holds exactly as many numbers as it feeds (for layers,
//     checked by build_graph) and at most kMaxFileValues; a file is a readable regular file
//     of numbers separated by whitespace or commas, relative to the suite file's directory;
//   - test labels are one per test sample (their range is checked by build_graph), and the
//     min_label_accuracy gate has labels to use;
//   - decision_grid > 0 needs a 2-element input;
//   - the model files of a model suite exist;
//   - test data is not calibration data (below).
// build_graph (graph_builder.h) then checks what needs shapes: inputs that name earlier
// layers, windows that fit, add's shapes, fused activations, budgets.
//
// Weights and bias may be omitted; build_graph then uses
//   weights: uniform in +-sqrt(6 / fan_in), seed = layer index + 1 (He-uniform: keeps the
//            activations' scale roughly constant through ReLU layers, like Keras' default)
//   bias:    sinusoid amp 0.1, freq 1, phase = layer index (small, non-zero, varied)
// so a suite that only describes the architecture is still deterministic.
//
// Test data must not be calibration data, or the error figures measure nothing. The rule
// is on declarations, so that it never depends on the data's values and never silently
// changes what is tested: test inputs are rejected when they are the same declaration as
// the calibration inputs, the same uniform stream (same bounds) or sinusoid a few indices
// apart so that the two flat index ranges overlap, or a values list that is a run of whole
// samples inside the other (a copied slice). A test set that merely shares a few samples
// with a calibration grid is allowed. We do not silently offset the test set past the
// calibration samples instead: that would change the test data (and every golden)
// whenever the calibration sample count changes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/suite/suite.h"

namespace qb::harness {

// Reads the file at `path`; the path as given is the file label in messages, and files
// named by "file" generators are relative to its directory.
Suite load_suite(const std::string& path);

// `file_label` is what messages name; `base_dir` is where "file" generators look.
Suite parse_suite(const nlohmann::json& doc, const std::string& file_label,
                  const std::string& base_dir);

// The text of a suite file (strict JSON: duplicate keys are errors too).
Suite parse_suite_text(const std::string& text, const std::string& file_label,
                       const std::string& base_dir);

// The keys a layer of `op` may have, "name", "op" and "inputs" included, as the loader
// reads them (a test holds suites/suite.schema.json to the same lists).
std::vector<std::string> layer_keys(OpKind op);

}  // namespace qb::harness
