// Reading and validating suites/*.json into a Suite. Every problem is an InputError whose
// message is one line: "suites/kws.json: /layers/2/kernel: expected ..., got ...".
//
// The format (suites/suite.schema.json says the same for editors):
//
// {
//   "$schema": "suite.schema.json",            optional, ignored
//   "name": "kws",                             [A-Za-z0-9_][A-Za-z0-9_.-]*, at most 64
//   "description": "...",                      optional
//   "input": {"shape": [h, w, c]},             1..3 integers in 1..4096; shorter shapes
//                                              are padded with leading 1s ([2] = [1, 1, 2])
//   "layers": [LAYER, ...],                    1..1024, executed in file order
//   "data": {
//     "calibration": {"samples": N, "inputs": GEN},
//     "test": {"samples": N, "inputs": GEN, "labels": [class, ...]}   labels optional:
//                                              one per sample, an index into the output
//                                              (its argmax), checked by build_graph
//   },
//   "gates": {"min_sqnr_db": x, "max_err_pct_range": x (>= 0),         all optional
//             "min_top1_agreement": x (0..1), "min_label_accuracy": x (0..1, needs labels)},
//   "decision_grid": 0 | 2..256                optional; needs a 2-element input
// }
//
// LAYER has "op" and optionally "name" (default "<op><index>", e.g. "conv2d0"; unique; not
// "input") and "inputs" (layer names or "input"; default: the previous layer, or "input"
// for the first; "add" must name exactly two, every other op one). By op:
//   conv2d            filters, kernel, [stride, padding, activation, weights, bias]
//   depthwise_conv2d  kernel, [stride, padding, activation, weights, bias]   (multiplier 1)
//   pointwise_conv2d  filters, [activation, weights, bias]           (1x1, stride 1, no pad)
//   dense             units, [per_channel (default true), activation, weights, bias]
//   add               inputs, [activation]
//   max_pool2d, avg_pool2d  pool, [stride (default: the pool size), padding, activation]
//   global_avg_pool2d [activation]
//   pad               padding (an integer or [top, bottom, left, right], 0..4096)
//   relu, relu6       fused by build_graph into the activation of the layer they follow
//   sigmoid
// kernel, pool, stride: an integer or [h, w]; kernel and pool 1..15, stride 1..8.
// padding (convolutions, pools): "valid" (default), "same" (TFLite's rule, resolved by
// build_graph from the input shape: LayerDef::same_padding), an integer, or
// [top, bottom, left, right]; each pad smaller than the kernel along its axis.
// activation: "none" (default), "relu", "relu6".
//
// GEN, a deterministic data source (generators.h), over a flat index:
//   {"generator": "sinusoid", "amp": 1, "freq": 1, "phase": 0}      (all optional)
//   {"generator": "uniform", "seed": s, "low": -1, "high": 1}       (seed required)
//   {"generator": "constant", "value": v}
//   {"generator": "values", "values": [...]}    numbers; nested arrays are flattened
//   {"generator": "file", "path": "data/x.txt"} numbers separated by whitespace or commas,
//                                                relative to the suite file's directory;
//                                                loaded here into a kValues generator
// A values (or file) generator must hold exactly as many numbers as it feeds: samples x
// input elements for a dataset, the filter or bias size for a layer (checked by
// build_graph).
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

// The keys a layer of `op` may have, "name", "op" and "inputs" included (a test keeps
// suites/suite.schema.json in step with these).
std::vector<std::string> layer_keys(OpKind op);

}  // namespace qb::harness
