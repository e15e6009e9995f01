// cpu_aarch64.cc - which aarch64 features the CPU allows. Advanced SIMD (NEON) is part of the
// ARMv8-A baseline; dotprod (SDOT, ARMv8.2) and I8MM (SMMLA, ARMv8.6) must be asked of the OS,
// since reading the ID registers from user space is not portable. This file is compiled for
// the baseline ISA (no -march): detection code built with newer features once crashed CPUs that
// lacked them.
#if defined(__aarch64__) || defined(_M_ARM64)

#include "dispatch.h"

#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1 << 13)
#endif
#elif defined(__APPLE__)
#include <sys/sysctl.h>
#elif defined(_WIN32)
#include <windows.h>
#endif

namespace simdot {

#if defined(__APPLE__)
namespace {
bool Sysctl(const char *name) {
  int value = 0;
  size_t size = sizeof(value);
  return sysctlbyname(name, &value, &size, nullptr, 0) == 0 && value != 0;
}
}  // namespace
#endif

}  // namespace simdot

extern "C" uint32_t simdot_detect_cpu_features(void) {
  using namespace simdot;
  uint32_t features = SIMDOT_F(asimd);
  bool dotprod = false, i8mm = false;
#if defined(__linux__)
  dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
  i8mm = (getauxval(AT_HWCAP2) & HWCAP2_I8MM) != 0;
#elif defined(__APPLE__)
  dotprod = Sysctl("hw.optional.arm.FEAT_DotProd");
  i8mm = Sysctl("hw.optional.arm.FEAT_I8MM");
#elif defined(_WIN32)
  dotprod = IsProcessorFeaturePresent(PF_ARM_V82_DP_INSTRUCTIONS_AVAILABLE) != 0;
#if defined(PF_ARM_SVE_I8MM_INSTRUCTIONS_AVAILABLE)
  // Windows names I8MM only as an SVE feature; where it says no, the neondot tier runs.
  i8mm = IsProcessorFeaturePresent(PF_ARM_SVE_I8MM_INSTRUCTIONS_AVAILABLE) != 0;
#endif
#endif
  if (dotprod) features |= SIMDOT_F(dotprod);
  if (i8mm) features |= SIMDOT_F(i8mm);
  return features;
}

#endif
