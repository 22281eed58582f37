// Single DSP-extension instructions that <arm_acle.h> (GCC 12) lacks or that GCC does not
// form from plain C: without them a rotated SXTB16 costs a separate ROR, a byte pack a
// UXTB + ORR, and the rounding high multiply four instructions. Each is one instruction
// in a non-volatile asm, so the compiler still schedules, combines and removes them.
#pragma once

#if defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>

#include <cstdint>
#include <cstring>

namespace qb::kernels::dsp {

// Bytes 0 and 2 of w, sign-extended into the low and high halfwords (ACLE __sxtb16).
inline int32_t sxtb16_even(uint32_t w) { return __sxtb16(w); }

// Bytes 1 and 3 of w, sign-extended into the low and high halfwords: SXTB16 ..., ROR #8.
inline int32_t sxtb16_odd(uint32_t w) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(w));
  return r;
}

// acc + bytes 1 and 3 of w, sign-extended, added lane by lane to acc's halfwords:
// SXTAB16 ..., ROR #8.
inline int32_t sxtab16_odd(int32_t acc, uint32_t w) {
  int32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(w));
  return r;
}

// (c * 2^32 + a * b + 2^31) >> 32: the high word of a 64-bit multiply-accumulate,
// rounded. SMMLAR.
inline int32_t smmlar(int32_t a, int32_t b, int32_t c) {
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(c));
  return r;
}

// lo with bits 8..15 replaced by the low byte of hi: two int8 results side by side in the
// low halfword, ready for one STRH. BFI.
inline uint32_t pack_byte1(uint32_t lo, uint32_t hi) {
  __asm__("bfi %0, %1, #8, #8" : "+r"(lo) : "r"(hi));
  return lo;
}

// Low halfword of lo, low halfword of hi in the high half. PKHBT ..., LSL #16.
inline int32_t pack_lo_halves(int32_t lo, int32_t hi) {
  int32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
  return r;
}

// High halfword of lo in the low half, high halfword of hi kept. PKHTB ..., ASR #16.
inline int32_t pack_hi_halves(int32_t lo, int32_t hi) {
  int32_t r;
  __asm__("pkhtb %0, %2, %1, asr #16" : "=r"(r) : "r"(lo), "r"(hi));
  return r;
}

// Bytewise signed max / min of four int8 lanes: SSUB8 sets one GE flag per byte, SEL
// picks by them. One asm, so nothing can come between the flags and their use.
inline uint32_t max_bytes(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b) : "cc");
  return r;
}
inline uint32_t min_bytes(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b) : "cc");
  return r;
}

// An unaligned 32-bit load (LDR allows any alignment on Armv7-M / Armv8-M Mainline).
inline uint32_t load_u32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline void store_u32(void* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline void store_u16(void* p, uint32_t v) {
  const uint16_t h = static_cast<uint16_t>(v);
  std::memcpy(p, &h, 2);
}

}  // namespace qb::kernels::dsp

#endif
