#include "harness/import/tflite_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>

#include <flatbuffers/flatbuffers.h>

#include "harness/import/tflite_subset_generated.h"
#include "harness/suite/input_error.h"

namespace qb::harness {
namespace {

namespace fb = qb::tflite;

// Far above any model meant for a microcontroller, far below what the Verifier's 32-bit
// offsets could address.
constexpr uintmax_t kMaxFileBytes = uintmax_t{512} << 20;
// Limits on what the Verifier walks, so a hostile file cannot make it spin.
constexpr flatbuffers::uoffset_t kMaxDepth = 64;
constexpr flatbuffers::uoffset_t kMaxTables = 1000000;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw InputError(path + ": " + what);
}

std::vector<uint8_t> read_whole_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    fail(path, fs::exists(path, ec) ? "expected a .tflite file, got something that is not a regular file"
                                    : "expected a .tflite file, got no such file");
  }
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) fail(path, "cannot read the file's size");
  if (size > kMaxFileBytes) {
    fail(path, "expected a .tflite file of at most " + std::to_string(kMaxFileBytes >> 20) +
                   " MiB, got " + std::to_string(size) + " bytes");
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  std::ifstream in(path, std::ios::binary);
  if (!in || !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    fail(path, "cannot read the file");
  }
  return bytes;
}

std::vector<int32_t> int_vector(const flatbuffers::Vector<int32_t>* v) {
  return v == nullptr ? std::vector<int32_t>{} : std::vector<int32_t>(v->begin(), v->end());
}

std::string op_name(const fb::OperatorCode* code, int32_t builtin) {
  if (builtin == static_cast<int32_t>(fb::BuiltinOperator::CUSTOM)) {
    return code->custom_code() != nullptr ? "CUSTOM " + code->custom_code()->str() : "CUSTOM";
  }
  const char* name = fb::EnumNameBuiltinOperator(static_cast<fb::BuiltinOperator>(builtin));
  return name != nullptr && *name != '\0' ? name : "builtin operator " + std::to_string(builtin);
}

TfliteOptions read_options(const fb::Operator& op) {
  TfliteOptions o;
  auto padding = [](fb::Padding p) { return p == fb::Padding::SAME; };
  if (const auto* c = op.builtin_options_as_Conv2DOptions()) {
    o.same_padding = padding(c->padding());
    o.stride_w = c->stride_w();
    o.stride_h = c->stride_h();
    o.activation = static_cast<int8_t>(c->fused_activation_function());
    o.dilation_w = c->dilation_w_factor();
    o.dilation_h = c->dilation_h_factor();
  } else if (const auto* d = op.builtin_options_as_DepthwiseConv2DOptions()) {
    o.same_padding = padding(d->padding());
    o.stride_w = d->stride_w();
    o.stride_h = d->stride_h();
    o.depth_multiplier = d->depth_multiplier();
    o.activation = static_cast<int8_t>(d->fused_activation_function());
    o.dilation_w = d->dilation_w_factor();
    o.dilation_h = d->dilation_h_factor();
  } else if (const auto* p = op.builtin_options_as_Pool2DOptions()) {
    o.same_padding = padding(p->padding());
    o.stride_w = p->stride_w();
    o.stride_h = p->stride_h();
    o.filter_w = p->filter_width();
    o.filter_h = p->filter_height();
    o.activation = static_cast<int8_t>(p->fused_activation_function());
  } else if (const auto* f = op.builtin_options_as_FullyConnectedOptions()) {
    o.activation = static_cast<int8_t>(f->fused_activation_function());
    o.weights_format = static_cast<int8_t>(f->weights_format());
  } else if (const auto* s = op.builtin_options_as_SoftmaxOptions()) {
    o.beta = s->beta();
  } else if (const auto* a = op.builtin_options_as_AddOptions()) {
    o.activation = static_cast<int8_t>(a->fused_activation_function());
  }
  return o;
}

TfliteTensor read_tensor(const std::string& path, size_t index, const fb::Tensor* t,
                         const flatbuffers::Vector<flatbuffers::Offset<fb::Buffer>>* buffers) {
  const std::string where = "tensor " + std::to_string(index);
  if (t == nullptr) fail(path, where + ": missing");
  TfliteTensor out;
  out.name = t->name() != nullptr ? t->name()->str() : "";
  out.type = static_cast<int8_t>(t->type());
  out.shape = int_vector(t->shape());
  if (out.shape.size() > 6) {
    fail(path, where + " (" + out.name + "): expected at most 6 dimensions, got " +
                   std::to_string(out.shape.size()));
  }
  int64_t elements = 1;
  for (int32_t d : out.shape) {
    if (d < 1) {
      fail(path, where + " (" + out.name + "): expected dimensions of at least 1, got " +
                     std::to_string(d));
    }
    elements *= d;  // at most (2^31)^2 before the check below stops it
    if (elements > std::numeric_limits<int32_t>::max()) {
      fail(path, where + " (" + out.name + "): its shape holds more than 2^31 - 1 elements");
    }
  }
  if (t->sparsity() != nullptr) fail(path, where + " (" + out.name + "): sparse tensors are not supported");
  if (const fb::QuantizationParameters* q = t->quantization()) {
    if (q->details_type() != fb::QuantizationDetails::NONE) {
      fail(path, where + " (" + out.name + "): custom quantization is not supported");
    }
    if (q->scale() != nullptr) out.scale.assign(q->scale()->begin(), q->scale()->end());
    if (const auto* zero_point = q->zero_point()) {
      // The Verifier aligns a vector's length field (4 bytes), not its 8-byte elements;
      // a builder always aligns them, so only a damaged file gets here.
      if (reinterpret_cast<uintptr_t>(zero_point->data()) % alignof(int64_t) != 0) {
        fail(path, where + " (" + out.name + "): its zero points are not 8-byte aligned (a corrupted file)");
      }
      out.zero_point.assign(zero_point->begin(), zero_point->end());
    }
    out.quantized_dimension = q->quantized_dimension();
    if (!out.zero_point.empty() && out.zero_point.size() != out.scale.size()) {
      fail(path, where + " (" + out.name + "): " + std::to_string(out.scale.size()) +
                     " scales but " + std::to_string(out.zero_point.size()) + " zero points");
    }
  }
  const uint32_t b = t->buffer();
  if (buffers == nullptr || b >= buffers->size()) {
    if (b != 0) {
      fail(path, where + " (" + out.name + "): buffer " + std::to_string(b) +
                     " is past the model's " + std::to_string(buffers ? buffers->size() : 0) + " buffers");
    }
    return out;
  }
  const fb::Buffer* buffer = buffers->Get(b);
  if (buffer == nullptr) return out;
  if (buffer->offset() > 1) {
    fail(path, where + " (" + out.name + "): data stored outside the flatbuffer is not supported");
  }
  if (buffer->data() != nullptr && buffer->data()->size() > 0) {
    out.constant = true;
    out.data.assign(buffer->data()->begin(), buffer->data()->end());
  }
  return out;
}

}  // namespace

