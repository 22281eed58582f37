// Bounds on what a suite may declare: big enough for the suites we benchmark (MobileNetV2
// at 224x224, ResNet-18 blocks), small enough that a typo cannot exhaust host memory or
// produce a model no embedded target could hold.
#pragma once

#include <cstdint>

namespace qb::harness::limits {

inline constexpr int32_t kMaxDim = 4096;           // h, w, c, filters, units, pads
inline constexpr int32_t kMaxKernel = 15;          // conv kernel and pool window
inline constexpr int32_t kMaxStride = 8;
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 22;   // one activation, one sample
inline constexpr int64_t kMaxWeightElements = int64_t{1} << 22;   // one layer's filter
inline constexpr int64_t kMaxDatasetElements = int64_t{1} << 25;  // samples x input elements
inline constexpr int32_t kMaxLayers = 1024;
inline constexpr int32_t kMaxSamples = 65536;
inline constexpr int32_t kMaxDecisionGrid = 256;
inline constexpr int64_t kMaxFileValues = int64_t{1} << 25;       // a "file" generator
inline constexpr int32_t kMaxNameLength = 64;

}  // namespace qb::harness::limits
