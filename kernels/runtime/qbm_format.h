// The compiled-model file (.qbm), version 1: the single description of its layout,
// shared by the host writer and the target reader.
//
// All integers are little-endian. Offsets count from the start of the file. Every record
// table and every constant buffer starts on a 16-byte boundary, so int32 buffers can be
// used in place by the kernels once the file itself is loaded 16-byte aligned.
//
//   header        (kHeaderSize bytes)
//   tensor table  (tensor_count  x kTensorRecordSize)
//   layer table   (layer_count   x kLayerRecordSize)
//   buffer table  (buffer_count  x kBufferRecordSize)
//   buffer data   (each buffer 16-byte aligned)
//
// A CRC-32 over everything after the checksum field catches corruption; the reader
// additionally bounds-checks every offset and size, so a file with a forged checksum
// still cannot make it read or write out of bounds.
#pragma once

#include <cstdint>

namespace qb::runtime::qbm {

inline constexpr uint8_t kMagic[4] = {'Q', 'B', 'M', '1'};
inline constexpr uint16_t kVersionMajor = 1;
inline constexpr uint16_t kVersionMinor = 0;
inline constexpr uint32_t kAlignment = 16;
inline constexpr uint32_t kNone = 0xFFFFFFFFu;  // an absent tensor or buffer index

// Header field offsets.
namespace header {
inline constexpr uint32_t kMagic = 0;          // 4 bytes "QBM1"
inline constexpr uint32_t kVersionMajor = 4;   // u16
inline constexpr uint32_t kVersionMinor = 6;   // u16
inline constexpr uint32_t kFileSize = 8;       // u32, the whole file
inline constexpr uint32_t kChecksum = 12;      // u32, CRC-32 of bytes [16, file_size)
inline constexpr uint32_t kHeaderSize = 16;    // u32, = qbm::kHeaderSize
inline constexpr uint32_t kTensorCount = 20;
inline constexpr uint32_t kTensorTable = 24;
inline constexpr uint32_t kLayerCount = 28;
inline constexpr uint32_t kLayerTable = 32;
inline constexpr uint32_t kBufferCount = 36;
inline constexpr uint32_t kBufferTable = 40;
inline constexpr uint32_t kArenaSize = 44;     // bytes of activation arena the plan needs
inline constexpr uint32_t kInputTensor = 48;
inline constexpr uint32_t kOutputTensor = 52;
// 56..63 reserved, zero.
}  // namespace header
inline constexpr uint32_t kHeaderSize = 64;
inline constexpr uint32_t kChecksumStart = 16;

// Tensor record: an int8 activation living in the arena.
namespace tensor {
inline constexpr uint32_t kDims = 0;          // 4 x i32: n, h, w, c (each >= 1)
inline constexpr uint32_t kScale = 16;        // f32 bits; informational, the target never reads it
inline constexpr uint32_t kZeroPoint = 20;    // i32 in [-128, 127]
inline constexpr uint32_t kArenaOffset = 24;  // u32
// 28..31 reserved, zero.
}  // namespace tensor
inline constexpr uint32_t kTensorRecordSize = 32;

// Buffer slots of a layer; which ones an op uses is fixed per op.
enum BufferSlot : uint32_t {
  kWeights = 0,     // int8
  kBias = 1,        // int32
  kMultiplier = 2,  // int32, per output channel (or one, for a per-tensor dense)
  kShift = 3,       // int32, same count as kMultiplier
  kTable = 4,       // int8 x 256
  kAux = 5,         // reserved for variant-specific offline data
  kBufferSlots = 6,
};
inline constexpr uint32_t kParamCount = 16;

// Layer record.
namespace layer {
inline constexpr uint32_t kOp = 0;             // u32, qbm::Op
inline constexpr uint32_t kInput0 = 4;         // u32 tensor index
inline constexpr uint32_t kInput1 = 8;         // u32 tensor index or kNone
inline constexpr uint32_t kOutput = 12;        // u32 tensor index
inline constexpr uint32_t kBuffers = 16;       // kBufferSlots x u32 buffer index or kNone
inline constexpr uint32_t kParams = 40;        // kParamCount x i32, meaning per op (below)
inline constexpr uint32_t kScratchOffset = 104;  // u32 arena offset of scratch memory
inline constexpr uint32_t kScratchSize = 108;    // u32, 0 when the kernel needs none
}  // namespace layer
inline constexpr uint32_t kLayerRecordSize = 112;

// Buffer record.
namespace buffer {
inline constexpr uint32_t kOffset = 0;  // u32, 16-byte aligned
inline constexpr uint32_t kSize = 4;    // u32 bytes
}  // namespace buffer
inline constexpr uint32_t kBufferRecordSize = 8;

enum class Op : uint32_t {
  kConv2d = 1,
  kDepthwiseConv2d = 2,
  kPointwiseConv2d = 3,
  kDense = 4,
  kAdd = 5,
  kMaxPool2d = 6,
  kAvgPool2d = 7,
  kGlobalAvgPool2d = 8,
  kPad = 9,
  kLookupTable = 10,
  kSoftmax = 11,  // int8 -> int8 over the innermost dimension, output scale 1/256, zp -128
  kReshape = 12,  // the same bytes under another shape (a copy: input and output never alias)
};
inline constexpr uint32_t kOpCount = 13;  // one past the largest op code

// Parameter words (layer::kParams). Every op keeps its fused activation range in the
// same two words; the input and output zero points come from the tensor records.
namespace param {
inline constexpr uint32_t kActMin = 6;
inline constexpr uint32_t kActMax = 7;
// conv2d, depthwise_conv2d, pointwise_conv2d, max_pool2d, avg_pool2d
inline constexpr uint32_t kStrideH = 0;
inline constexpr uint32_t kStrideW = 1;
inline constexpr uint32_t kPadTop = 2;
inline constexpr uint32_t kPadLeft = 3;
inline constexpr uint32_t kKernelH = 4;  // filter height (convolutions: must match weights)
inline constexpr uint32_t kKernelW = 5;
// dense
inline constexpr uint32_t kPerChannel = 0;  // 0 or 1
// add
inline constexpr uint32_t kInput1Multiplier = 0;
inline constexpr uint32_t kInput1Shift = 1;
inline constexpr uint32_t kInput2Multiplier = 2;
inline constexpr uint32_t kInput2Shift = 3;
inline constexpr uint32_t kOutputMultiplier = 4;
inline constexpr uint32_t kOutputShift = 5;
inline constexpr uint32_t kLeftShift = 8;
// pad (pad value is the input zero point)
inline constexpr uint32_t kPadBottom = 4;
inline constexpr uint32_t kPadRight = 5;
// pad uses kPadTop (2) and kPadLeft (3) as above.
// softmax: beta x input scale as a multiplier and left shift on input differences, and the
// smallest difference that still contributes (kernels/int8/softmax.h)
inline constexpr uint32_t kSoftmaxMultiplier = 0;
inline constexpr uint32_t kSoftmaxLeftShift = 1;
inline constexpr uint32_t kSoftmaxDiffMin = 2;
}  // namespace param

}  // namespace qb::runtime::qbm
