#include "harness/suite/suite_loader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>

#include "harness/suite/generators.h"
#include "harness/suite/input_error.h"
#include "harness/suite/json_input.h"
#include "harness/suite/limits.h"

namespace qb::harness {
namespace {

using json_input::child;
using json_input::quoted_list;
using json_input::Reader;
using json_input::show;
using nlohmann::json;

struct OpSpec {
  OpKind op;
  std::vector<std::string> keys;  // besides "name", "op" and "inputs"
};

// Indexed by OpKind.
const std::vector<OpSpec>& op_specs() {
  static const std::vector<OpSpec> specs = {
      {OpKind::kConv2d,
       {"filters", "kernel", "stride", "padding", "activation", "weights", "bias"}},
      {OpKind::kDepthwiseConv2d, {"kernel", "stride", "padding", "activation", "weights", "bias"}},
      {OpKind::kPointwiseConv2d, {"filters", "activation", "weights", "bias"}},
      {OpKind::kDense, {"units", "per_channel", "activation", "weights", "bias"}},
      {OpKind::kAdd, {"activation"}},
      {OpKind::kMaxPool2d, {"pool", "stride", "padding", "activation"}},
      {OpKind::kAvgPool2d, {"pool", "stride", "padding", "activation"}},
      {OpKind::kGlobalAvgPool2d, {"activation"}},
      {OpKind::kPad, {"padding"}},
      {OpKind::kRelu, {}},
      {OpKind::kRelu6, {}},
      {OpKind::kSigmoid, {}},
  };
  return specs;
}

std::vector<std::string> all_op_names() {
  std::vector<std::string> names;
  for (const OpSpec& spec : op_specs()) names.push_back(op_name(spec.op));
  return names;
}

int32_t to_int(const json& v) {
  return v.is_number_float() ? static_cast<int32_t>(v.get<double>()) : v.get<int32_t>();
}

std::string range(int64_t lo, int64_t hi) {
  return std::to_string(lo) + ".." + std::to_string(hi);
}

const std::string kGeneratorObject =
    "a generator object ({\"generator\": \"uniform\", \"seed\": 1, ...})";

class SuiteParser {
 public:
  SuiteParser(const std::string& file, const std::string& base_dir)
      : r_(file), base_dir_(base_dir) {}

  Suite parse(const json& doc);

 private:
  Suite parse_model_suite(const json& doc, Suite suite);
  std::string existing_file(const json& v, const std::string& p, const std::string& expected) const;
  std::array<int32_t, 3> parse_input(const json& doc);
  LayerDef parse_layer(const json& v, const std::string& p, size_t index,
                       const std::string& previous);
  std::array<int32_t, 2> parse_pair(const json& v, const std::string& p, int32_t lo,
                                    int32_t hi) const;
  void parse_window_padding(const json& v, const std::string& p, LayerDef& def) const;
  void parse_pad_op_padding(const json& v, const std::string& p, LayerDef& def) const;
  Activation parse_activation(const json& v, const std::string& p) const;
  Generator parse_generator(const json& v, const std::string& p) const;
  void flatten_values(const json& v, const std::string& p, std::vector<double>& out) const;
  std::vector<double> load_numbers_file(const json& path_value, const std::string& p) const;
  Dataset parse_dataset(const json& v, const std::string& p, bool test,
                        int64_t input_elements) const;
  std::vector<int32_t> parse_labels(const json& labels, const std::string& lp, int32_t samples) const;
  Gates parse_gates(const json& v) const;

