// dispatch.cc - the best-first kernel table and its resolution.
#include "dispatch.h"

#include <cstring>

namespace simdot {
namespace {

using AnyFn = void (*)();

struct Entry {
  simdot_op op;
  simdot_tier tier;
  AnyFn fn;
};

// Best first within each operation; the architecture's .def lists its SIMD kernels and the
// portable kernels close every list, so every operation always resolves.
#define SIMDOT_KERNEL(op, tier) \
  {SIMDOT_OP_##op, SIMDOT_TIER_##tier, reinterpret_cast<AnyFn>(&simdot_##op##_##tier)},
const Entry kTable[] = {
#if !defined(SIMDOT_NO_ASM)
#if defined(__x86_64__) || defined(_M_X64)
#include "kernels_x86_64.def"
#elif defined(__aarch64__) || defined(_M_ARM64)
#include "kernels_aarch64.def"
#endif
#endif
#include "kernels_portable.def"
};
#undef SIMDOT_KERNEL

const char *const kTierNames[SIMDOT_TIER_COUNT] = {"avx512vnni", "avx2", "neondot", "neon",
                                                   "scalar"};
const char *const kOpNames[SIMDOT_OP_COUNT] = {"dot_i8",  "dot_f32",  "dots_i8",
                                               "dots_f32", "dotsq_i8", "dotsq_f32"};

// A tier counts as supported only if the CPU allows it AND this binary has a kernel for it.
unsigned ComputeSupported() {
  unsigned cpu = DetectCpuTiers() | (1u << SIMDOT_TIER_scalar);
  unsigned built = 0;
  for (const Entry &e : kTable) built |= 1u << e.tier;
  return cpu & built;
}

}  // namespace

unsigned SupportedTiers() {
  static const unsigned supported = ComputeSupported();  // thread-safe one-time init
  return supported;
}

KernelSet Resolve(simdot_tier cap) {
  const unsigned supported = SupportedTiers();
  KernelSet set{};
  AnyFn chosen[SIMDOT_OP_COUNT] = {};
  for (int op = 0; op < SIMDOT_OP_COUNT; op++) {
    for (const Entry &e : kTable) {
      if (e.op != op || e.tier < cap || !(supported & (1u << e.tier))) continue;
      chosen[op] = e.fn;
      set.op_tier[op] = e.tier;
      break;
    }
  }
  set.dot_i8 = reinterpret_cast<simdot_dot_i8_t *>(chosen[SIMDOT_OP_dot_i8]);
  set.dot_f32 = reinterpret_cast<simdot_dot_f32_t *>(chosen[SIMDOT_OP_dot_f32]);
  set.dots_i8 = reinterpret_cast<simdot_dots_i8_t *>(chosen[SIMDOT_OP_dots_i8]);
  set.dots_f32 = reinterpret_cast<simdot_dots_f32_t *>(chosen[SIMDOT_OP_dots_f32]);
  // A multi-query kernel of a lower tier than dots would mix arithmetic (float32 summation
  // orders) within one search: compose from the tier's own dots instead.
  set.dotsq_i8 = set.op_tier[SIMDOT_OP_dotsq_i8] == set.op_tier[SIMDOT_OP_dots_i8]
                     ? reinterpret_cast<simdot_dotsq_i8_t *>(chosen[SIMDOT_OP_dotsq_i8])
                     : nullptr;
  set.dotsq_f32 = set.op_tier[SIMDOT_OP_dotsq_f32] == set.op_tier[SIMDOT_OP_dots_f32]
                      ? reinterpret_cast<simdot_dotsq_f32_t *>(chosen[SIMDOT_OP_dotsq_f32])
                      : nullptr;
  set.dots_i8_cached = set.dots_i8;
#if !defined(SIMDOT_NO_ASM) && (defined(__x86_64__) || defined(_M_X64))
  if (set.op_tier[SIMDOT_OP_dots_i8] == SIMDOT_TIER_avx2) {
    set.dots_i8_cached = &simdot_dots_i8_cached_avx2;
  }
#endif
  if (!set.dotsq_i8) set.op_tier[SIMDOT_OP_dotsq_i8] = set.op_tier[SIMDOT_OP_dots_i8];
  if (!set.dotsq_f32) set.op_tier[SIMDOT_OP_dotsq_f32] = set.op_tier[SIMDOT_OP_dots_f32];
  set.active = SIMDOT_TIER_scalar;
  for (int t = cap; t < SIMDOT_TIER_COUNT; t++) {
    if (supported & (1u << t)) {
      set.active = static_cast<simdot_tier>(t);
      break;
    }
  }
  return set;
}

size_t CacheResidentBytes() {
#if !defined(SIMDOT_NO_ASM) && (defined(__x86_64__) || defined(_M_X64))
  static const size_t bytes = DetectL3Bytes() / 2;  // thread-safe one-time init
  return bytes;
#else
  return 0;
#endif
}

KernelSet ForMatrixBytes(const KernelSet &k, size_t bytes) {
  KernelSet set = k;
  if (bytes <= CacheResidentBytes()) set.dots_i8 = set.dots_i8_cached;
  return set;
}

const char *TierName(simdot_tier tier) {
  return tier >= 0 && tier < SIMDOT_TIER_COUNT ? kTierNames[tier] : "unknown";
}

const char *OpName(simdot_op op) {
  return op >= 0 && op < SIMDOT_OP_COUNT ? kOpNames[op] : "unknown";
}

simdot_tier TierFromName(const char *name) {
  for (int t = 0; t < SIMDOT_TIER_COUNT; t++) {
    if (std::strcmp(name, kTierNames[t]) == 0) return static_cast<simdot_tier>(t);
  }
  return SIMDOT_TIER_COUNT;
}

}  // namespace simdot
