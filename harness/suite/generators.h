// Deterministic data for weights, biases and datasets: the same numbers on every platform,
// compiler and standard library, because goldens are compared byte for byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/suite/suite.h"

namespace qb::harness {

// SplitMix64 (Steele, Lea, Flood 2014), written out here so that no platform's
// <random> is involved:
//   state += 0x9E3779B97F4A7C15
//   z = state
//   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//   output z ^ (z >> 31)
// A uniform double in [0, 1) is (output >> 11) * 2^-53. The k-th output (0-based) of
// the stream seeded with s depends only on s + (k + 1) * 0x9E3779B97F4A7C15, so skipping
// ahead is O(1). For seed 0 the first output is 0xE220A8397B1DCDAF.
class SplitMix64 {
 public:
  static constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ull;

  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  double next_double();  // [0, 1), 53 random bits
  void skip(uint64_t draws) { state_ += draws * kGamma; }

 private:
  uint64_t state_;
};

// Values at flat indices offset .. offset + count - 1, as float:
//   sinusoid  amp * sin(freq * i + phase), computed in double (the rounding to float hides
//             last-bit differences between libms except at exact ties)
//   uniform   low + (high - low) * u_i, u_i the i-th draw of SplitMix64(seed)
//   constant  value
//   values    values[i]; the slice must lie inside values (std::out_of_range otherwise:
//             callers validate counts first with check_generator_count)
std::vector<float> generate(const Generator& gen, size_t count, size_t offset = 0);

// The same, for data whose size the suite declares: a kValues slice outside the values is
// an InputError(file, gen.json_path, "expected ... values, got N") instead.
std::vector<float> generate(const Generator& gen, size_t count, size_t offset,
                            const std::string& file);

// Throws InputError(file, gen.json_path, ...) unless a kValues generator holds exactly
// `count` values; other kinds produce any count. `what` says what the values are for,
// e.g. "weights [8,3,3,1]".
void check_generator_count(const Generator& gen, size_t count, const std::string& what,
                           const std::string& file);

const char* generator_kind_name(Generator::Kind kind);  // "sinusoid", "uniform", ...

// True when two declarations would share values at equal or shifted flat indices over the
// ranges [0, count_a) and [0, count_b): the same declaration, a uniform stream whose seed
// is k draws from the other's (seed s + k * kGamma is the stream of s shifted by k), or a
// sinusoid whose phase is k steps from the other's, or a values list that is a contiguous
// run inside the other starting at a multiple of `sample_elements` (a copied slice of
// whole samples; a test set that shares a few samples with a calibration grid is fine).
bool generators_overlap(const Generator& a, size_t count_a, const Generator& b,
                        size_t count_b, size_t sample_elements = 1);

}  // namespace qb::harness
