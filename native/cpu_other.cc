// cpu_other.cc - every architecture without SIMD kernels of its own runs the portable kernels.
#if !(defined(__x86_64__) || defined(_M_X64) || defined(__aarch64__) || defined(_M_ARM64))

#include "dispatch.h"

namespace simdot {
unsigned DetectCpuTiers() { return 1u << SIMDOT_TIER_scalar; }
}  // namespace simdot

#endif