  Reader r_;
  std::string base_dir_;
};

Suite SuiteParser::parse(const json& doc) {
  Suite suite;
  suite.file = r_.file();
  r_.object(doc, "", "a suite object ({\"name\": ..., \"input\": ..., \"layers\": [...], ...})");
  if (Reader::find(doc, "model") != nullptr) return parse_model_suite(doc, std::move(suite));
  r_.allow_keys(doc, "",
                {"$schema", "name", "description", "input", "layers", "data", "gates",
                 "decision_grid"},
                "a suite");
  if (const json* schema = Reader::find(doc, "$schema")) r_.string(*schema, "/$schema");
  suite.name = r_.identifier(r_.require(doc, "", "name", "a suite name"), "/name", "a suite name");
  if (const json* d = Reader::find(doc, "description")) {
    suite.description = r_.string(*d, "/description");
  }
  suite.input_shape = parse_input(doc);
  const int64_t input_elements =
      int64_t{suite.input_shape[0]} * suite.input_shape[1] * suite.input_shape[2];

  const std::string layers_expected = "an array of " + range(1, limits::kMaxLayers) + " layers";
  const json& layers = r_.array(r_.require(doc, "", "layers", layers_expected), "/layers",
                                layers_expected);
  if (layers.empty() || layers.size() > static_cast<size_t>(limits::kMaxLayers)) {
    r_.fail("/layers", layers_expected,
            layers.empty() ? std::string("[]") : std::to_string(layers.size()) + " layers");
  }
  std::map<std::string, std::string> declared;  // name -> pointer of its layer
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string p = child("/layers", i);
    const std::string previous = i == 0 ? std::string("input") : suite.layers.back().name;
    LayerDef def = parse_layer(layers[i], p, i, previous);
    const bool explicit_name = Reader::find(layers[i], "name") != nullptr;
    const auto [it, inserted] = declared.emplace(def.name, p);
    if (!inserted) {
      r_.fail(explicit_name ? child(p, "name") : p, "a unique layer name",
              std::string(explicit_name ? "" : "the default name ") + json(def.name).dump() +
                  ", already used by " + it->second);
    }
    suite.layers.push_back(std::move(def));
  }

  const std::string data_expected = "an object with \"calibration\" and \"test\"";
  const json& data = r_.object(r_.require(doc, "", "data", data_expected), "/data", data_expected);
  r_.allow_keys(data, "/data", {"calibration", "test"}, "\"data\"");
  const std::string set_expected = "an object with \"samples\" and \"inputs\"";
  suite.calibration = parse_dataset(r_.require(data, "/data", "calibration", set_expected),
                                    "/data/calibration", false, input_elements);
  suite.test = parse_dataset(r_.require(data, "/data", "test", set_expected), "/data/test", true,
                             input_elements);
  if (generators_overlap(suite.calibration.inputs,
                         static_cast<size_t>(suite.calibration.samples * input_elements),
                         suite.test.inputs,
                         static_cast<size_t>(suite.test.samples * input_elements),
                         static_cast<size_t>(input_elements))) {
    r_.fail("/data/test/inputs",
            "test inputs that differ from the calibration inputs (testing on calibration data "
            "measures nothing)",
            "a declaration that repeats or overlaps /data/calibration/inputs");
  }

  if (const json* gates = Reader::find(doc, "gates")) suite.gates = parse_gates(*gates);
  if (suite.gates.min_label_accuracy && suite.test.labels.empty()) {
    r_.fail("/gates/min_label_accuracy", "test labels (/data/test/labels) for this gate",
            "a test set without labels");
  }

