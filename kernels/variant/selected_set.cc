// Which set a build runs: decided by the compiler's ISA feature macros, i.e. by the
// target's CPU flags in targets/targets.json. Each ISA directory declares its set in
// its own header; exactly one branch here is compiled.
#include "kernels/variant/kernel_set.h"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include "kernels/arm_mve/mve_kernels.h"
#elif defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include "kernels/arm_dsp/dsp_kernels.h"
#elif defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#include "kernels/arm_neon/neon_kernels.h"
#elif defined(__aarch64__) && defined(__ARM_NEON)
#include "kernels/arm_neon/neon_kernels.h"
#endif

namespace qb::kernels {

const KernelSet& selected_kernels() {
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
  return mve_kernels();
#elif defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
  return dsp_kernels();
#elif defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
  return dotprod_kernels();
#elif defined(__aarch64__) && defined(__ARM_NEON)
  return neon_kernels();
#else
  return reference_kernels();
#endif
}

}  // namespace qb::kernels
