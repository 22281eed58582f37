// Exact byte-run copies for building im2col columns with Helium: whole vectors, the last
// one overlapping its predecessor, or one predicated vector for a run shorter than 16, so
// nothing outside the source or destination run is read or written.
#pragma once

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

#include <cstdint>

namespace qb::kernels::mve {

// Exactly `bytes` bytes (>= 1).
inline void copy_exact(int8_t* dst, const int8_t* src, int32_t bytes) {
  if (bytes < 16) {
    const mve_pred16_t lanes = vctp8q(static_cast<uint32_t>(bytes));
    vstrbq_p_s8(dst, vldrbq_z_s8(src, lanes), lanes);
    return;
  }
  const int32_t last = bytes - 16;
  for (int32_t k = 0; k < last; k += 16) vstrbq_s8(dst + k, vldrbq_s8(src + k));
  vstrbq_s8(dst + last, vldrbq_s8(src + last));
}

}  // namespace qb::kernels::mve

#endif