  if (const json* grid = Reader::find(doc, "decision_grid")) {
    const std::string expected = "0 or an integer in " + range(2, limits::kMaxDecisionGrid);
    if (!Reader::is_integer_in(*grid, 0, limits::kMaxDecisionGrid) ||
        Reader::is_integer_in(*grid, 1, 1)) {
      r_.fail("/decision_grid", expected, show(*grid));
    }
    suite.decision_grid = to_int(*grid);
    if (suite.decision_grid > 0 && input_elements != 2) {
      r_.fail("/decision_grid", "a suite whose input has 2 elements (the grid spans [0,1]^2)",
              "an input of " + std::to_string(input_elements) + " elements");
    }
  }
  return suite;
}

std::array<int32_t, 3> SuiteParser::parse_input(const json& doc) {
  const std::string shape_expected =
      "1 to 3 integers [h, w, c] in " + range(1, limits::kMaxDim);
  const json& input =
      r_.object(r_.require(doc, "", "input", "an object with \"shape\""), "/input",
                "an object with \"shape\"");
  r_.allow_keys(input, "/input", {"shape"}, "\"input\"");
  const json& shape = r_.require(input, "/input", "shape", shape_expected);
  bool ok = shape.is_array() && !shape.empty() && shape.size() <= 3;
  for (size_t i = 0; ok && i < shape.size(); ++i) {
    ok = Reader::is_integer_in(shape[i], 1, limits::kMaxDim);
  }
  if (!ok) r_.fail("/input/shape", shape_expected, show(shape));
  std::array<int32_t, 3> hwc{1, 1, 1};
  for (size_t i = 0; i < shape.size(); ++i) hwc[3 - shape.size() + i] = to_int(shape[i]);
  if (int64_t{hwc[0]} * hwc[1] * hwc[2] > limits::kMaxTensorElements) {
    r_.fail("/input/shape",
            "at most " + std::to_string(limits::kMaxTensorElements) + " elements", show(shape));
  }
  return hwc;
}

LayerDef SuiteParser::parse_layer(const json& v, const std::string& p, size_t index,
                                  const std::string& previous) {
  LayerDef def;
  def.json_path = p;
  r_.object(v, p, "a layer object ({\"op\": \"conv2d\", ...})");
  const std::vector<std::string> op_names = all_op_names();
  const std::string op_expected = "one of " + quoted_list(op_names);
  const json& op_value = r_.require(v, p, "op", op_expected);
  const auto found = std::find(op_names.begin(), op_names.end(),
                               op_value.is_string() ? op_value.get<std::string>() : "");
  if (found == op_names.end()) r_.fail(child(p, "op"), op_expected, show(op_value));
  const OpSpec& spec = op_specs()[static_cast<size_t>(found - op_names.begin())];
  def.op = spec.op;
  const std::string op = op_name(def.op);

  r_.allow_keys(v, p, layer_keys(def.op), "a " + op + " layer");

  if (const json* name = Reader::find(v, "name")) {
    def.name = r_.identifier(*name, child(p, "name"), "a layer name");
    if (def.name == "input") {
      r_.fail(child(p, "name"), "a layer name other than \"input\" (the model input's name)",
              "\"input\"");
    }
  } else {
    def.name = op + std::to_string(index);
  }

  const size_t arity = def.op == OpKind::kAdd ? 2 : 1;
  const std::string inputs_expected =
      arity == 2 ? "an array of exactly 2 layer names" : "an array of exactly 1 layer name";
  if (const json* inputs = Reader::find(v, "inputs")) {
    if (!inputs->is_array() || inputs->size() != arity) {
      r_.fail(child(p, "inputs"), inputs_expected, show(*inputs));
    }
    for (size_t k = 0; k < inputs->size(); ++k) {
      def.inputs.push_back(
          r_.string((*inputs)[k], child(child(p, "inputs"), k), "a layer name or \"input\""));
    }
  } else if (arity == 2) {
    r_.fail(child(p, "inputs"), inputs_expected, "nothing");
  } else {
    def.inputs = {previous};
  }

  const std::string dim_expected = "an integer in " + range(1, limits::kMaxDim);
  auto has = [&](const char* key) {
    return std::find(spec.keys.begin(), spec.keys.end(), key) != spec.keys.end();
  };
  if (has("filters")) {
    def.filters = static_cast<int32_t>(r_.integer(r_.require(v, p, "filters", dim_expected),
                                                  child(p, "filters"), 1, limits::kMaxDim));
  }
  if (has("units")) {
    def.filters = static_cast<int32_t>(r_.integer(r_.require(v, p, "units", dim_expected),
                                                  child(p, "units"), 1, limits::kMaxDim));
  }
  const std::string window_expected =
      "an integer in " + range(1, limits::kMaxKernel) + " or two integers in " +
      range(1, limits::kMaxKernel);
  if (has("kernel")) {
    def.kernel = parse_pair(r_.require(v, p, "kernel", window_expected), child(p, "kernel"), 1,
                            limits::kMaxKernel);
  }
  if (has("pool")) {
    def.kernel = parse_pair(r_.require(v, p, "pool", window_expected), child(p, "pool"), 1,
                            limits::kMaxKernel);
    def.stride = def.kernel;  // Keras' default: non-overlapping windows
  }
  if (const json* stride = Reader::find(v, "stride")) {
    def.stride = parse_pair(*stride, child(p, "stride"), 1, limits::kMaxStride);
  }
  if (const json* padding = Reader::find(v, "padding")) {
    if (def.op == OpKind::kPad) {
      parse_pad_op_padding(*padding, child(p, "padding"), def);
    } else {
      parse_window_padding(*padding, child(p, "padding"), def);
    }
  } else if (def.op == OpKind::kPad) {
    r_.fail(child(p, "padding"),
            "an integer or [top, bottom, left, right] in " + range(0, limits::kMaxDim), "nothing");
  }
  if (const json* act = Reader::find(v, "activation")) {
    def.activation = parse_activation(*act, child(p, "activation"));
  }
  if (const json* per_channel = Reader::find(v, "per_channel")) {
    def.per_channel = r_.boolean(*per_channel, child(p, "per_channel"));
  }
  if (const json* weights = Reader::find(v, "weights")) {
    def.weights = parse_generator(*weights, child(p, "weights"));
  }
  if (const json* bias = Reader::find(v, "bias")) {
    def.bias = parse_generator(*bias, child(p, "bias"));
  }
  return def;
}

std::array<int32_t, 2> SuiteParser::parse_pair(const json& v, const std::string& p, int32_t lo,
                                               int32_t hi) const {
  if (v.is_array()) {
    if (v.size() != 2 || !Reader::is_integer_in(v[0], lo, hi) ||
        !Reader::is_integer_in(v[1], lo, hi)) {
      r_.fail(p, "two integers in " + range(lo, hi), show(v));
    }
    return {to_int(v[0]), to_int(v[1])};
  }
  if (!Reader::is_integer_in(v, lo, hi)) {
    r_.fail(p, "an integer in " + range(lo, hi) + " or two integers in " + range(lo, hi),
            show(v));
  }
  return {to_int(v), to_int(v)};
}

void SuiteParser::parse_window_padding(const json& v, const std::string& p,
                                       LayerDef& def) const {
  const int32_t max_pad = limits::kMaxKernel - 1;
  const std::string expected = "\"valid\", \"same\", an integer or [top, bottom, left, right] in " +
                               range(0, max_pad);
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "same") {
      def.same_padding = true;
    } else if (s != "valid") {
      r_.fail(p, expected, show(v));
    }
    return;
  }
  if (Reader::is_integer_in(v, 0, max_pad)) {
    def.padding.fill(to_int(v));
  } else if (v.is_array() && v.size() == 4 &&
             std::all_of(v.begin(), v.end(),
                         [&](const json& x) { return Reader::is_integer_in(x, 0, max_pad); })) {
    for (size_t i = 0; i < 4; ++i) def.padding[i] = to_int(v[i]);
  } else {
    r_.fail(p, expected, show(v));
  }
  const auto& k = def.kernel;
  const auto& pad = def.padding;
  if (pad[0] >= k[0] || pad[1] >= k[0] || pad[2] >= k[1] || pad[3] >= k[1]) {
    r_.fail(p,
            "pads smaller than the " + std::string(def.op == OpKind::kMaxPool2d ||
                                                           def.op == OpKind::kAvgPool2d
                                                       ? "pool"
                                                       : "kernel") +
                " " + std::to_string(k[0]) + "x" + std::to_string(k[1]) +
                " (top and bottom below " + std::to_string(k[0]) + ", left and right below " +
                std::to_string(k[1]) + ")",
            show(v));
  }
}

