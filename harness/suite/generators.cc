#include "harness/suite/generators.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "harness/suite/input_error.h"

namespace qb::harness {

uint64_t SplitMix64::next() {
  state_ += kGamma;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double SplitMix64::next_double() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::vector<float> generate(const Generator& gen, size_t count, size_t offset) {
  std::vector<float> out(count);
  switch (gen.kind) {
    case Generator::Kind::kSinusoid:
      for (size_t k = 0; k < count; ++k) {
        const double i = static_cast<double>(offset + k);
        out[k] = static_cast<float>(gen.amp * std::sin(gen.freq * i + gen.phase));
      }
      break;
    case Generator::Kind::kUniform: {
      SplitMix64 rng(gen.seed);
      rng.skip(offset);
      const double span = gen.high - gen.low;
      for (size_t k = 0; k < count; ++k) {
        out[k] = static_cast<float>(gen.low + span * rng.next_double());
      }
      break;
    }
    case Generator::Kind::kConstant:
      for (float& v : out) v = static_cast<float>(gen.value);
      break;
    case Generator::Kind::kValues:
      if (offset > gen.values.size() || count > gen.values.size() - offset) {
        throw std::out_of_range("generator at " + gen.json_path + ": values [" +
                                std::to_string(offset) + ", " + std::to_string(offset + count) +
                                ") requested from " + std::to_string(gen.values.size()));
      }
      for (size_t k = 0; k < count; ++k) out[k] = static_cast<float>(gen.values[offset + k]);
      break;
  }
  return out;
}

std::vector<float> generate(const Generator& gen, size_t count, size_t offset,
                            const std::string& file) {
  if (gen.kind == Generator::Kind::kValues &&
      (offset > gen.values.size() || count > gen.values.size() - offset)) {
    throw InputError(file, gen.json_path,
                     "expected at least " + std::to_string(offset + count) + " values, got " +
                         std::to_string(gen.values.size()));
  }
  return generate(gen, count, offset);
}

void check_generator_count(const Generator& gen, size_t count, const std::string& what,
                           const std::string& file) {
  if (gen.kind != Generator::Kind::kValues || gen.values.size() == count) return;
  throw InputError(file, gen.json_path,
                   "expected " + std::to_string(count) + " values (" + what + "), got " +
                       std::to_string(gen.values.size()));
}

const char* generator_kind_name(Generator::Kind kind) {
  switch (kind) {
    case Generator::Kind::kSinusoid: return "sinusoid";
    case Generator::Kind::kUniform: return "uniform";
    case Generator::Kind::kConstant: return "constant";
    case Generator::Kind::kValues: return "values";
  }
  return "?";
}

namespace {

// The inverse of an odd number modulo 2^64, by Newton's iteration (each step doubles the
// number of correct low bits; 3 correct bits to start, since x * x == 1 mod 8 for odd x).
constexpr uint64_t inverse_mod_2_64(uint64_t x) {
  uint64_t inv = x;
  for (int i = 0; i < 5; ++i) inv *= 2 - x * inv;
  return inv;
}
static_assert(inverse_mod_2_64(SplitMix64::kGamma) * SplitMix64::kGamma == 1);

}  // namespace

bool generators_overlap(const Generator& a, size_t count_a, const Generator& b,
                        size_t count_b, size_t sample_elements) {
  if (a.kind != b.kind || count_a == 0 || count_b == 0) return false;
  switch (a.kind) {
    case Generator::Kind::kSinusoid: {
      if (a.amp != b.amp || a.freq != b.freq) return false;
      if (a.phase == b.phase) return true;
      if (a.freq == 0.0) return std::sin(a.phase) == std::sin(b.phase);
      // b's value j is a's value j + shift when the phases differ by shift * freq.
      const double shift = (b.phase - a.phase) / a.freq;
      const double whole = std::round(shift);
      if (std::fabs(shift - whole) > 1e-9 * std::max(1.0, std::fabs(whole))) return false;
      return whole >= 0 ? whole < static_cast<double>(count_a)
                        : -whole < static_cast<double>(count_b);
    }
    case Generator::Kind::kConstant:
      return a.value == b.value;
    case Generator::Kind::kValues: {
      // One list copied into the other: a run of whole samples of either inside the other.
      const auto& longer = a.values.size() >= b.values.size() ? a.values : b.values;
      const auto& shorter = a.values.size() >= b.values.size() ? b.values : a.values;
      const size_t step = std::max<size_t>(sample_elements, 1);
      for (size_t at = 0; at + shorter.size() <= longer.size(); at += step) {
        if (std::equal(shorter.begin(), shorter.end(), longer.begin() + static_cast<ptrdiff_t>(at))) {
          return true;
        }
      }
      return false;
    }
    case Generator::Kind::kUniform: {
      if (a.low != b.low || a.high != b.high) return false;
      // b's draw j is a's draw j + shift.
      const uint64_t shift = (b.seed - a.seed) * inverse_mod_2_64(SplitMix64::kGamma);
      return shift < count_a || (0 - shift) < count_b;
    }
  }
  return false;
}

}  // namespace qb::harness
