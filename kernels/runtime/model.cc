// Model::load is the one place that distrusts the file. Every later reader (tensor(),
// layer(), the interpreter, the kernels) relies on the invariants established here:
// everything inside the file or the arena, every shape consistent with its op, and every
// int32 intermediate of the kernels provably free of overflow.
#include "kernels/runtime/model.h"

#include <bit>

#include "kernels/runtime/crc32.h"
#include "kernels/variant/offline.h"

namespace qb::runtime {
namespace {

using qbm::Op;

constexpr int64_t kInt32Max = 2147483647;
// The kernels' pool sums are int32: 2^23 taps of |v| <= 128 leave room for the rounding.
constexpr int64_t kMaxPoolTaps = int64_t{1} << 23;

// Byte-wise little-endian loads: independent of the host's byte order and of the record's
// alignment in memory.
uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
int32_t load_i32(const uint8_t* p) { return static_cast<int32_t>(load_u32(p)); }
uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

bool aligned(uint64_t value) { return value % qbm::kAlignment == 0; }
int64_t abs64(int64_t v) { return v < 0 ? -v : v; }
int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

bool same_shape(const kernels::Shape& a, const kernels::Shape& b) {
  return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

// Half-open byte ranges [a, a + a_size) and [b, b + b_size) share a byte.
bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size) {
  return a_size != 0 && b_size != 0 && a < b + b_size && b < a + a_size;
}

// Largest |v| of (x + input_offset) = (x - zero_point) over int8 x.
int64_t max_abs_input(int32_t zero_point) {
  return max64(128 + int64_t{zero_point}, 127 - int64_t{zero_point});
}

// a * b for non-negative factors, saturated at 2^40: far above any buffer's size (at most
// 2^31 - 1), so a saturated expectation simply never matches.
int64_t capped_product(int64_t a, int64_t b) {
  constexpr int64_t kCap = int64_t{1} << 40;
  if (a == 0 || b == 0) return 0;
  return a > kCap / b ? kCap : min64(a * b, kCap);
}

bool valid_shift(int32_t shift) { return shift >= -31 && shift <= 30; }

// An upper bound of |multiply_by_quantized_multiplier(x, multiplier, shift)| over every
// |x| <= x_bound (x_bound <= 2^31, multiplier >= 0, shift valid): follows the saturating
// left shift, the rounding doubling high multiply and the rounding right shift.
int64_t requantized_bound(int64_t x_bound, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  const int64_t lifted = min64(x_bound << left, int64_t{1} << 31);
  const int64_t high = (lifted * multiplier + (int64_t{1} << 30)) >> 31;
  return (high >> right) + (right > 0 ? 1 : 0);
}

// The requantized accumulator plus an output zero point must stay an int32.
bool requant_fits(int64_t acc_bound, int32_t multiplier, int32_t shift) {
  return requantized_bound(acc_bound, multiplier, shift) <= kInt32Max - 128;
}

// Sum of |w| over count int8 weights spaced stride bytes apart.
int64_t sum_abs_weights(const uint8_t* w, int64_t count, int64_t stride) {
  int64_t sum = 0;
  for (int64_t i = 0; i < count; ++i) sum += abs64(static_cast<int8_t>(w[i * stride]));
  return sum;
}

// What a spatial op (convolutions and windowed pools) needs of its geometry so that every
// window overlaps the input and no index the kernels compute leaves int32.
bool valid_window(const int32_t* p, const kernels::Shape& in, const kernels::Shape& out) {
  using namespace qbm::param;
  const int64_t sh = p[kStrideH], sw = p[kStrideW];
  const int64_t pt = p[kPadTop], pl = p[kPadLeft];
  const int64_t kh = p[kKernelH], kw = p[kKernelW];
  if (sh < 1 || sw < 1 || kh < 1 || kw < 1 || pt < 0 || pl < 0) return false;
  // The first window reaches the input, and so does the last.
  if (pt >= kh || pl >= kw) return false;
  const int64_t last_y = (out.h - int64_t{1}) * sh, last_x = (out.w - int64_t{1}) * sw;
  if (last_y - pt > in.h - 1 || last_x - pl > in.w - 1) return false;
  if (pt + in.h + kh + last_y > kInt32Max || pl + in.w + kw + last_x > kInt32Max) return false;
  return out.n == in.n;
}

// The layer's tensor operands, decoded once for validation.
struct Operands {
  TensorInfo in, in1, out;
  bool has_in1 = false;
};

}  // namespace

bool channel_requantization_fits(int64_t abs_bias, int64_t sum_abs_weights, int32_t input_zero_point,
                                 int32_t multiplier, int32_t shift) {
  if (multiplier < 0 || !valid_shift(shift)) return false;
  const int64_t acc_bound = abs_bias + sum_abs_weights * max_abs_input(input_zero_point);
  return acc_bound <= kInt32Max && requant_fits(acc_bound, multiplier, shift);
}

Status Model::load(const uint8_t* data, size_t size) {
  *this = Model{};
  if (data == nullptr || size < qbm::kHeaderSize) return Status::kTruncated;
  if (reinterpret_cast<uintptr_t>(data) % qbm::kAlignment != 0) return Status::kMisaligned;
  for (uint32_t i = 0; i < 4; ++i) {
    if (data[qbm::header::kMagic + i] != qbm::kMagic[i]) return Status::kBadMagic;
  }
  // A reader understands every minor version up to its own.
  if (load_u16(data + qbm::header::kVersionMajor) != qbm::kVersionMajor ||
      load_u16(data + qbm::header::kVersionMinor) > qbm::kVersionMinor) {
    return Status::kBadVersion;
  }
  const uint32_t file_size = load_u32(data + qbm::header::kFileSize);
  if (file_size > size) return Status::kTruncated;
  if (file_size != size) return Status::kBadTable;  // bytes that no table accounts for
  // Everything from here on is covered by the checksum: a damaged byte reads as damage,
  // not as whatever field it happens to hit.
  if (crc32(data + qbm::kChecksumStart, file_size - qbm::kChecksumStart) !=
      load_u32(data + qbm::header::kChecksum)) {
    return Status::kBadChecksum;
  }
  if (load_u32(data + qbm::header::kHeaderSize) != qbm::kHeaderSize) return Status::kBadTable;
  for (uint32_t i = qbm::header::kOutputTensor + 4; i < qbm::kHeaderSize; ++i) {
    if (data[i] != 0) return Status::kBadTable;  // reserved
  }

  data_ = data;
  size_ = file_size;
  tensor_count_ = load_u32(data + qbm::header::kTensorCount);
  tensor_table_ = load_u32(data + qbm::header::kTensorTable);
  layer_count_ = load_u32(data + qbm::header::kLayerCount);
  layer_table_ = load_u32(data + qbm::header::kLayerTable);
  buffer_count_ = load_u32(data + qbm::header::kBufferCount);
  buffer_table_ = load_u32(data + qbm::header::kBufferTable);
  arena_size_ = load_u32(data + qbm::header::kArenaSize);
  input_tensor_ = load_u32(data + qbm::header::kInputTensor);
  output_tensor_ = load_u32(data + qbm::header::kOutputTensor);

  Status status = Status::kOk;
  auto check_table = [&](uint32_t offset, uint32_t count, uint32_t record_size) {
    if (!aligned(offset)) return Status::kMisaligned;
    // 64-bit: count * record_size cannot wrap.
    if (offset < qbm::kHeaderSize || uint64_t{offset} + uint64_t{count} * record_size > file_size) {
      return Status::kBadTable;
    }
    return Status::kOk;
  };
  if (tensor_count_ == 0) status = Status::kBadTable;
  if (status == Status::kOk)
    status = check_table(tensor_table_, tensor_count_, qbm::kTensorRecordSize);
  if (status == Status::kOk)
    status = check_table(layer_table_, layer_count_, qbm::kLayerRecordSize);
  if (status == Status::kOk)
    status = check_table(buffer_table_, buffer_count_, qbm::kBufferRecordSize);

  // Where the last table or buffer ends: the file must end there too, so that no bytes
  // hide under the checksum that no table accounts for.
  uint64_t content_end = max64(max64(uint64_t{tensor_table_} + uint64_t{tensor_count_} * qbm::kTensorRecordSize,
                                     uint64_t{layer_table_} + uint64_t{layer_count_} * qbm::kLayerRecordSize),
                               uint64_t{buffer_table_} + uint64_t{buffer_count_} * qbm::kBufferRecordSize);
  for (uint32_t b = 0; status == Status::kOk && b < buffer_count_; ++b) {
    const uint8_t* record = data + buffer_table_ + uint64_t{b} * qbm::kBufferRecordSize;
    const uint32_t offset = load_u32(record + qbm::buffer::kOffset);
    const uint32_t bytes = load_u32(record + qbm::buffer::kSize);
    if (!aligned(offset)) {
      status = Status::kMisaligned;
    } else if (offset < qbm::kHeaderSize || uint64_t{offset} + bytes > file_size ||
               bytes > kInt32Max) {
      status = Status::kBadBuffer;
    }
    content_end = max64(content_end, uint64_t{offset} + bytes);
  }

  for (uint32_t t = 0; status == Status::kOk && t < tensor_count_; ++t) {
    const uint8_t* record = data + tensor_table_ + uint64_t{t} * qbm::kTensorRecordSize;
    int64_t elements = 1;
    for (uint32_t d = 0; d < 4 && status == Status::kOk; ++d) {
      const int32_t dim = load_i32(record + qbm::tensor::kDims + 4 * d);
      elements *= dim;  // both factors <= 2^31: no int64 overflow
      if (dim < 1 || elements > kInt32Max) status = Status::kBadTensor;
    }
    if (status != Status::kOk) break;
    const int32_t zero_point = load_i32(record + qbm::tensor::kZeroPoint);
    const uint32_t arena_offset = load_u32(record + qbm::tensor::kArenaOffset);
    if (zero_point < -128 || zero_point > 127 ||
        load_u32(record + qbm::tensor::kArenaOffset + 4) != 0) {
      status = Status::kBadTensor;
    } else if (!aligned(arena_offset)) {
      status = Status::kMisaligned;
    } else if (uint64_t{arena_offset} + static_cast<uint64_t>(elements) > arena_size_) {
      status = Status::kBadTensor;
    }
  }
  if (status == Status::kOk &&
      (input_tensor_ >= tensor_count_ || output_tensor_ >= tensor_count_)) {
    status = Status::kBadTensor;
  }

  for (uint32_t l = 0; status == Status::kOk && l < layer_count_; ++l) {
    status = validate_layer(l);
  }

  // Dataflow: every tensor is written at most once, the model input never, and every
  // layer reads only the model input or what an earlier layer wrote; so a run reads no
  // arena byte that it has not written itself.
  for (uint32_t l = 0; status == Status::kOk && l < layer_count_; ++l) {
    const LayerInfo info = layer(l);
    if (info.output == input_tensor_) status = Status::kBadLayer;
    bool in0_ready = info.input0 == input_tensor_;
    bool in1_ready = info.input1 == qbm::kNone || info.input1 == input_tensor_;
    for (uint32_t e = 0; status == Status::kOk && e < l; ++e) {
      const uint32_t earlier =
          load_u32(data + layer_table_ + uint64_t{e} * qbm::kLayerRecordSize + qbm::layer::kOutput);
      if (earlier == info.output) status = Status::kBadLayer;
      in0_ready = in0_ready || earlier == info.input0;
      in1_ready = in1_ready || earlier == info.input1;
    }
    if (!in0_ready || !in1_ready) status = Status::kBadLayer;
  }
  if (status == Status::kOk && output_tensor_ != input_tensor_) {
    bool produced = false;
    for (uint32_t l = 0; l < layer_count_; ++l) {
      produced = produced || load_u32(data + layer_table_ + uint64_t{l} * qbm::kLayerRecordSize +
                                      qbm::layer::kOutput) == output_tensor_;
    }
    if (!produced) status = Status::kBadLayer;
  }
  // Last, so a buffer of the wrong size is reported as that rather than as loose bytes.
  if (status == Status::kOk && content_end != file_size) status = Status::kBadTable;

  if (status != Status::kOk) *this = Model{};
  return status;
}

TensorInfo Model::tensor(uint32_t index) const {
  const uint8_t* record = data_ + tensor_table_ + uint64_t{index} * qbm::kTensorRecordSize;
  TensorInfo info;
  info.shape.n = load_i32(record + qbm::tensor::kDims + 0);
  info.shape.h = load_i32(record + qbm::tensor::kDims + 4);
  info.shape.w = load_i32(record + qbm::tensor::kDims + 8);
  info.shape.c = load_i32(record + qbm::tensor::kDims + 12);
  info.scale = std::bit_cast<float>(load_u32(record + qbm::tensor::kScale));
  info.zero_point = load_i32(record + qbm::tensor::kZeroPoint);
  info.arena_offset = load_u32(record + qbm::tensor::kArenaOffset);
  return info;
}

LayerInfo Model::layer(uint32_t index) const {
  const uint8_t* record = data_ + layer_table_ + uint64_t{index} * qbm::kLayerRecordSize;
  LayerInfo info;
  info.op = static_cast<Op>(load_u32(record + qbm::layer::kOp));
  info.input0 = load_u32(record + qbm::layer::kInput0);
  info.input1 = load_u32(record + qbm::layer::kInput1);
  info.output = load_u32(record + qbm::layer::kOutput);
  for (uint32_t s = 0; s < qbm::kBufferSlots; ++s) {
    const uint32_t b = load_u32(record + qbm::layer::kBuffers + 4 * s);
    if (b == qbm::kNone) continue;
    const uint8_t* buffer = data_ + buffer_table_ + uint64_t{b} * qbm::kBufferRecordSize;
    info.buffers[s].data = data_ + load_u32(buffer + qbm::buffer::kOffset);
    info.buffers[s].size = load_u32(buffer + qbm::buffer::kSize);
  }
  for (uint32_t i = 0; i < qbm::kParamCount; ++i) {
    info.params[i] = load_i32(record + qbm::layer::kParams + 4 * i);
  }
  info.scratch_offset = load_u32(record + qbm::layer::kScratchOffset);
  info.scratch_size = load_u32(record + qbm::layer::kScratchSize);
  return info;
}

Status Model::validate_layer(uint32_t index) const {
  const uint8_t* record = data_ + layer_table_ + uint64_t{index} * qbm::kLayerRecordSize;
  const uint32_t op_code = load_u32(record + qbm::layer::kOp);
  if (op_code == 0 || op_code >= qbm::kOpCount) return Status::kBadLayer;
  const Op op = static_cast<Op>(op_code);

  // Tensor indices: input1 exactly for add.
  const uint32_t in0 = load_u32(record + qbm::layer::kInput0);
  const uint32_t in1 = load_u32(record + qbm::layer::kInput1);
  const uint32_t out = load_u32(record + qbm::layer::kOutput);
  if (in0 >= tensor_count_ || out >= tensor_count_) return Status::kBadLayer;
  if (op == Op::kAdd ? in1 >= tensor_count_ : in1 != qbm::kNone) return Status::kBadLayer;
  for (uint32_t s = 0; s < qbm::kBufferSlots; ++s) {
    const uint32_t b = load_u32(record + qbm::layer::kBuffers + 4 * s);
    if (b != qbm::kNone && b >= buffer_count_) return Status::kBadBuffer;
  }

  // Safe to decode now: every index is in range.
  const LayerInfo info = layer(index);
  const int32_t* p = info.params;
  Operands t;
  t.in = tensor(in0);
  t.out = tensor(out);
  t.has_in1 = op == Op::kAdd;
  if (t.has_in1) t.in1 = tensor(in1);
  const kernels::Shape& is = t.in.shape;
  const kernels::Shape& os = t.out.shape;

  const int32_t act_min = p[qbm::param::kActMin], act_max = p[qbm::param::kActMax];
  if (act_min < -128 || act_max > 127 || act_min > act_max) return Status::kBadLayer;

  // The output is written while the inputs (and scratch) are read: none may alias, except
  // that a reshape may sit exactly on its input (the planner places it there; it then
  // moves nothing).
  const bool in_place_reshape = op == Op::kReshape &&
                                t.out.arena_offset == t.in.arena_offset &&
                                t.out.bytes() == t.in.bytes();
  if ((!in_place_reshape &&
       overlaps(t.out.arena_offset, t.out.bytes(), t.in.arena_offset, t.in.bytes())) ||
      (t.has_in1 &&
       overlaps(t.out.arena_offset, t.out.bytes(), t.in1.arena_offset, t.in1.bytes()))) {
    return Status::kBadLayer;
  }
  if (info.scratch_size == 0) {
    if (info.scratch_offset != 0) return Status::kBadLayer;
  } else {
    if (!aligned(info.scratch_offset)) return Status::kMisaligned;
    const uint64_t so = info.scratch_offset, ss = info.scratch_size;
    if (so + ss > arena_size_) return Status::kBadLayer;
    if (overlaps(so, ss, t.out.arena_offset, t.out.bytes()) ||
        overlaps(so, ss, t.in.arena_offset, t.in.bytes()) ||
        (t.has_in1 && overlaps(so, ss, t.in1.arena_offset, t.in1.bytes()))) {
      return Status::kBadLayer;
    }
  }

  // Buffers: the op's slots present with exactly the sizes its shapes imply, every other
  // slot empty. Expected sizes in 64-bit, so a product cannot wrap into a match.
  uint64_t expected[qbm::kBufferSlots] = {0, 0, 0, 0, 0, 0};
  bool needed[qbm::kBufferSlots] = {false, false, false, false, false, false};
  auto need = [&](qbm::BufferSlot slot, uint64_t bytes) {
    needed[slot] = true;
    expected[slot] = bytes;
  };
  const int64_t kh = p[qbm::param::kKernelH], kw = p[qbm::param::kKernelW];
  int64_t channels = 0;        // output channels that requantize separately
  int64_t requants = 0;        // entries in the multiplier and shift buffers
  int64_t taps = 0;            // weights per output channel
  int64_t tap_stride = 1;      // bytes between one channel's consecutive weights
  int64_t channel_stride = 0;  // bytes between consecutive channels' first weights

  switch (op) {
    case Op::kConv2d:
    case Op::kDepthwiseConv2d:
    case Op::kPointwiseConv2d: {
      if (!valid_window(p, is, os)) return Status::kBadLayer;
      channels = os.c;
      requants = os.c;
      if (op == Op::kConv2d) {
        taps = capped_product(capped_product(kh, kw), is.c);
        channel_stride = taps;
      } else if (op == Op::kDepthwiseConv2d) {
        // Output channel c reads input channel c / (os.c / is.c).
        if (os.c < is.c || os.c % is.c != 0) return Status::kBadLayer;
        taps = capped_product(kh, kw);
        tap_stride = os.c;
        channel_stride = 1;
      } else {
        using namespace qbm::param;
        if (p[kStrideH] != 1 || p[kStrideW] != 1 || p[kPadTop] != 0 || p[kPadLeft] != 0 ||
            kh != 1 || kw != 1 || os.h != is.h || os.w != is.w) {
          return Status::kBadLayer;
        }
        taps = is.c;
        channel_stride = taps;
      }
      need(qbm::kWeights, static_cast<uint64_t>(capped_product(taps, channels)));
      break;
    }
    case Op::kDense: {
      const int32_t per_channel = p[qbm::param::kPerChannel];
      if (per_channel != 0 && per_channel != 1) return Status::kBadLayer;
      if (os.n != is.n || os.h != 1 || os.w != 1) return Status::kBadLayer;
      channels = os.c;
      requants = per_channel != 0 ? os.c : 1;
      taps = int64_t{is.h} * is.w * is.c;  // flattened per batch
      channel_stride = taps;
      need(qbm::kWeights, static_cast<uint64_t>(capped_product(taps, channels)));
      break;
    }
    case Op::kAdd:
      if (!same_shape(is, t.in1.shape) || !same_shape(is, os)) return Status::kBadLayer;
      break;
    case Op::kMaxPool2d:
    case Op::kAvgPool2d:
      if (!valid_window(p, is, os) || os.c != is.c || t.out.zero_point != t.in.zero_point) {
        return Status::kBadLayer;
      }
      if (op == Op::kAvgPool2d && min64(kh, is.h) * min64(kw, is.w) > kMaxPoolTaps) {
        return Status::kBadLayer;
      }
      break;
    case Op::kGlobalAvgPool2d:
      if (os.n != is.n || os.h != 1 || os.w != 1 || os.c != is.c ||
          t.out.zero_point != t.in.zero_point || int64_t{is.h} * is.w > kMaxPoolTaps) {
        return Status::kBadLayer;
      }
      break;
    case Op::kPad: {
      using namespace qbm::param;
      const int64_t pt = p[kPadTop], pb = p[kPadBottom], pl = p[kPadLeft], pr = p[kPadRight];
      if (pt < 0 || pb < 0 || pl < 0 || pr < 0) return Status::kBadLayer;
      if (os.n != is.n || os.c != is.c || os.h != is.h + pt + pb || os.w != is.w + pl + pr ||
          t.out.zero_point != t.in.zero_point) {
        return Status::kBadLayer;
      }
      break;
    }
    case Op::kLookupTable:
      if (!same_shape(is, os)) return Status::kBadLayer;
      need(qbm::kTable, 256);
      break;
    case Op::kSoftmax: {
      using namespace qbm::param;
      // Differences are rescaled by a multiplier >= 1 (left shift >= 0) into a 5-bit
      // integer part; diff_min is the (non-positive) smallest difference that counts.
      // The sum of a row's exponentials (each at most 1) is held with 12 integer bits.
      if (!same_shape(is, os) || is.c > 4095 || t.out.zero_point != -128 || p[kSoftmaxMultiplier] < 0 ||
          p[kSoftmaxLeftShift] < 0 || p[kSoftmaxLeftShift] > 31 || p[kSoftmaxDiffMin] > 0) {
        return Status::kBadLayer;
      }
      break;
    }
    case Op::kReshape:
      if (is.elements() != os.elements() || t.out.zero_point != t.in.zero_point) {
        return Status::kBadLayer;
      }
      break;
  }
  if (op == Op::kConv2d &&
      info.scratch_size < kernels::conv_scratch_bytes(kernels::Shape{1, static_cast<int32_t>(kh),
                                                                      static_cast<int32_t>(kw),
                                                                      is.c})) {
    return Status::kBadLayer;  // every conv2d variant may use this much scratch
  }
  if (channels > 0) {
    need(qbm::kBias, 4 * static_cast<uint64_t>(channels));
    need(qbm::kAux, 4 * static_cast<uint64_t>(channels));  // the folded bias
    need(qbm::kMultiplier, 4 * static_cast<uint64_t>(requants));
    need(qbm::kShift, 4 * static_cast<uint64_t>(requants));
  }
  for (uint32_t s = 0; s < qbm::kBufferSlots; ++s) {
    const BufferView& view = info.buffers[s];
    if (!needed[s]) {
      if (view.data != nullptr) return Status::kBadBuffer;
      continue;
    }
    if (view.data == nullptr || view.size != expected[s]) return Status::kBadBuffer;
  }
  for (uint32_t s = qbm::kBias; s <= qbm::kAux; ++s) {
    // Used in place as int32 arrays.
    if (needed[s] && s != qbm::kTable && reinterpret_cast<uintptr_t>(info.buffers[s].data) % 4 != 0) {
      return Status::kMisaligned;
    }
  }

  if (channels > 0) {
    // Convolutions and dense: per channel, the int32 accumulator bias + sum(w * v) cannot
    // overflow for any input, nor can the requantized value plus the output zero point.
    const uint8_t* weights = info.buffers[qbm::kWeights].data;
    const uint8_t* bias = info.buffers[qbm::kBias].data;
    const uint8_t* multiplier = info.buffers[qbm::kMultiplier].data;
    const uint8_t* shift = info.buffers[qbm::kShift].data;
    const uint8_t* folded = info.buffers[qbm::kAux].data;
    const int32_t input_offset = -t.in.zero_point;
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t q = requants == 1 ? 0 : c;
      const int32_t m = load_i32(multiplier + 4 * q);
      const int32_t sh = load_i32(shift + 4 * q);
      if (m < 0 || !valid_shift(sh)) return Status::kBadLayer;
      const uint8_t* w = weights + c * channel_stride;
      // Weights are symmetric int8 in [-127, 127]: the fast kernels may add two products
      // in one int16 lane, which a -128 x -128 pair would overflow.
      for (int64_t i = 0; i < taps; ++i) {
        if (w[i * tap_stride] == 0x80) return Status::kBadBuffer;
      }
      const int64_t abs_weights = sum_abs_weights(w, taps, tap_stride);
      const int32_t b = load_i32(bias + 4 * c);
      if (!channel_requantization_fits(abs64(b), abs_weights, t.in.zero_point, m, sh)) {
        return Status::kBadLayer;
      }
      // The folded bias must be exactly what the model compiler's fold gives for this
      // layer's weights, bias and input zero point (a mismatch means the layer record and
      // its data disagree), and the fast kernels' accumulator (folded bias plus raw int8
      // products) must fit too.
      int32_t expected = 0;
      if (!kernels::fold_bias(reinterpret_cast<const int8_t*>(w), &b, 1, static_cast<int32_t>(taps), 0,
                              static_cast<int32_t>(tap_stride), input_offset, &expected) ||
          load_i32(folded + 4 * c) != expected) {
        return Status::kBadLayer;
      }
      if (abs64(expected) + abs_weights * 128 > kInt32Max) return Status::kBadLayer;
    }
  }

  if (op == Op::kAdd) {
    using namespace qbm::param;
    const int32_t m1 = p[kInput1Multiplier], s1 = p[kInput1Shift];
    const int32_t m2 = p[kInput2Multiplier], s2 = p[kInput2Shift];
    const int32_t mo = p[kOutputMultiplier], so = p[kOutputShift];
    const int32_t left_shift = p[kLeftShift];
    if (m1 < 0 || m2 < 0 || mo < 0 || !valid_shift(s1) || !valid_shift(s2) || !valid_shift(so) ||
        left_shift < 0 || left_shift > 20) {
      return Status::kBadLayer;
    }
    // Each lifted input is at most 255 * 2^20 < 2^31; their rescaled sum and the output
    // rescale plus zero point must stay in int32 as well.
    const int64_t scaled1 = requantized_bound(max_abs_input(t.in.zero_point) << left_shift, m1, s1);
    const int64_t scaled2 =
        requantized_bound(max_abs_input(t.in1.zero_point) << left_shift, m2, s2);
    if (scaled1 + scaled2 > kInt32Max || !requant_fits(scaled1 + scaled2, mo, so)) {
      return Status::kBadLayer;
    }
  }
  return Status::kOk;
}

}  // namespace qb::runtime