void SuiteParser::parse_pad_op_padding(const json& v, const std::string& p,
                                       LayerDef& def) const {
  const std::string expected =
      "an integer or [top, bottom, left, right] in " + range(0, limits::kMaxDim);
  if (Reader::is_integer_in(v, 0, limits::kMaxDim)) {
    def.padding.fill(to_int(v));
  } else if (v.is_array() && v.size() == 4 &&
             std::all_of(v.begin(), v.end(), [](const json& x) {
               return Reader::is_integer_in(x, 0, limits::kMaxDim);
             })) {
    for (size_t i = 0; i < 4; ++i) def.padding[i] = to_int(v[i]);
  } else {
    r_.fail(p, expected, show(v));
  }
}

Activation SuiteParser::parse_activation(const json& v, const std::string& p) const {
  for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kRelu6}) {
    if (v.is_string() && v.get<std::string>() == activation_name(act)) return act;
  }
  r_.fail(p, "\"none\", \"relu\" or \"relu6\"", show(v));
}

Generator SuiteParser::parse_generator(const json& v, const std::string& p) const {
  r_.object(v, p, kGeneratorObject);
  const std::vector<std::string> kinds = {"sinusoid", "uniform", "constant", "values", "file"};
  const std::string kind_expected = quoted_list(kinds);
  const json& kind_value = r_.require(v, p, "generator", kind_expected);
  const std::string kind = kind_value.is_string() ? kind_value.get<std::string>() : "";
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    r_.fail(child(p, "generator"), kind_expected, show(kind_value));
  }
  Generator gen;
  gen.json_path = p;
  const std::string what = "a \"" + kind + "\" generator";
  if (kind == "sinusoid") {
    r_.allow_keys(v, p, {"generator", "amp", "freq", "phase"}, what);
    gen.kind = Generator::Kind::kSinusoid;
    if (const json* x = Reader::find(v, "amp")) gen.amp = r_.number(*x, child(p, "amp"));
    if (const json* x = Reader::find(v, "freq")) gen.freq = r_.number(*x, child(p, "freq"));
    if (const json* x = Reader::find(v, "phase")) gen.phase = r_.number(*x, child(p, "phase"));
  } else if (kind == "uniform") {
    r_.allow_keys(v, p, {"generator", "seed", "low", "high"}, what);
    gen.kind = Generator::Kind::kUniform;
    gen.seed = r_.unsigned64(r_.require(v, p, "seed", "an integer in 0..18446744073709551615"),
                             child(p, "seed"));
    const json* low = Reader::find(v, "low");
    const json* high = Reader::find(v, "high");
    if (low != nullptr) gen.low = r_.number(*low, child(p, "low"));
    if (high != nullptr) gen.high = r_.number(*high, child(p, "high"));
    if (!(gen.low < gen.high)) {
      if (high != nullptr) {
        r_.fail(child(p, "high"), "a number greater than low (" + json(gen.low).dump() + ")",
                show(*high));
      }
      r_.fail(child(p, "low"), "a number less than high (" + json(gen.high).dump() + ")",
              show(*low));
    }
  } else if (kind == "constant") {
    r_.allow_keys(v, p, {"generator", "value"}, what);
    gen.kind = Generator::Kind::kConstant;
    gen.value = r_.number(r_.require(v, p, "value", "a number"), child(p, "value"));
  } else if (kind == "values") {
    r_.allow_keys(v, p, {"generator", "values"}, what);
    gen.kind = Generator::Kind::kValues;
    const std::string expected = "a non-empty array of numbers (nested arrays are flattened)";
    const json& values = r_.require(v, p, "values", expected);
    if (!values.is_array()) r_.fail(child(p, "values"), expected, show(values));
    flatten_values(values, child(p, "values"), gen.values);
    if (gen.values.empty()) r_.fail(child(p, "values"), expected, show(values));
  } else {
    r_.allow_keys(v, p, {"generator", "path"}, what);
    gen.kind = Generator::Kind::kValues;
    gen.values = load_numbers_file(
        r_.require(v, p, "path", "a path relative to the suite file"), child(p, "path"));
  }
  return gen;
}

