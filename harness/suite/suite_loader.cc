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
#include "harness/suite/suite_schema.h"

namespace qb::harness {
namespace {

using json_input::child;
using json_input::Reader;
using json_input::show;
using nlohmann::json;

// The ops in OpKind order, with the keys each takes besides "name", "op" and "inputs". The
// schema states the same per op; a test keeps the two in step.
struct OpSpec {
  OpKind op;
  std::vector<std::string> keys;
};

const std::vector<OpSpec>& op_specs() {
  static const std::vector<OpSpec> specs = {
      {OpKind::kConv2d,
       {"filters", "kernel", "stride", "padding", "per_channel", "activation", "range", "weights",
        "bias"}},
      {OpKind::kDepthwiseConv2d,
       {"kernel", "stride", "padding", "per_channel", "activation", "range", "weights", "bias"}},
      {OpKind::kPointwiseConv2d, {"filters", "per_channel", "activation", "range", "weights", "bias"}},
      {OpKind::kDense, {"units", "per_channel", "activation", "range", "weights", "bias"}},
      {OpKind::kAdd, {"activation", "range"}},
      {OpKind::kMaxPool2d, {"pool", "stride", "padding", "activation"}},
      {OpKind::kAvgPool2d, {"pool", "stride", "padding", "activation"}},
      {OpKind::kGlobalAvgPool2d, {"activation"}},
      {OpKind::kPad, {"padding"}},
      {OpKind::kRelu, {}},
      {OpKind::kRelu6, {}},
      {OpKind::kSigmoid, {}},
      {OpKind::kBatchNorm,
       {"activation", "range", "gamma", "beta", "mean", "variance", "epsilon", "zero_variance"}},
  };
  return specs;
}

OpKind op_named(const std::string& name) {
  for (const OpSpec& spec : op_specs()) {
    if (op_name(spec.op) == name) return spec.op;
  }
  throw std::logic_error("op \"" + name + "\" passed the suite schema but has no OpKind");
}

// The schema has checked kinds and bounds: a value read here is an integer in int32 range.
int32_t to_int(const json& v) { return v.get<int32_t>(); }

std::array<int32_t, 2> pair_of(const json& v) {
  return v.is_array() ? std::array<int32_t, 2>{to_int(v[0]), to_int(v[1])}
                      : std::array<int32_t, 2>{to_int(v), to_int(v)};
}

const json* find(const json& obj, const char* key) { return Reader::find(obj, key); }

// After the schema: every structural rule of the format holds (keys, kinds, bounds, which
// keys each op and generator take). What is left needs shapes, other fields or files.
class SuiteParser {
 public:
  SuiteParser(const std::string& file, const std::string& base_dir)
      : r_(file), base_dir_(base_dir) {}

  Suite parse(const json& doc);

 private:
  Suite parse_model_suite(const json& doc, Suite suite);
  std::string existing_file(const json& v, const std::string& p, const std::string& expected) const;
  std::array<int32_t, 3> parse_input(const json& shape) const;
  LayerDef parse_layer(const json& v, const std::string& p, size_t index,
                       const std::string& previous) const;
  void parse_padding(const json& v, const std::string& p, LayerDef& def) const;
  RangeChoice parse_range(const json& v) const;
  void parse_quantization(const json& doc, Suite& suite);
  Generator parse_generator(const json& v, const std::string& p) const;
  void flatten_values(const json& v, const std::string& p, std::vector<double>& out) const;
  std::vector<double> load_numbers_file(const json& path_value, const std::string& p) const;
  Dataset parse_dataset(const json& v, const std::string& p, int64_t input_elements) const;
  std::vector<int32_t> parse_labels(const json& labels, const std::string& lp, int32_t samples) const;
  Gates parse_gates(const json* v, const Dataset& test, const char* without_labels) const;

  Reader r_;
  std::string base_dir_;
  bool default_per_channel_ = true;  // "quantization": {"per_channel"}
};

Suite SuiteParser::parse(const json& doc) {
  Suite suite;
  suite.file = r_.file();
  suite.name = doc.at("name").get<std::string>();
  if (const json* d = find(doc, "description")) suite.description = d->get<std::string>();
  if (find(doc, "model") != nullptr) return parse_model_suite(doc, std::move(suite));

  suite.input_shape = parse_input(doc.at("input").at("shape"));
  const int64_t input_elements =
      int64_t{suite.input_shape[0]} * suite.input_shape[1] * suite.input_shape[2];

  parse_quantization(doc, suite);
  const json& layers = doc.at("layers");
  std::map<std::string, std::string> declared;  // name -> pointer of its layer
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string p = child("/layers", i);
    const std::string previous = i == 0 ? std::string("input") : suite.layers.back().name;
    LayerDef def = parse_layer(layers[i], p, i, previous);
    const bool explicit_name = find(layers[i], "name") != nullptr;
    const auto [it, inserted] = declared.emplace(def.name, p);
    if (!inserted) {
      r_.fail(explicit_name ? child(p, "name") : p, "a unique layer name",
              std::string(explicit_name ? "" : "the default name ") + json(def.name).dump() +
                  ", already used by " + it->second);
    }
    suite.layers.push_back(std::move(def));
  }

