// Model::load against damaged and forged files: every truncation, every byte flip, and
// semantically bad files whose checksum was recomputed after the damage. Runs under
// ASan/UBSan in CI, where a crash or an out-of-bounds read is itself the failure.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <random>

#include "harness/model/model_writer.h"
#include "harness/tests/qbm_test_support.h"
#include "kernels/runtime/interpreter.h"

namespace qb::test {
namespace {

using runtime::Interpreter;
using runtime::Model;
using runtime::Status;
namespace param = qbm::param;

// Layers of residual_model(): 0 conv2d, 1 depthwise, 2 pointwise, 3 add, 4 max pool,
// 5 global avg pool, 6 dense, 7 lookup table. Tensors 0..8 in that order.
QbmFile residual_file() { return QbmFile{harness::serialize_model(residual_model())}; }
QbmFile padded_file() { return QbmFile{harness::serialize_model(padded_model())}; }

TEST(ModelValidation, IntactFilesLoad) {
  EXPECT_EQ(residual_file().status(), Status::kOk);
  EXPECT_EQ(padded_file().status(), Status::kOk);
}

TEST(ModelValidation, EveryTruncationIsRejected) {
  for (const QbmFile& f : {residual_file(), padded_file()}) {
    for (size_t len = 0; len < f.bytes.size(); ++len) {
      const Status s = load_status(f.bytes, len);
      EXPECT_EQ(s, Status::kTruncated) << "length " << len;
    }
  }
}

TEST(ModelValidation, EveryForgedTruncationIsRejected) {
  // The prefix claims to be the whole file and carries a valid checksum: the table and
  // buffer bounds checks must catch it.
  const QbmFile full = residual_file();
  for (size_t len = qbm::kHeaderSize; len < full.bytes.size(); ++len) {
    QbmFile f{
        std::vector<uint8_t>(full.bytes.begin(), full.bytes.begin() + static_cast<long>(len))};
    f.set_u32(qbm::header::kFileSize, static_cast<uint32_t>(len));
    f.reseal();
    const Status s = f.status();
    EXPECT_TRUE(s == Status::kBadTable || s == Status::kBadBuffer)
        << "length " << len << ": " << runtime::status_name(s);
  }
}

TEST(ModelValidation, EverySingleByteFlipIsRejected) {
  QbmFile f = residual_file();
  AlignedBytes image(f.bytes);
  for (size_t i = 0; i < f.bytes.size(); ++i) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
      image.data()[i] ^= mask;
      Model model;
      const Status s = model.load(image.data(), image.size());
      image.data()[i] ^= mask;
      Status want = Status::kBadChecksum;
      if (i < qbm::header::kVersionMajor) {
        want = Status::kBadMagic;
      } else if (i < qbm::header::kFileSize) {
        want = Status::kBadVersion;
      } else if (i < qbm::header::kChecksum) {
        // A file_size that no longer matches: larger reads as truncated.
        want = (f.u32(qbm::header::kFileSize) ^ (uint32_t{mask} << (8 * (i - 8)))) > f.bytes.size()
                   ? Status::kTruncated
                   : Status::kBadTable;
      }
      ASSERT_EQ(s, want) << "byte " << i << " mask " << int{mask};
    }
  }
}