void SuiteParser::flatten_values(const json& v, const std::string& p,
                                 std::vector<double>& out) const {
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) flatten_values(v[i], child(p, i), out);
    return;
  }
  if (!v.is_number()) r_.fail(p, "a number (or an array of numbers)", show(v));
  if (out.size() >= static_cast<size_t>(limits::kMaxFileValues)) {
    r_.fail(p, "at most " + std::to_string(limits::kMaxFileValues) + " values", "more");
  }
  out.push_back(r_.number(v, p));
}

std::vector<double> SuiteParser::load_numbers_file(const json& path_value,
                                                   const std::string& p) const {
  namespace fs = std::filesystem;
  const std::string rel =
      r_.string(path_value, p, "a path relative to the suite file");
  if (rel.empty()) r_.fail(p, "a path relative to the suite file", "\"\"");
  const fs::path full = fs::path(rel).is_absolute() ? fs::path(rel) : fs::path(base_dir_) / rel;
  const std::string shown = full.lexically_normal().generic_string();
  std::error_code ec;
  if (!fs::is_regular_file(full, ec)) {
    r_.fail(p, "a readable file of numbers",
            show(path_value) + " (" + shown +
                (fs::exists(full, ec) ? ": not a regular file)" : ": no such file)"));
  }
  std::string text;
  try {
    text = json_input::read_text_file(full.string(), shown, limits::kMaxNumbersFileBytes);
  } catch (const InputError& e) {
    r_.fail(p, "a readable file of numbers", show(path_value) + " (" + e.what() + ")");
  }

  std::vector<double> values;
  size_t line = 1;
  size_t i = 0;
  auto separator = [](char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == ',';
  };
  while (i < text.size()) {
    if (separator(text[i])) {
      if (text[i] == '\n') ++line;
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && !separator(text[end])) ++end;
    double value = 0.0;
    const auto [ptr, err] = std::from_chars(text.data() + i, text.data() + end, value);
    if (err != std::errc() || ptr != text.data() + end ||
        !(std::fabs(value) <= static_cast<double>(std::numeric_limits<float>::max()))) {
      std::string token = text.substr(i, std::min<size_t>(end - i, 24));
      if (end - i > 24) token += "...";
      r_.fail(p, "numbers separated by whitespace or commas in " + shown,
              json(token).dump(-1, ' ', false, json::error_handler_t::replace) + " at line " +
                  std::to_string(line));
    }
    if (values.size() >= static_cast<size_t>(limits::kMaxFileValues)) {
      r_.fail(p, "at most " + std::to_string(limits::kMaxFileValues) + " numbers in " + shown,
              "more");
    }
    values.push_back(value);
    i = end;
  }
  if (values.empty()) r_.fail(p, "at least one number in " + shown, "an empty file");
  return values;
}

