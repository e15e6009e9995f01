// cpu_x86_64.cc - which x86-64 features the CPU *and the operating system* allow.
//
// CPUID alone is not enough: a CPU may report AVX2 or AVX-512 while the OS (a hypervisor, a
// kernel booted with clearcpuid, an emulator) has not enabled the register state, and then the
// first VEX/EVEX instruction raises #UD. So: CPUID.1:ECX.OSXSAVE first (XGETBV itself is
// illegal without it), then XCR0 for the state each feature needs. Which tiers those features
// make is for tiers.def to say.
#if defined(__x86_64__) || defined(_M_X64)

#include <cstdint>

#include "dispatch.h"

#if defined(_MSC_VER)
#include <intrin.h>
#include <immintrin.h>
#else
#include <cpuid.h>
#endif

namespace simdot {
namespace {

struct Regs {
  uint32_t eax, ebx, ecx, edx;
};

Regs Cpuid(uint32_t leaf, uint32_t subleaf) {
  Regs r{};
#if defined(_MSC_VER)
  int v[4];
  __cpuidex(v, static_cast<int>(leaf), static_cast<int>(subleaf));
  r = {static_cast<uint32_t>(v[0]), static_cast<uint32_t>(v[1]), static_cast<uint32_t>(v[2]),
       static_cast<uint32_t>(v[3])};
#else
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
#endif
  return r;
}

// Only called once CPUID says OSXSAVE. Inline asm rather than _xgetbv so no -mxsave is needed
// for this translation unit.
uint64_t Xcr0() {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
#endif
}

constexpr uint64_t kXcr0Ymm = (1u << 1) | (1u << 2);                          // SSE, AVX
constexpr uint64_t kXcr0Zmm = kXcr0Ymm | (1u << 5) | (1u << 6) | (1u << 7);  // opmask, ZMM

bool Bit(uint32_t reg, int bit) { return (reg >> bit) & 1u; }

}  // namespace

}  // namespace simdot

extern "C" uint32_t simdot_detect_cpu_features(void) {
  using namespace simdot;
  uint32_t features = 0;
  const uint32_t max_leaf = Cpuid(0, 0).eax;
  if (max_leaf < 1) return features;
  const Regs l1 = Cpuid(1, 0);
  // POPCNT (CPUID.1:ECX bit 23) needs no OS state, so it counts wherever the CPU has it, AVX or
  // not (a Nehalem; an AMD K10, whose highest leaf is 5).
  if (Bit(l1.ecx, 23)) features |= SIMDOT_F(popcnt);
  if (max_leaf < 7) return features;
  const bool osxsave = Bit(l1.ecx, 27), avx = Bit(l1.ecx, 28), fma = Bit(l1.ecx, 12);
  if (!osxsave || !avx) return features;
  const uint64_t xcr0 = Xcr0();
  if ((xcr0 & kXcr0Ymm) != kXcr0Ymm) return features;

  const Regs l7 = Cpuid(7, 0);
  if (Bit(l7.ebx, 5)) features |= SIMDOT_F(avx2);
  if (fma) features |= SIMDOT_F(fma);
  if ((xcr0 & kXcr0Zmm) != kXcr0Zmm) return features;
  if (Bit(l7.ebx, 16)) features |= SIMDOT_F(avx512f);
  if (Bit(l7.ebx, 30)) features |= SIMDOT_F(avx512bw);
  if (Bit(l7.ebx, 31)) features |= SIMDOT_F(avx512vl);
  if (Bit(l7.ecx, 11)) features |= SIMDOT_F(avx512vnni);
  if (Bit(l7.ecx, 14)) features |= SIMDOT_F(avx512vpopcntdq);
  return features;
}

namespace simdot {

// CPUID's deterministic cache parameters: leaf 4 on Intel, 0x8000001D on AMD and Hygon (which
// needs TopologyExtensions, 0x80000001 ECX bit 22); both lay out a cache's geometry alike.
size_t DetectL3Bytes() {
  const Regs vendor = Cpuid(0, 0);
  const bool amd = vendor.ebx == 0x68747541 /* "Auth"enticAMD */ ||
                   vendor.ebx == 0x6f677948 /* "Hygo"nGenuine */;
  uint32_t leaf = 4;
  if (amd) {
    if (Cpuid(0x80000000, 0).eax < 0x8000001D || !Bit(Cpuid(0x80000001, 0).ecx, 22)) return 0;
    leaf = 0x8000001D;
  } else if (vendor.eax < 4) {
    return 0;
  }
  for (uint32_t sub = 0; sub < 16; sub++) {
    const Regs c = Cpuid(leaf, sub);
    if ((c.eax & 31) == 0) break;        // no more caches
    if (((c.eax >> 5) & 7) != 3) continue;  // not level 3
    const uint64_t ways = (c.ebx >> 22) + 1, partitions = ((c.ebx >> 12) & 1023) + 1,
                   line = (c.ebx & 4095) + 1, sets = static_cast<uint64_t>(c.ecx) + 1;
    return static_cast<size_t>(ways * partitions * line * sets);
  }
  return 0;
}

}  // namespace simdot

#endif