// Random edits with the checksum recomputed: load may accept (a changed weight is still a
// valid model) or refuse, but must never crash, and an accepted model must run inside its
// exact-sized arena (ASan and UBSan check).
void forge_and_run(const QbmFile& original, uint32_t seed, int trials) {
  std::mt19937 rng(seed);
  int accepted = 0;
  // Half the edits write a boundary value over a whole 32-bit field of the header or the
  // tables, where a missed check would matter; the rest hit random bytes anywhere.
  const uint32_t tables_end = original.u32(original.buffer_record(0) + qbm::buffer::kOffset);
  const uint32_t kInteresting[] = {
      0u,   1u,          2u,          3u,          15u,         16u,      17u, 255u,
      256u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFFF0u, 0x10000u, 30u, 31u};
  for (int trial = 0; trial < trials; ++trial) {
    QbmFile f = original;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      if (rng() % 2 == 0) {
        const size_t field =
            (qbm::kChecksumStart + rng() % (tables_end - qbm::kChecksumStart)) & ~size_t{3};
        uint32_t value = kInteresting[rng() % std::size(kInteresting)];
        if (rng() % 3 == 0)
          value = f.u32(field) + static_cast<uint32_t>(static_cast<int>(rng() % 33) - 16);
        f.set_u32(field, value);
      } else {
        const size_t at = qbm::kChecksumStart + rng() % (f.bytes.size() - qbm::kChecksumStart);
        f.bytes[at] = static_cast<uint8_t>(rng());
      }
    }
    f.reseal();
    AlignedBytes image(f.bytes);
    Model model;
    if (model.load(image.data(), image.size()) != Status::kOk) continue;
    ++accepted;
    // A forged arena_size may be any value at least the plan's; running needs only the plan.
    if (model.arena_size() > (1u << 20)) continue;
    AlignedBytes arena(model.arena_size());
    Interpreter interpreter;
    ASSERT_EQ(interpreter.init(&model, arena.data(), arena.size()), Status::kOk);
    std::memset(arena.data(), 0, arena.size());
    interpreter.invoke();
  }
  EXPECT_GT(accepted, 0);
}

int forge_trials() {
  const char* env = std::getenv("QB_FORGE_TRIALS");  // more for a local soak
  return env != nullptr ? std::atoi(env) : 4000;
}

TEST(ModelValidation, ForgedRandomEditsNeverEscape) {
  forge_and_run(residual_file(), 77, forge_trials());
  forge_and_run(padded_file(), 78, forge_trials());
}

struct Case {
  const char* name;
  void (*edit)(QbmFile&);
  Status want;
};

class Forged : public ::testing::TestWithParam<Case> {};

TEST_P(Forged, IsRejected) {
  QbmFile f = residual_file();
  GetParam().edit(f);
  f.reseal();
  EXPECT_EQ(f.status(), GetParam().want) << runtime::status_name(f.status());
}