std::string SuiteParser::existing_file(const json& v, const std::string& p,
                                       const std::string& expected) const {
  namespace fs = std::filesystem;
  const std::string rel = r_.string(v, p, expected);
  if (rel.empty()) r_.fail(p, expected, "\"\"");
  const fs::path full = fs::path(rel).is_absolute() ? fs::path(rel) : fs::path(base_dir_) / rel;
  std::error_code ec;
  if (!fs::is_regular_file(full, ec)) {
    r_.fail(p, expected,
            show(v) + " (" + full.lexically_normal().generic_string() +
                (fs::exists(full, ec) ? ": not a regular file)" : ": no such file)"));
  }
  return full.lexically_normal().generic_string();
}

// {"name", "description", "model": {"tflite", "float_tflite"}, "data": {"test": ...}, "gates"}:
// the model brings its own layers and quantization, so there is no input, no layers and
// no calibration set. Test inputs are raw input-tensor files or a generator.
Suite SuiteParser::parse_model_suite(const json& doc, Suite suite) {
  r_.allow_keys(doc, "", {"$schema", "name", "description", "model", "data", "gates"},
                "a model suite (\"input\", \"layers\" and calibration come from the model file)");
  if (const json* schema = Reader::find(doc, "$schema")) r_.string(*schema, "/$schema");
  suite.name = r_.identifier(r_.require(doc, "", "name", "a suite name"), "/name", "a suite name");
  if (const json* d = Reader::find(doc, "description")) suite.description = r_.string(*d, "/description");

  const std::string model_expected = "an object with \"tflite\" (and optionally \"float_tflite\")";
  const json& model = r_.object(*Reader::find(doc, "model"), "/model", model_expected);
  r_.allow_keys(model, "/model", {"tflite", "float_tflite"}, "\"model\"");
  ModelSource source;
  source.tflite = existing_file(r_.require(model, "/model", "tflite", "a path to an int8 .tflite file"),
                                "/model/tflite", "a path to an int8 .tflite file, relative to the suite file");
  if (const json* f = Reader::find(model, "float_tflite")) {
    source.float_tflite = existing_file(*f, "/model/float_tflite",
                                        "a path to the float32 .tflite twin, relative to the suite file");
  }
  suite.model = source;

  // Without "data": a few seeded samples over the model input's whole range (prepare_model).
  const json* data_value = Reader::find(doc, "data");
  if (data_value == nullptr) {
    if (const json* gates = Reader::find(doc, "gates")) suite.gates = parse_gates(*gates);
    if (suite.gates.min_label_accuracy) {
      r_.fail("/gates/min_label_accuracy", "test labels (/data/test/labels) for this gate", "no \"data\"");
    }
    return suite;
  }
  const std::string data_expected = "an object with \"test\"";
  const json& data = r_.object(*data_value, "/data", data_expected);
  r_.allow_keys(data, "/data", {"test"}, "\"data\" of a model suite");
  const std::string set_expected =
      "an object with \"files\" (raw input tensors) or \"samples\" and \"inputs\"";
  const json& test = r_.object(r_.require(data, "/data", "test", set_expected), "/data/test", set_expected);
  if (const json* files = Reader::find(test, "files")) {
    r_.allow_keys(test, "/data/test", {"files", "labels"}, "a test set of input files");
    const std::string files_expected =
        "an array of 1.." + std::to_string(limits::kMaxSamples) + " paths to raw input-tensor files";
    r_.array(*files, "/data/test/files", files_expected);
    if (files->empty() || files->size() > static_cast<size_t>(limits::kMaxSamples)) {
      r_.fail("/data/test/files", files_expected, std::to_string(files->size()) + " files");
    }
    for (size_t i = 0; i < files->size(); ++i) {
      suite.input_files.push_back(existing_file((*files)[i], child("/data/test/files", i),
                                                "a path to a raw input-tensor file, relative to the suite file"));
    }
    suite.test.samples = static_cast<int32_t>(suite.input_files.size());
    if (const json* labels = Reader::find(test, "labels")) {
      suite.test.labels = parse_labels(*labels, "/data/test/labels", suite.test.samples);
    }
  } else {
    // The input's size is known only once the model is read: a generator is checked then.
    suite.test = parse_dataset(test, "/data/test", true, 1);
  }
  if (const json* gates = Reader::find(doc, "gates")) suite.gates = parse_gates(*gates);
  if (suite.gates.min_label_accuracy && suite.test.labels.empty()) {
    r_.fail("/gates/min_label_accuracy", "test labels (/data/test/labels) for this gate",
            "a test set without labels");
  }
  return suite;
}