  const json& data = doc.at("data");
  suite.calibration = parse_dataset(data.at("calibration"), "/data/calibration", input_elements);
  suite.test = parse_dataset(data.at("test"), "/data/test", input_elements);
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
  suite.gates = parse_gates(find(doc, "gates"), suite.test, "a test set without labels");

  if (const json* grid = find(doc, "decision_grid")) {
    suite.decision_grid = to_int(*grid);
    if (suite.decision_grid > 0 && input_elements != 2) {
      r_.fail("/decision_grid", "a suite whose input has 2 elements (the grid spans [0,1]^2)",
              "an input of " + std::to_string(input_elements) + " elements");
    }
  }
  return suite;
}

std::array<int32_t, 3> SuiteParser::parse_input(const json& shape) const {
  std::array<int32_t, 3> hwc{1, 1, 1};
  for (size_t i = 0; i < shape.size(); ++i) hwc[3 - shape.size() + i] = to_int(shape[i]);
  if (int64_t{hwc[0]} * hwc[1] * hwc[2] > limits::kMaxTensorElements) {
    r_.fail("/input/shape",
            "at most " + std::to_string(limits::kMaxTensorElements) + " elements", show(shape));
  }
  return hwc;
}

LayerDef SuiteParser::parse_layer(const json& v, const std::string& p, size_t index,
                                  const std::string& previous) const {
  LayerDef def;
  def.json_path = p;
  def.op = op_named(v.at("op").get<std::string>());
  const json* name = find(v, "name");
  def.name = name ? name->get<std::string>() : op_name(def.op) + std::to_string(index);
  if (const json* inputs = find(v, "inputs")) {
    def.inputs = inputs->get<std::vector<std::string>>();
  } else {
    def.inputs = {previous};  // "add" requires its inputs: the schema saw to that
  }
  if (const json* filters = find(v, "filters")) def.filters = to_int(*filters);
  if (const json* units = find(v, "units")) def.filters = to_int(*units);
  if (const json* kernel = find(v, "kernel")) def.kernel = pair_of(*kernel);
  if (const json* pool = find(v, "pool")) {
    def.kernel = pair_of(*pool);
    def.stride = def.kernel;  // Keras' default: non-overlapping windows
  }
  if (const json* stride = find(v, "stride")) def.stride = pair_of(*stride);
  if (const json* padding = find(v, "padding")) parse_padding(*padding, child(p, "padding"), def);
  if (const json* act = find(v, "activation")) {
    for (Activation a : {Activation::kNone, Activation::kRelu, Activation::kRelu6}) {
      if (act->get<std::string>() == activation_name(a)) def.activation = a;
    }
  }
  def.per_channel = default_per_channel_;
  if (const json* per_channel = find(v, "per_channel")) def.per_channel = per_channel->get<bool>();
  if (const json* range = find(v, "range")) {
    def.range = parse_range(*range);
    if (def.range->kind == RangeChoice::Kind::kFixed && def.activation != Activation::kRelu6) {
      r_.fail(child(p, "range"), "\"fixed\" only on a layer whose activation is relu6 (its range is [0, 6])",
              std::string("\"fixed\" on a layer with activation \"") + activation_name(def.activation) + "\"");
    }
  }
  if (const json* weights = find(v, "weights")) {
    def.weights = parse_generator(*weights, child(p, "weights"));
  }
  if (const json* bias = find(v, "bias")) def.bias = parse_generator(*bias, child(p, "bias"));
  if (def.op == OpKind::kBatchNorm) {
    const auto statistic = [&](const char* key, double default_value) {
      if (const json* g = find(v, key)) return parse_generator(*g, child(p, key));
      Generator constant;
      constant.value = default_value;
      constant.json_path = child(p, key);
      return constant;
    };
    def.bn_gamma = statistic("gamma", 1.0);
    def.bn_beta = statistic("beta", 0.0);
    def.bn_mean = statistic("mean", 0.0);
    def.bn_variance = statistic("variance", 1.0);
    if (const json* eps = find(v, "epsilon")) def.epsilon = eps->get<double>();
    if (const json* zv = find(v, "zero_variance")) def.zero_variance_as_dead = zv->get<std::string>() == "zero_weights";
  }
  return def;
}

// "quantization": the defaults of every layer that does not choose for itself.
void SuiteParser::parse_quantization(const json& doc, Suite& suite) {
  const json* q = find(doc, "quantization");
  if (q == nullptr) return;
  if (const json* range = find(*q, "range")) suite.default_range = parse_range(*range);
  if (const json* per_channel = find(*q, "per_channel")) default_per_channel_ = per_channel->get<bool>();
  suite.default_per_channel = default_per_channel_;
}

// The schema has checked the form: "minmax", "fixed" or {"percentile": P}, P in (0, 100].
RangeChoice SuiteParser::parse_range(const json& v) const {
  RangeChoice r;
  if (v.is_string()) {
    r.kind = v.get<std::string>() == "fixed" ? RangeChoice::Kind::kFixed : RangeChoice::Kind::kMinMax;
  } else {
    r.kind = RangeChoice::Kind::kPercentile;
    r.percentile = v.at("percentile").get<double>();
  }
  return r;
}

void SuiteParser::parse_padding(const json& v, const std::string& p, LayerDef& def) const {
  if (v.is_string()) {
    def.same_padding = v.get<std::string>() == "same";
    return;
  }
  if (v.is_array()) {
    for (size_t i = 0; i < 4; ++i) def.padding[i] = to_int(v[i]);
  } else {
    def.padding.fill(to_int(v));
  }
  if (def.op == OpKind::kPad) return;
  // A window's pads stay below its size, or some outputs would see padding only.
  const auto& k = def.kernel;
  const auto& pad = def.padding;
  if (pad[0] >= k[0] || pad[1] >= k[0] || pad[2] >= k[1] || pad[3] >= k[1]) {
    const bool pool = def.op == OpKind::kMaxPool2d || def.op == OpKind::kAvgPool2d;
    r_.fail(p,
            "pads smaller than the " + std::string(pool ? "pool" : "kernel") + " " +
                std::to_string(k[0]) + "x" + std::to_string(k[1]) + " (top and bottom below " +
                std::to_string(k[0]) + ", left and right below " + std::to_string(k[1]) + ")",
            show(v));
  }
}

Generator SuiteParser::parse_generator(const json& v, const std::string& p) const {
  const std::string kind = v.at("generator").get<std::string>();
  Generator gen;
  gen.json_path = p;
  if (kind == "sinusoid") {
    gen.kind = Generator::Kind::kSinusoid;
    gen.amp = v.value("amp", gen.amp);
    gen.freq = v.value("freq", gen.freq);
    gen.phase = v.value("phase", gen.phase);
  } else if (kind == "uniform") {
    gen.kind = Generator::Kind::kUniform;
    // The validator compares integers as int64, so the unsigned 64-bit range is checked here.
    gen.seed = r_.unsigned64(v.at("seed"), child(p, "seed"));
    gen.low = v.value("low", gen.low);
    gen.high = v.value("high", gen.high);
    if (!(gen.low < gen.high)) {
      if (find(v, "high") != nullptr) {
        r_.fail(child(p, "high"), "a number greater than low (" + json(gen.low).dump() + ")",
                show(v.at("high")));
      }
      r_.fail(child(p, "low"), "a number less than high (" + json(gen.high).dump() + ")",
              show(v.at("low")));
    }
  } else if (kind == "constant") {
    gen.kind = Generator::Kind::kConstant;
    gen.value = v.at("value").get<double>();
  } else if (kind == "values") {
    gen.kind = Generator::Kind::kValues;
    flatten_values(v.at("values"), child(p, "values"), gen.values);
    if (gen.values.empty()) {
      r_.fail(child(p, "values"), "a non-empty array of numbers (nested arrays are flattened)",
              show(v.at("values")));
    }
  } else {
    gen.kind = Generator::Kind::kValues;
    gen.values = load_numbers_file(v.at("path"), child(p, "path"));
  }
  return gen;
}

void SuiteParser::flatten_values(const json& v, const std::string& p,
                                 std::vector<double>& out) const {
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) flatten_values(v[i], child(p, i), out);
    return;
  }
  if (out.size() >= static_cast<size_t>(limits::kMaxFileValues)) {
    r_.fail(p, "at most " + std::to_string(limits::kMaxFileValues) + " values", "more");
  }
  out.push_back(v.get<double>());
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
  const std::string rel = v.get<std::string>();
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
  const json& model = doc.at("model");
  ModelSource source;
  if (const json* t = find(model, "tflite")) {
    source.tflite = existing_file(*t, "/model/tflite",
                                  "a path to an int8 .tflite file, relative to the suite file");
  }
  if (const json* f = find(model, "float_tflite")) {
    source.float_tflite = existing_file(*f, "/model/float_tflite",
                                        "a path to the float32 .tflite twin, relative to the suite file");
  }
  suite.model = source;
  parse_quantization(doc, suite);

  // A float model qbench quantizes needs a calibration set; its input size is known only
  // once the model is read, where its generator is checked.
  const json* data = find(doc, "data");
  if (source.tflite.empty()) {
    const json* calibration = data != nullptr ? find(*data, "calibration") : nullptr;
    if (calibration == nullptr) {
      r_.fail("/data", "\"data\": {\"calibration\": ...} (qbench quantizes the float model with it)",
              "no calibration set");
    }
    suite.calibration = parse_dataset(*calibration, "/data/calibration", 1);
  }
  // Without "data": a few seeded samples over the model input's whole range (prepare_model).
  if (data == nullptr) {
    suite.gates = parse_gates(find(doc, "gates"), suite.test, "no \"data\"");
    return suite;
  }
  const json& test = data->at("test");
  if (const json* files = find(test, "files")) {
    for (size_t i = 0; i < files->size(); ++i) {
      suite.input_files.push_back(existing_file((*files)[i], child("/data/test/files", i),
                                                "a path to a raw input-tensor file, relative to the suite file"));
    }
    suite.test.samples = static_cast<int32_t>(suite.input_files.size());
    if (const json* labels = find(test, "labels")) {
      suite.test.labels = parse_labels(*labels, "/data/test/labels", suite.test.samples);
    }
  } else {
    // The input's size is known only once the model is read: a generator is checked then.
    suite.test = parse_dataset(test, "/data/test", 1);
  }
  suite.gates = parse_gates(find(doc, "gates"), suite.test, "a test set without labels");
  return suite;
}