// Offsets used below (residual_model): tensor records hold dims at 0, zero point at 20,
// arena offset at 24.
const Case kCases[] = {
    // Header.
    {"BadMagic", [](QbmFile& f) { f.bytes[3] = '2'; }, Status::kBadMagic},
    {"BadMajorVersion", [](QbmFile& f) { f.bytes[qbm::header::kVersionMajor] = 2; },
     Status::kBadVersion},
    {"NewerMinorVersion", [](QbmFile& f) { f.bytes[qbm::header::kVersionMinor] = 1; },
     Status::kBadVersion},
    {"FileSizeTooLarge",
     [](QbmFile& f) {
       f.set_u32(qbm::header::kFileSize, static_cast<uint32_t>(f.bytes.size() + 16));
     },
     Status::kTruncated},
    {"FileSizeTooSmall",
     [](QbmFile& f) {
       f.set_u32(qbm::header::kFileSize, static_cast<uint32_t>(f.bytes.size() - 1));
     },
     Status::kBadTable},
    {"HeaderSize", [](QbmFile& f) { f.set_u32(qbm::header::kHeaderSize, 32); }, Status::kBadTable},
    {"ReservedHeaderBytes", [](QbmFile& f) { f.bytes[60] = 1; }, Status::kBadTable},
    // Tables.
    {"TensorTableMisaligned",
     [](QbmFile& f) { f.set_u32(qbm::header::kTensorTable, qbm::kHeaderSize + 8); },
     Status::kMisaligned},
    {"LayerTableMisaligned",
     [](QbmFile& f) { f.set_u32(qbm::header::kLayerTable, f.u32(qbm::header::kLayerTable) + 4); },
     Status::kMisaligned},
    {"BufferTableMisaligned",
     [](QbmFile& f) { f.set_u32(qbm::header::kBufferTable, f.u32(qbm::header::kBufferTable) + 1); },
     Status::kMisaligned},
    {"TensorTableInsideHeader", [](QbmFile& f) { f.set_u32(qbm::header::kTensorTable, 0); },
     Status::kBadTable},
    {"LayerTableBeyondFile",
     [](QbmFile& f) {
       f.set_u32(qbm::header::kLayerTable, static_cast<uint32_t>(f.bytes.size() + 15) / 16 * 16);
     },
     Status::kBadTable},
    {"LayerCountPastFile", [](QbmFile& f) { f.set_u32(qbm::header::kLayerCount, 1000); },
     Status::kBadTable},
    {"TensorCountWraps", [](QbmFile& f) { f.set_u32(qbm::header::kTensorCount, 0xFFFFFFFFu); },
     Status::kBadTable},
    {"BufferCountWraps", [](QbmFile& f) { f.set_u32(qbm::header::kBufferCount, 0x20000000u); },
     Status::kBadTable},
    {"NoTensors", [](QbmFile& f) { f.set_u32(qbm::header::kTensorCount, 0); }, Status::kBadTable},
    // Buffer records.
    {"BufferOffsetBeyondFile",
     [](QbmFile& f) {
       f.set_u32(f.buffer_record(0), static_cast<uint32_t>(f.bytes.size() + 16) / 16 * 16);
     },
     Status::kBadBuffer},
    {"BufferEndBeyondFile", [](QbmFile& f) { f.set_u32(f.buffer_record(0) + 4, 0xFFFFFFF0u); },
     Status::kBadBuffer},
    {"BufferOffsetMisaligned",
     [](QbmFile& f) { f.set_u32(f.buffer_record(1), f.u32(f.buffer_record(1)) + 4); },
     Status::kMisaligned},
    {"BufferInsideHeader", [](QbmFile& f) { f.set_u32(f.buffer_record(0), 0); },
     Status::kBadBuffer},
    // Tensors.
    {"InputTensorIndex", [](QbmFile& f) { f.set_u32(qbm::header::kInputTensor, 9); },
     Status::kBadTensor},
    {"OutputTensorIndex", [](QbmFile& f) { f.set_u32(qbm::header::kOutputTensor, 0xFFFFFFFFu); },
     Status::kBadTensor},
    {"ZeroDim", [](QbmFile& f) { f.set_i32(f.tensor(2) + 4, 0); }, Status::kBadTensor},
    {"NegativeDim", [](QbmFile& f) { f.set_i32(f.tensor(2) + 12, -8); }, Status::kBadTensor},
    {"ElementCountOverflow",
     [](QbmFile& f) {
       for (int d = 0; d < 4; ++d) f.set_i32(f.tensor(5) + 4 * d, 65536);
     },
     Status::kBadTensor},
    {"ZeroPointAbove", [](QbmFile& f) { f.set_i32(f.tensor(1) + 20, 128); }, Status::kBadTensor},
    {"ZeroPointBelow", [](QbmFile& f) { f.set_i32(f.tensor(1) + 20, -129); }, Status::kBadTensor},
    {"TensorReserved", [](QbmFile& f) { f.set_u32(f.tensor(1) + 28, 1); }, Status::kBadTensor},
    {"ArenaOffsetMisaligned",
     [](QbmFile& f) { f.set_u32(f.tensor(3) + 24, f.u32(f.tensor(3) + 24) + 8); },
     Status::kMisaligned},
    {"TensorBeyondArena",
     [](QbmFile& f) { f.set_u32(f.tensor(8) + 24, f.u32(qbm::header::kArenaSize) / 16 * 16); },
     Status::kBadTensor},
    {"ArenaSizeTooSmallForTensor", [](QbmFile& f) { f.set_u32(qbm::header::kArenaSize, 100); },
     Status::kBadTensor},
    // Layers: indices and ops.
    {"OpZero", [](QbmFile& f) { f.set_u32(f.layer(0), 0); }, Status::kBadLayer},
    {"OpUnknown", [](QbmFile& f) { f.set_u32(f.layer(5), qbm::kOpCount); }, Status::kBadLayer},
    {"Input0OutOfRange", [](QbmFile& f) { f.set_u32(f.layer(1) + qbm::layer::kInput0, 9); },
     Status::kBadLayer},
    {"OutputOutOfRange",
     [](QbmFile& f) { f.set_u32(f.layer(7) + qbm::layer::kOutput, 0x7FFFFFFFu); },
     Status::kBadLayer},
    {"Input1OnConv", [](QbmFile& f) { f.set_u32(f.layer(0) + qbm::layer::kInput1, 0); },
     Status::kBadLayer},
    {"AddWithoutInput1",
     [](QbmFile& f) { f.set_u32(f.layer(3) + qbm::layer::kInput1, qbm::kNone); },
     Status::kBadLayer},
    {"ReadsBeforeWritten", [](QbmFile& f) { f.set_u32(f.layer(1) + qbm::layer::kInput0, 3); },
     Status::kBadLayer},
    {"WritesModelInput", [](QbmFile& f) { f.set_u32(qbm::header::kInputTensor, 1); },
     Status::kBadLayer},
    {"InputOutputSwapped",
     [](QbmFile& f) {
       f.set_u32(qbm::header::kOutputTensor, 0);
       f.set_u32(qbm::header::kInputTensor, 8);
     },
     Status::kBadLayer},
    // Layers: buffers.
    {"BufferIndexOutOfRange",
     [](QbmFile& f) { f.set_u32(f.layer(0) + qbm::layer::kBuffers, 1000); }, Status::kBadBuffer},
    {"WeightsWrongSize",
     [](QbmFile& f) { f.set_u32(f.buffer_record(f.slot(0, qbm::kWeights)) + 4, 8 * 27 - 1); },
     Status::kBadBuffer},
    {"BiasWrongSize", [](QbmFile& f) { f.set_u32(f.buffer_record(f.slot(1, qbm::kBias)) + 4, 28); },
     Status::kBadBuffer},
    {"TableWrongSize",
     [](QbmFile& f) { f.set_u32(f.buffer_record(f.slot(7, qbm::kTable)) + 4, 128); },
     Status::kBadBuffer},
    {"MissingShift",
     [](QbmFile& f) { f.set_u32(f.layer(2) + qbm::layer::kBuffers + 4 * qbm::kShift, qbm::kNone); },
     Status::kBadBuffer},
    {"MissingFoldedBias",
     [](QbmFile& f) { f.set_u32(f.layer(1) + qbm::layer::kBuffers + 4 * qbm::kAux, qbm::kNone); },
     Status::kBadBuffer},
    {"WeightMinus128",
     [](QbmFile& f) { f.bytes[f.u32(f.buffer_record(f.slot(2, qbm::kWeights))) + 3] = 0x80; },
     Status::kBadBuffer},
    {"FoldedBiasDisagreesWithWeights",
     [](QbmFile& f) {
       const uint32_t data = f.u32(f.buffer_record(f.slot(2, qbm::kAux)));
       f.set_u32(data + 4, f.u32(data + 4) + 1);
     },
     Status::kBadLayer},
    {"ConvScratchTooSmall",
     [](QbmFile& f) {
       f.set_u32(f.layer(0) + qbm::layer::kScratchSize, f.u32(f.layer(0) + qbm::layer::kScratchSize) - 16);
     },
     Status::kBadLayer},
    {"UnusedSlotFilled",
     [](QbmFile& f) { f.set_u32(f.layer(4) + qbm::layer::kBuffers + 4 * qbm::kAux, 0); },
     Status::kBadBuffer},
    {"TableOnConv",
     [](QbmFile& f) {
       f.set_u32(f.layer(0) + qbm::layer::kBuffers + 4 * qbm::kTable, f.slot(7, qbm::kTable));
     },
     Status::kBadBuffer},
    {"BuffersSwapped",
     [](QbmFile& f) { f.set_u32(f.layer(0) + qbm::layer::kBuffers, f.slot(1, qbm::kWeights)); },
     Status::kBadBuffer},
    // Layers: geometry and shapes.
    {"StrideZero", [](QbmFile& f) { f.set_i32(f.param(0, param::kStrideH), 0); },
     Status::kBadLayer},
    {"StrideNegative", [](QbmFile& f) { f.set_i32(f.param(4, param::kStrideW), -2); },
     Status::kBadLayer},
    {"PadNegative", [](QbmFile& f) { f.set_i32(f.param(1, param::kPadLeft), -1); },
     Status::kBadLayer},
    {"PadNotBelowKernel", [](QbmFile& f) { f.set_i32(f.param(0, param::kPadTop), 3); },
     Status::kBadLayer},
    {"LastWindowOutsideInput", [](QbmFile& f) { f.set_i32(f.param(4, param::kStrideH), 3); },
     Status::kBadLayer},
    {"KernelMismatchesWeights", [](QbmFile& f) { f.set_i32(f.param(0, param::kKernelW), 2); },
     Status::kBadBuffer},
    // 8 + 6 + kernel: 0x7FFFFFF0 still fits int32 (and is accepted), 0x7FFFFFFA does not.
    {"HugeKernelOverflows", [](QbmFile& f) { f.set_i32(f.param(4, param::kKernelH), 0x7FFFFFFA); },
     Status::kBadLayer},
    {"PointwiseWithStride", [](QbmFile& f) { f.set_i32(f.param(2, param::kStrideH), 2); },
     Status::kBadLayer},
    {"PointwiseWithKernel", [](QbmFile& f) { f.set_i32(f.param(2, param::kKernelH), 3); },
     Status::kBadLayer},
    {"DepthwiseChannelsDiffer", [](QbmFile& f) { f.set_i32(f.tensor(2) + 12, 4); },
     Status::kBadLayer},
    {"ConvBatchDiffers", [](QbmFile& f) { f.set_i32(f.tensor(1), 1); }, Status::kBadLayer},
    {"AddShapesDiffer", [](QbmFile& f) { f.set_i32(f.tensor(4) + 4, 4); }, Status::kBadLayer},
    {"GlobalPoolNotOneByOne",
     [](QbmFile& f) {
       f.set_i32(f.tensor(6) + 4, 2);
       f.set_i32(f.tensor(6) + 12, 4);
     },
     Status::kBadLayer},
    {"PoolZeroPointChanges", [](QbmFile& f) { f.set_i32(f.tensor(5) + 20, 0); }, Status::kBadLayer},
    {"DenseBatchDiffers",
     [](QbmFile& f) {
       f.set_i32(f.tensor(7), 1);
       f.set_i32(f.tensor(7) + 12, 20);
     },
     Status::kBadLayer},
    {"LutShapeDiffers", [](QbmFile& f) { f.set_i32(f.tensor(8) + 12, 5); }, Status::kBadLayer},
    {"DensePerChannelWord", [](QbmFile& f) { f.set_i32(f.param(6, param::kPerChannel), 2); },
     Status::kBadLayer},
    {"DensePerTensorWithPerChannelBuffers",
     [](QbmFile& f) { f.set_i32(f.param(6, param::kPerChannel), 0); }, Status::kBadBuffer},
    // Layers: value ranges.
    {"ActMinAboveMax",
     [](QbmFile& f) {
       f.set_i32(f.param(1, param::kActMin), 10);
       f.set_i32(f.param(1, param::kActMax), 9);
     },
     Status::kBadLayer},
    {"ActMaxOutOfRange", [](QbmFile& f) { f.set_i32(f.param(5, param::kActMax), 128); },
     Status::kBadLayer},
    {"ActMinOutOfRange", [](QbmFile& f) { f.set_i32(f.param(7, param::kActMin), -129); },
     Status::kBadLayer},
    {"ShiftTooLarge", [](QbmFile& f) { f.set_i32(f.buffer_data(0, qbm::kShift) + 8, 31); },
     Status::kBadLayer},
    {"ShiftTooSmall", [](QbmFile& f) { f.set_i32(f.buffer_data(6, qbm::kShift) + 36, -32); },
     Status::kBadLayer},
    {"MultiplierNegative", [](QbmFile& f) { f.set_i32(f.buffer_data(1, qbm::kMultiplier), -5); },
     Status::kBadLayer},
    {"BiasOverflowsAccumulator",
     [](QbmFile& f) { f.set_i32(f.buffer_data(2, qbm::kBias) + 4, 0x7FFFFFF0); },
     Status::kBadLayer},
    {"RequantOverflowsOutput",
     [](QbmFile& f) {
       f.set_i32(f.buffer_data(0, qbm::kShift), 30);
       f.set_i32(f.buffer_data(0, qbm::kMultiplier), 0x7FFFFFFF);
     },
     Status::kBadLayer},
    {"AddLeftShiftTooLarge", [](QbmFile& f) { f.set_i32(f.param(3, param::kLeftShift), 21); },
     Status::kBadLayer},
    {"AddLeftShiftNegative", [](QbmFile& f) { f.set_i32(f.param(3, param::kLeftShift), -1); },
     Status::kBadLayer},
    {"AddShiftOutOfRange", [](QbmFile& f) { f.set_i32(f.param(3, param::kOutputShift), 31); },
     Status::kBadLayer},
    {"AddMultiplierNegative",
     [](QbmFile& f) { f.set_i32(f.param(3, param::kInput2Multiplier), -1); }, Status::kBadLayer},
    {"AddInputsOverflowSum",
     [](QbmFile& f) {
       f.set_i32(f.param(3, param::kInput1Shift), 10);
       f.set_i32(f.param(3, param::kInput2Shift), 10);
     },
     Status::kBadLayer},
    // Arena placement.
    {"OutputOverlapsInput",
     [](QbmFile& f) { f.set_u32(f.tensor(2) + 24, f.u32(f.tensor(1) + 24)); }, Status::kBadLayer},
    {"OutputOverlapsSecondInput",
     [](QbmFile& f) { f.set_u32(f.tensor(4) + 24, f.u32(f.tensor(1) + 24) + 16); },
     Status::kBadLayer},
    {"ScratchBeyondArena",
     [](QbmFile& f) {
       f.set_u32(f.layer(2) + qbm::layer::kScratchOffset, f.u32(qbm::header::kArenaSize) / 16 * 16);
     },
     Status::kBadLayer},
    {"ScratchMisaligned",
     [](QbmFile& f) {
       f.set_u32(f.layer(2) + qbm::layer::kScratchOffset,
                 f.u32(f.layer(2) + qbm::layer::kScratchOffset) + 4);
     },
     Status::kMisaligned},
    {"ScratchOverlapsOutput",
     [](QbmFile& f) {
       f.set_u32(f.layer(2) + qbm::layer::kScratchOffset, f.u32(f.tensor(3) + 24));
     },
     Status::kBadLayer},
    {"ScratchOffsetWithoutSize",
     [](QbmFile& f) { f.set_u32(f.layer(0) + qbm::layer::kScratchOffset, 16); }, Status::kBadLayer},
};

