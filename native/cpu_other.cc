// cpu_other.cc - every architecture without SIMD kernels of its own runs the portable kernels.
#if !(defined(__x86_64__) || defined(_M_X64) || defined(__aarch64__) || defined(_M_ARM64))

#include "dispatch.h"

extern "C" uint32_t simdot_detect_cpu_features(void) { return 0; }

#endif