Dataset SuiteParser::parse_dataset(const json& v, const std::string& p,
                                   int64_t input_elements) const {
  Dataset set;
  // The schema bounds samples by kMaxSamples; the input's size bounds them further.
  const int64_t max_samples =
      std::min<int64_t>(limits::kMaxSamples, limits::kMaxDatasetElements / input_elements);
  set.samples = to_int(v.at("samples"));
  if (set.samples > max_samples) {
    r_.fail(child(p, "samples"),
            "an integer in 1.." + std::to_string(max_samples) + " (at most " +
                std::to_string(limits::kMaxDatasetElements) + " input values per set)",
            show(v.at("samples")));
  }
  set.inputs = parse_generator(v.at("inputs"), child(p, "inputs"));
  check_generator_count(set.inputs, static_cast<size_t>(set.samples * input_elements),
                        std::to_string(set.samples) + " samples x " +
                            std::to_string(input_elements) + " input elements",
                        r_.file());
  if (const json* labels = find(v, "labels")) {
    set.labels = parse_labels(*labels, child(p, "labels"), set.samples);
  }
  return set;
}

std::vector<int32_t> SuiteParser::parse_labels(const json& labels, const std::string& lp,
                                               int32_t samples) const {
  if (labels.size() != static_cast<size_t>(samples)) {
    r_.fail(lp, std::to_string(samples) + " labels (one per test sample)",
            std::to_string(labels.size()));
  }
  return labels.get<std::vector<int32_t>>();
}

