// dispatch.cc - the kernels one caller uses: table.c's choice for each operation under a cap,
// with the CPU features detected once.
#include "dispatch.h"

namespace simdot {

uint32_t CpuFeatures() {
  static const uint32_t features = simdot_detect_cpu_features();  // thread-safe one-time init
  return features;
}

unsigned SupportedTiers() {
  static const unsigned supported = simdot_supported_tiers(CpuFeatures());
  return supported;
}

KernelSet Resolve(simdot_tier cap) {
  cap = simdot_cap_here(cap);
  const uint32_t cpu = CpuFeatures();
  KernelSet set{};
  simdot_any_fn *chosen[SIMDOT_OP_COUNT] = {};
  for (int op = 0; op < SIMDOT_OP_COUNT; op++) {
    const simdot_kernel *k = simdot_resolve(static_cast<simdot_op>(op), cap, cpu);
    chosen[op] = k->fn;
    set.op_tier[op] = k->tier;
  }
  set.dot_i8 = reinterpret_cast<simdot_dot_i8_t *>(chosen[SIMDOT_OP_dot_i8]);
  set.dot_f32 = reinterpret_cast<simdot_dot_f32_t *>(chosen[SIMDOT_OP_dot_f32]);
  set.dots_i8 = reinterpret_cast<simdot_dots_i8_t *>(chosen[SIMDOT_OP_dots_i8]);
  set.dots_f32 = reinterpret_cast<simdot_dots_f32_t *>(chosen[SIMDOT_OP_dots_f32]);
  set.hamming = reinterpret_cast<simdot_hamming_t *>(chosen[SIMDOT_OP_hamming]);
  set.hammings = reinterpret_cast<simdot_hammings_t *>(chosen[SIMDOT_OP_hammings]);
  // Distances are exact integers on every tier: the batch kernel may be another tier's.
  set.hammingsq = reinterpret_cast<simdot_hammingsq_t *>(chosen[SIMDOT_OP_hammingsq]);
  // int8 is exact on every tier, so the batch kernel may come from another tier than dots (the
  // i8mm tier has only a batch kernel of its own). A float32 batch kernel of another tier would
  // mix summation orders within one search: compose from the tier's own dots instead.
  set.dotsq_i8 = reinterpret_cast<simdot_dotsq_i8_t *>(chosen[SIMDOT_OP_dotsq_i8]);
  set.dotsq_f32 = set.op_tier[SIMDOT_OP_dotsq_f32] == set.op_tier[SIMDOT_OP_dots_f32]
                      ? reinterpret_cast<simdot_dotsq_f32_t *>(chosen[SIMDOT_OP_dotsq_f32])
                      : nullptr;
  if (!set.dotsq_f32) set.op_tier[SIMDOT_OP_dotsq_f32] = set.op_tier[SIMDOT_OP_dots_f32];
  set.dots_i8_cached = set.dots_i8;
#if !defined(SIMDOT_NO_ASM) && (defined(__x86_64__) || defined(_M_X64))
  if (set.op_tier[SIMDOT_OP_dots_i8] == SIMDOT_TIER_avx2) {
    set.dots_i8_cached = &simdot_dots_i8_cached_avx2;
  }
#endif
  // The best supported tier at or below the cap: the tier the caller asked for, as far as this
  // CPU goes (an operation may run a lower one where the tier has no kernel of its own).
  const unsigned supported = SupportedTiers();
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

const char *TierName(simdot_tier tier) { return simdot_tier_name(tier); }

const char *OpName(simdot_op op) { return simdot_op_name(op); }

simdot_tier TierFromName(const char *name) { return simdot_tier_from_name(name); }

}  // namespace simdot
