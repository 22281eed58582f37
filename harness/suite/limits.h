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
// One output's taps (kernel h x w x input channels, or dense inputs): with int8 products of
// at most 255 x 127 each and a bias clamped to 2^30, 2^15 taps keep every int32
// accumulator from overflowing, as the int8 kernels (TFLite's included) assume.
inline constexpr int64_t kMaxFanIn = int64_t{1} << 15;
inline constexpr int64_t kMaxDatasetElements = int64_t{1} << 25;  // samples x input elements
inline constexpr int32_t kMaxLayers = 1024;
inline constexpr int32_t kMaxSamples = 65536;
inline constexpr int32_t kMaxDecisionGrid = 256;
inline constexpr int64_t kMaxFileValues = int64_t{1} << 25;       // a "file" generator
inline constexpr size_t kMaxNumbersFileBytes = size_t{64} << 20;   // its text, read at most
// The whole suite, so that many layers within the per-layer bounds cannot add up to more
// than the host can hold; both are checked while the graph is built, before the weights
// of the layer that crosses them (or any calibration data) are allocated.
inline constexpr int64_t kMaxSuiteWeightElements = int64_t{1} << 25;  // all layers' weights
// Every layer's output elements x (calibration + test samples): what the float reference
// and the calibration keep.
inline constexpr int64_t kMaxActivationWork = int64_t{1} << 27;
inline constexpr int32_t kMaxNameLength = 64;

}  // namespace qb::harness::limits