Gates SuiteParser::parse_gates(const json* v, const Dataset& test,
                               const char* without_labels) const {
  Gates gates;
  if (v == nullptr) return gates;
  if (const json* x = find(*v, "min_sqnr_db")) gates.min_sqnr_db = x->get<double>();
  if (const json* x = find(*v, "max_err_pct_range")) gates.max_err_pct_range = x->get<double>();
  if (const json* x = find(*v, "min_top1_agreement")) gates.min_top1_agreement = x->get<double>();
  if (const json* x = find(*v, "min_label_accuracy")) gates.min_label_accuracy = x->get<double>();
  if (gates.min_label_accuracy && test.labels.empty()) {
    r_.fail("/gates/min_label_accuracy", "test labels (/data/test/labels) for this gate",
            without_labels);
  }
  return gates;
}

}  // namespace

Suite parse_suite(const json& original, const std::string& file_label,
                  const std::string& base_dir) {
  const json doc = with_integral_floats_as_integers(original);
  // The schema first, with every violation it finds; the loader's own checks stop at the
  // first, since they read the structure the schema vouches for.
  const std::vector<SchemaViolation> violations = check_suite_schema(doc);
  if (!violations.empty()) {
    std::string lines;
    for (const SchemaViolation& v : violations) {
      if (!lines.empty()) lines += '\n';
      lines += InputError(file_label, v.pointer, "expected " + v.expected + ", got " + v.got).what();
    }
    throw InputError(lines);
  }
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