Dataset SuiteParser::parse_dataset(const json& v, const std::string& p, bool test,
                                   int64_t input_elements) const {
  Dataset set;
  r_.object(v, p, "an object with \"samples\" and \"inputs\"");
  if (test) {
    r_.allow_keys(v, p, {"samples", "inputs", "labels"}, "the test set");
  } else {
    r_.allow_keys(v, p, {"samples", "inputs"}, "the calibration set");
  }
  const int64_t max_samples =
      std::min<int64_t>(limits::kMaxSamples, limits::kMaxDatasetElements / input_elements);
  std::string samples_expected = "an integer in " + range(1, max_samples);
  if (max_samples < limits::kMaxSamples) {
    samples_expected += " (at most " + std::to_string(limits::kMaxDatasetElements) +
                        " input values per set)";
  }
  const json& samples = r_.require(v, p, "samples", samples_expected);
  if (!Reader::is_integer_in(samples, 1, max_samples)) {
    r_.fail(child(p, "samples"), samples_expected, show(samples));
  }
  set.samples = to_int(samples);
  set.inputs = parse_generator(r_.require(v, p, "inputs", kGeneratorObject), child(p, "inputs"));
  check_generator_count(set.inputs, static_cast<size_t>(set.samples * input_elements),
                        std::to_string(set.samples) + " samples x " +
                            std::to_string(input_elements) + " input elements",
                        r_.file());
  if (const json* labels = Reader::find(v, "labels")) {
    set.labels = parse_labels(*labels, child(p, "labels"), set.samples);
  }
  return set;
}