INSTANTIATE_TEST_SUITE_P(ModelValidation, Forged, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

// A reshape may sit exactly on its input (the planner puts it there), but no other overlap.
TEST(ModelValidation, ReshapeOnlyExactlyOnItsInput) {
  QbmFile f{harness::serialize_model(reshaped_model())};
  ASSERT_EQ(f.status(), Status::kOk);
  const uint32_t input_offset = f.u32(f.tensor(8) + 24);
  EXPECT_EQ(f.u32(f.tensor(9) + 24), input_offset);
  // 16 bytes over, so 4 of its 20 bytes still overlap.
  f.set_u32(f.tensor(9) + 24, input_offset >= 16 ? input_offset - 16 : input_offset + 16);
  f.reseal();
  EXPECT_EQ(f.status(), Status::kBadLayer);
}

// Bytes after the last buffer, inside the file size and under a valid checksum: no table
// accounts for them, so the file is not one the writer made.
TEST(ModelValidation, TrailingBytesAfterTheLastBufferAreRejected) {
  for (const size_t extra : {size_t{1}, size_t{16}, size_t{4096}}) {
    QbmFile f = residual_file();
    f.bytes.resize(f.bytes.size() + extra, 0);
    f.set_u32(qbm::header::kFileSize, static_cast<uint32_t>(f.bytes.size()));
    f.reseal();
    EXPECT_EQ(f.status(), Status::kBadTable) << extra << " trailing bytes";
  }
}

TEST(ModelValidation, PaddedModelForgeries) {
  QbmFile f = padded_file();
  f.set_i32(f.param(0, param::kPadBottom), 2);  // the output no longer matches the pads
  f.reseal();
  EXPECT_EQ(f.status(), Status::kBadLayer);

  f = padded_file();
  f.set_i32(f.param(0, param::kPadRight), -1);
  f.reseal();
  EXPECT_EQ(f.status(), Status::kBadLayer);

  f = padded_file();
  f.set_i32(f.tensor(1) + 20, 11);  // pad output zero point differs from the input's
  f.reseal();
  EXPECT_EQ(f.status(), Status::kBadLayer);

  f = padded_file();
  f.set_i32(f.param(1, param::kPadTop), 3);  // avg pool pad reaches the kernel size
  f.reseal();
  EXPECT_EQ(f.status(), Status::kBadLayer);

  f = padded_file();
  f.set_i32(f.tensor(4) + 4, 2);  // dense output must be [n, 1, 1, out]
  f.reseal();
  EXPECT_NE(f.status(), Status::kOk);
}

TEST(ModelValidation, MisalignedOrMissingData) {
  const QbmFile f = residual_file();
  AlignedBytes image(f.bytes.size() + 16);
  std::memcpy(image.data() + 4, f.bytes.data(), f.bytes.size());
  Model model;
  EXPECT_EQ(model.load(image.data() + 4, f.bytes.size()), Status::kMisaligned);
  EXPECT_EQ(model.load(nullptr, f.bytes.size()), Status::kTruncated);
  // A refused load leaves an empty model behind.
  EXPECT_EQ(model.tensor_count(), 0u);
  EXPECT_EQ(model.layer_count(), 0u);
}

TEST(InterpreterInit, ChecksArena) {
  const QbmFile f = residual_file();
  AlignedBytes image(f.bytes);
  Model model;
  ASSERT_EQ(model.load(image.data(), image.size()), Status::kOk);
  AlignedBytes arena(model.arena_size() + 16);
  Interpreter interpreter;
  EXPECT_EQ(interpreter.init(&model, arena.data(), model.arena_size() - 1), Status::kArenaTooSmall);
  EXPECT_EQ(interpreter.input(), nullptr);
  EXPECT_EQ(interpreter.init(&model, arena.data() + 8, model.arena_size()), Status::kMisaligned);
  EXPECT_EQ(interpreter.init(&model, nullptr, model.arena_size()), Status::kMisaligned);
  interpreter.invoke();  // refused init: nothing runs, nothing crashes
  Model unloaded;
  EXPECT_NE(interpreter.init(&unloaded, arena.data(), arena.size()), Status::kOk);
  EXPECT_NE(interpreter.init(nullptr, arena.data(), arena.size()), Status::kOk);
  EXPECT_EQ(interpreter.init(&model, arena.data(), model.arena_size()), Status::kOk);
  EXPECT_EQ(interpreter.input(),
            reinterpret_cast<int8_t*>(arena.data()) + model.tensor(0).arena_offset);
}

}  // namespace
}  // namespace qb::test
