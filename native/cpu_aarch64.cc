// cpu_aarch64.cc - which aarch64 tiers the CPU allows. NEON (ASIMD) is part of the ARMv8-A
// baseline; SDOT (dotprod, ARMv8.2) must be asked of the OS, since reading the ID registers
// from user space is not portable.
#if defined(__aarch64__) || defined(_M_ARM64)

#include "dispatch.h"

#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#elif defined(__APPLE__)
#include <sys/sysctl.h>
#elif defined(_WIN32)
#include <windows.h>
#endif

namespace simdot {

unsigned DetectCpuTiers() {
  unsigned tiers = (1u << SIMDOT_TIER_scalar) | (1u << SIMDOT_TIER_neon);
  bool dotprod = false;
#if defined(__linux__)
  dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#elif defined(__APPLE__)
  int value = 0;
  size_t size = sizeof(value);
  dotprod = sysctlbyname("hw.optional.arm.FEAT_DotProd", &value, &size, nullptr, 0) == 0 && value;
#elif defined(_WIN32)
  dotprod = IsProcessorFeaturePresent(PF_ARM_V82_DP_INSTRUCTIONS_AVAILABLE) != 0;
#endif
  if (dotprod) tiers |= 1u << SIMDOT_TIER_neondot;
  return tiers;
}

}  // namespace simdot

#endif