std::vector<int32_t> SuiteParser::parse_labels(const json& labels, const std::string& lp,
                                               int32_t samples) const {
  std::vector<int32_t> out;
  r_.array(labels, lp, "an array of class indices, one per test sample");
  for (size_t i = 0; i < labels.size(); ++i) {
    const json& label = labels[i];
    if (!Reader::is_integer_in(label, 0, std::numeric_limits<int32_t>::max())) {
      r_.fail(child(lp, i), "a class index (an integer >= 0)", show(label));
    }
    out.push_back(to_int(label));
  }
  if (out.size() != static_cast<size_t>(samples)) {
    r_.fail(lp, std::to_string(samples) + " labels (one per test sample)", std::to_string(out.size()));
  }
  return out;
}

Gates SuiteParser::parse_gates(const json& v) const {
  Gates gates;
  r_.object(v, "/gates");
  r_.allow_keys(v, "/gates",
                {"min_sqnr_db", "max_err_pct_range", "min_top1_agreement", "min_label_accuracy"},
                "\"gates\"");
  const double inf = std::numeric_limits<double>::infinity();
  if (const json* x = Reader::find(v, "min_sqnr_db")) {
    gates.min_sqnr_db = r_.number(*x, "/gates/min_sqnr_db");
  }
  if (const json* x = Reader::find(v, "max_err_pct_range")) {
    gates.max_err_pct_range =
        r_.number_in(*x, "/gates/max_err_pct_range", 0.0, inf, "a number >= 0");
  }
  if (const json* x = Reader::find(v, "min_top1_agreement")) {
    gates.min_top1_agreement =
        r_.number_in(*x, "/gates/min_top1_agreement", 0.0, 1.0, "a number in 0..1");
  }
  if (const json* x = Reader::find(v, "min_label_accuracy")) {
    gates.min_label_accuracy =
        r_.number_in(*x, "/gates/min_label_accuracy", 0.0, 1.0, "a number in 0..1");
  }
  return gates;
}

}  // namespace

Suite parse_suite(const json& doc, const std::string& file_label, const std::string& base_dir) {
  return SuiteParser(file_label, base_dir).parse(doc);
}

Suite parse_suite_text(const std::string& text, const std::string& file_label,
                       const std::string& base_dir) {
  return parse_suite(json_input::parse_text(text, file_label), file_label, base_dir);
}

std::vector<std::string> layer_keys(OpKind op) {
  std::vector<std::string> keys = {"name", "op", "inputs"};
  const OpSpec& spec = op_specs().at(static_cast<size_t>(op));
  if (spec.op != op) throw std::logic_error("op_specs() is out of OpKind order");
  keys.insert(keys.end(), spec.keys.begin(), spec.keys.end());
  return keys;
}

Suite load_suite(const std::string& path) {
  const std::string text = json_input::read_text_file(path, path);
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  if (base_dir.empty()) base_dir = ".";
  return parse_suite_text(text, path, base_dir);
}

}  // namespace qb::harness
