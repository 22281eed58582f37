// Shared helpers for the kernel tests: seeded random tensors, calibration-like
// quantization of float data, an int64 requantization oracle and the "one LSB, only near
// a rounding tie" check that compares int8 kernels with their float counterparts.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "kernels/float/float_ops.h"
#include "kernels/float/quantize.h"
#include "kernels/int8/tensor.h"

namespace qb::kernels::test {

using Rng = std::mt19937;
using fp::QuantParams;

inline int32_t uniform_int(Rng& rng, int32_t lo, int32_t hi) {
  return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
}

inline double uniform_real(Rng& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

inline std::vector<int8_t> random_int8(Rng& rng, size_t n, int32_t lo = -128, int32_t hi = 127) {
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(uniform_int(rng, lo, hi));
  return v;
}

inline std::vector<float> random_floats(Rng& rng, size_t n, double lo, double hi) {
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(uniform_real(rng, lo, hi));
  return v;
}

inline size_t count(const Shape& s) { return static_cast<size_t>(s.elements()); }

// Asymmetric int8 parameters covering [lo, hi], widened to contain 0 so that the real
// zero is exactly representable, as calibration does it.
inline QuantParams activation_params(double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  if (hi - lo < 1e-6) hi = lo + 1e-6;
  const double scale = (hi - lo) / 255.0;
  const double zp = std::round(-128.0 - lo / scale);
  return {static_cast<float>(scale), static_cast<int32_t>(std::clamp(zp, -128.0, 127.0))};
}

inline std::vector<int8_t> quantize_all(const std::vector<float>& v, QuantParams q) {
  std::vector<int8_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = fp::quantize(v[i], q);
  return out;
}

inline std::vector<float> dequantize_all(const std::vector<int8_t>& v, QuantParams q) {
  std::vector<float> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = fp::dequantize(v[i], q);
  return out;
}

// Symmetric weights in [-127, 127], one scale per channel. The channel of element i is
// i / (size / channels) for [out_c, ...] layouts and i % channels for depthwise
// [1, kh, kw, c].
struct QuantizedWeights {
  std::vector<int8_t> q;
  std::vector<float> scale;  // per channel
  std::vector<float> dequantized;
};

inline QuantizedWeights quantize_weights(const std::vector<float>& w, int32_t channels,
                                         bool channel_innermost) {
  const size_t per = w.size() / static_cast<size_t>(channels);
  auto channel_of = [&](size_t i) {
    return channel_innermost ? i % static_cast<size_t>(channels) : i / per;
  };
  QuantizedWeights out;
  std::vector<float> max_abs(static_cast<size_t>(channels), 0.0f);
  for (size_t i = 0; i < w.size(); ++i) {
    max_abs[channel_of(i)] = std::max(max_abs[channel_of(i)], std::fabs(w[i]));
  }
  for (float m : max_abs) out.scale.push_back(m > 0.0f ? m / 127.0f : 1.0f);
  out.q.resize(w.size());
  out.dequantized.resize(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    const float s = out.scale[channel_of(i)];
    out.q[i] = static_cast<int8_t>(std::clamp(std::round(w[i] / s), -127.0f, 127.0f));
    out.dequantized[i] = s * static_cast<float>(out.q[i]);
  }
  return out;
}

// Int32 bias at scale s_in * s_w[c], and the float bias it stands for.
struct QuantizedBias {
  std::vector<int32_t> q;
  std::vector<float> dequantized;
};

inline QuantizedBias quantize_bias(const std::vector<float>& b, float input_scale,
                                   const std::vector<float>& weight_scale) {
  QuantizedBias out;
  for (size_t c = 0; c < b.size(); ++c) {
    const double s = static_cast<double>(input_scale) * weight_scale[c];
    const int32_t q = static_cast<int32_t>(std::round(b[c] / s));
    out.q.push_back(q);
    out.dequantized.push_back(static_cast<float>(q * s));
  }
  return out;
}

struct Requant {
  std::vector<int32_t> multiplier, shift;
  ChannelRequant view() const { return {multiplier.data(), shift.data()}; }
};

inline Requant make_requant(float input_scale, const std::vector<float>& weight_scale,
                            float output_scale) {
  Requant r;
  for (float sw : weight_scale) {
    const auto m = fp::quantize_multiplier(static_cast<double>(input_scale) * sw / output_scale);
    r.multiplier.push_back(m.multiplier);
    r.shift.push_back(m.shift);
  }
  return r;
}

inline std::vector<float> abs_all(const std::vector<float>& v) {
  std::vector<float> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = std::fabs(v[i]);
  return out;
}

// floor(a / b) for b > 0, which C++ division (truncating) is not for negative a.
inline int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// A second, independent statement of the requantization contract, written from the
// mathematical definition with 64-bit integers instead of the bit tricks in requantize.h.

// round(t * m / 2^31), ties toward +infinity (gemmlowp / VQRDMULH), saturated to int32.
inline int64_t oracle_high_mul(int64_t t, int64_t m) {
  const int64_t q = floor_div(t * m + (int64_t{1} << 30), int64_t{1} << 31);
  return std::clamp<int64_t>(q, -(int64_t{1} << 31), (int64_t{1} << 31) - 1);
}

// round(r / 2^exponent), ties away from zero.
inline int64_t oracle_divide_by_pot(int64_t r, int32_t exponent) {
  const int64_t d = int64_t{1} << exponent;
  const int64_t mag = r < 0 ? -r : r;
  const int64_t rounded = (2 * mag + d) / (2 * d);
  return r < 0 ? -rounded : rounded;
}

// x * 2^max(shift, 0) saturated to int32, then the high multiply, then the rounding
// right shift by max(-shift, 0).
inline int32_t oracle_requantize(int64_t x, int32_t m, int32_t shift) {
  const int64_t lo = -(int64_t{1} << 31), hi = (int64_t{1} << 31) - 1;
  // The kernels accumulate in int32; an accumulator outside it is a broken test setup.
  if (x < lo || x > hi) ADD_FAILURE() << "accumulator " << x << " overflows int32";
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  const int64_t t = std::clamp(x * (int64_t{1} << left), lo, hi);
  return static_cast<int32_t>(oracle_divide_by_pot(oracle_high_mul(t, m), right));
}

inline int32_t oracle_clamp(int64_t v, int32_t lo, int32_t hi) {
  return static_cast<int32_t>(std::clamp<int64_t>(v, lo, hi));
}

// Error budget, in output LSBs, of comparing an int8 result with the quantized float
// reference computed from the *dequantized* int8 operands:
//  - the float path stores operands, products' inputs and the result in float: relative
//    2^-24 each, so at most ~2^-22 of sum|terms| plus 2^-23 of |result| (we allow 2^-21 of
//    each, a factor of two for the double-accumulation and the quotient by the scale);
//  - the Q31 multiplier carries relative error <= 2^-31, far inside the above.
inline double float_error_lsb(double abs_terms_real, double result_real, float out_scale) {
  return std::ldexp(1.0, -21) * (abs_terms_real + std::fabs(result_real)) / out_scale + 1e-12;
}

// The kernel rounds twice (to 2^-right in the high multiply, then to an integer), so its
// result is the correctly rounded one except within 2^-(right+1) of a tie. With
// right == 0 there is only one rounding.
inline double double_rounding_lsb(int32_t shift) {
  return shift < 0 ? std::ldexp(1.0, shift - 1) : 0.0;
}

// Compares int8 outputs with quantize(float reference). The enforced bound: every element
// is within one LSB, and an element may differ at all only when the float result lies
// within `window` LSBs of a rounding tie (x.5), where window is the analysed error budget
// of that element. Anything else is a kernel bug.
class TieCheck {
 public:
  explicit TieCheck(std::string name) : name_(std::move(name)) {}
  ~TieCheck() {
    std::printf(
        "[   info   ] %s: %lld outputs, %lld off by one (%.3f%%), all at ties\n", name_.c_str(),
        static_cast<long long>(total_), static_cast<long long>(off_by_one_),
        total_ > 0 ? 100.0 * static_cast<double>(off_by_one_) / static_cast<double>(total_) : 0.0);
  }

  ::testing::AssertionResult check(int8_t got, float reference, QuantParams out, double window) {
    ++total_;
    const int8_t want = fp::quantize(reference, out);
    if (got == want) return ::testing::AssertionSuccess();
    const double v = static_cast<double>(reference) / out.scale;
    const double distance_to_tie = std::fabs((v - std::floor(v)) - 0.5);
    const int32_t diff = static_cast<int32_t>(got) - want;
    if ((diff == 1 || diff == -1) && distance_to_tie <= window) {
      ++off_by_one_;
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "int8 " << int32_t{got} << " vs quantized float " << int32_t{want} << " (float "
           << reference << " = " << v << " LSB from the zero point; " << distance_to_tie
           << " LSB from a tie, allowed " << window << ")";
  }

 private:
  std::string name_;
  int64_t total_ = 0, off_by_one_ = 0;
};

// A random fused activation in the real domain: none, ReLU or ReLU6.
inline fp::Activation random_activation(Rng& rng) {
  switch (uniform_int(rng, 0, 2)) {
    case 0:
      return {};
    case 1:
      return {0.0f, fp::kNoLimit};
    default:
      return {0.0f, 6.0f};
  }
}

inline std::pair<float, float> min_max(const std::vector<float>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return {*lo, *hi};
}

// Output parameters from the observed float range, shrunk a little at random so that
// some outputs saturate at -128 / 127 as they do after real calibration.
inline QuantParams output_params(Rng& rng, const std::vector<float>& raw) {
  const auto [lo, hi] = min_max(raw);
  const double shrink = uniform_real(rng, 0.8, 1.0);
  return activation_params(lo * shrink, hi * shrink);
}

}  // namespace qb::kernels::test