int64_t TfliteTensor::elements() const {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

const char* tflite_type_name(int8_t type) {
  const char* name = fb::EnumNameTensorType(static_cast<fb::TensorType>(type));
  return name != nullptr && *name != '\0' ? name : "an unknown type";
}

TfliteModel read_tflite(const std::string& path) {
  const std::vector<uint8_t> bytes = read_whole_file(path);
  if (bytes.size() < 8 || !fb::ModelBufferHasIdentifier(bytes.data())) {
    fail(path, "expected a TensorFlow Lite flatbuffer (file identifier \"TFL3\"), got " +
                   (bytes.size() < 8 ? std::to_string(bytes.size()) + " bytes" : std::string("another file")));
  }
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), kMaxDepth, kMaxTables);
  if (!fb::VerifyModelBuffer(verifier)) {
    fail(path, "the flatbuffer failed verification (truncated or corrupted: an offset, vector "
               "or string points outside the file)");
  }
  const fb::Model* model = fb::GetModel(bytes.data());
  const auto* subgraphs = model->subgraphs();
  if (subgraphs == nullptr || subgraphs->size() == 0) fail(path, "the model has no subgraph");
  if (subgraphs->size() > 1) {
    fail(path, "the model has " + std::to_string(subgraphs->size()) +
                   " subgraphs; only single-graph models (no control flow) are supported");
  }
  const fb::SubGraph* graph = subgraphs->Get(0);
  const auto* tensors = graph->tensors();
  const auto* operators = graph->operators();
  if (tensors == nullptr || tensors->size() == 0) fail(path, "the graph has no tensors");
  if (operators == nullptr || operators->size() == 0) fail(path, "the graph has no operators");

  TfliteModel out;
  out.path = path;
  for (size_t i = 0; i < tensors->size(); ++i) {
    out.tensors.push_back(read_tensor(path, i, tensors->Get(static_cast<flatbuffers::uoffset_t>(i)), model->buffers()));
  }
  const auto tensor_count = static_cast<int64_t>(out.tensors.size());
  auto check_indices = [&](const std::vector<int32_t>& indices, const std::string& where, bool optional) {
    for (int32_t t : indices) {
      if ((t < 0 && !(optional && t == -1)) || t >= tensor_count) {
        fail(path, where + ": tensor index " + std::to_string(t) + " is outside the graph's " +
                       std::to_string(tensor_count) + " tensors");
      }
    }
  };
  out.inputs = int_vector(graph->inputs());
  out.outputs = int_vector(graph->outputs());
  check_indices(out.inputs, "graph inputs", false);
  check_indices(out.outputs, "graph outputs", false);

  const auto* codes = model->operator_codes();
  for (size_t i = 0; i < operators->size(); ++i) {
    const fb::Operator* op = operators->Get(static_cast<flatbuffers::uoffset_t>(i));
    const std::string where = "operator " + std::to_string(i);
    if (op == nullptr) fail(path, where + ": missing");
    if (codes == nullptr || op->opcode_index() >= codes->size()) {
      fail(path, where + ": operator code " + std::to_string(op->opcode_index()) +
                     " is past the model's " + std::to_string(codes ? codes->size() : 0) + " codes");
    }
    const fb::OperatorCode* code = codes->Get(op->opcode_index());
    TfliteOperator o;
    // Codes above 127 live in builtin_code only; older files fill only the byte field.
    o.code = std::max(static_cast<int32_t>(code->builtin_code()),
                      static_cast<int32_t>(code->deprecated_builtin_code()));
    o.name = op_name(code, o.code);
    o.inputs = int_vector(op->inputs());
    o.outputs = int_vector(op->outputs());
    check_indices(o.inputs, where + " (" + o.name + ")", true);
    check_indices(o.outputs, where + " (" + o.name + ")", false);
    o.options = read_options(*op);
    out.operators.push_back(std::move(o));
  }
  return out;
}

}  // namespace qb::harness
