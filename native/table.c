/*
 * table.c - the dispatch table and its resolution, in freestanding C99 (no libc), so the addon
 * (dispatch.cc), the hosted kernel check (test/native/run_hosted.c) and the bare-metal AVX-512
 * image (test/bochs/) all choose kernels with this same code.
 */
#include "kernels.h"

#define SIMDOT_KERNEL(op, tier, extra) \
  {SIMDOT_OP_##op, SIMDOT_TIER_##tier, (uint32_t)(extra), (simdot_any_fn *)(void *)&simdot_##op##_##tier},
#define SIMDOT_KERNEL_AS(op, tier, extra, name) \
  {SIMDOT_OP_##op, SIMDOT_TIER_##tier, (uint32_t)(extra), (simdot_any_fn *)(void *)&simdot_##op##_##tier##_##name},
const simdot_kernel simdot_kernel_table[] = {
#if !defined(SIMDOT_NO_ASM)
#  if defined(__x86_64__) || defined(_M_X64)
#    include "kernels_x86_64.def"
#  elif defined(__aarch64__) || defined(_M_ARM64)
#    include "kernels_aarch64.def"
#  endif
#endif
#include "kernels_portable.def"
};
#undef SIMDOT_KERNEL
#undef SIMDOT_KERNEL_AS
const size_t simdot_kernel_count = sizeof simdot_kernel_table / sizeof simdot_kernel_table[0];

static const char *const tier_names[SIMDOT_TIER_COUNT] = {
#define SIMDOT_TIER(name, arch, features) #name,
#include "tiers.def"
#undef SIMDOT_TIER
};

static const simdot_arch tier_archs[SIMDOT_TIER_COUNT] = {
#define SIMDOT_TIER(name, arch, features) SIMDOT_ARCH_##arch,
#include "tiers.def"
#undef SIMDOT_TIER
};

static const uint32_t tier_features[SIMDOT_TIER_COUNT] = {
#define SIMDOT_TIER(name, arch, features) (uint32_t)(features),
#include "tiers.def"
#undef SIMDOT_TIER
};

static const char *const op_names[SIMDOT_OP_COUNT] = {
#define SIMDOT_OP(name) #name,
#include "ops.def"
#undef SIMDOT_OP
};

const char *simdot_tier_name(simdot_tier tier) {
  return (unsigned)tier < SIMDOT_TIER_COUNT ? tier_names[tier] : "unknown";
}

const char *simdot_op_name(simdot_op op) {
  return (unsigned)op < SIMDOT_OP_COUNT ? op_names[op] : "unknown";
}

simdot_arch simdot_tier_arch(simdot_tier tier) {
  return (unsigned)tier < SIMDOT_TIER_COUNT ? tier_archs[tier] : SIMDOT_ARCH_any;
}

uint32_t simdot_tier_features(simdot_tier tier) {
  return (unsigned)tier < SIMDOT_TIER_COUNT ? tier_features[tier] : 0;
}

static int same_string(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

simdot_tier simdot_tier_from_name(const char *name) {
  for (int t = 0; t < SIMDOT_TIER_COUNT; t++) {
    if (same_string(name, tier_names[t])) return (simdot_tier)t;
  }
  return SIMDOT_TIER_COUNT;
}

/* A tier of this architecture's ladder, or the portable one. */
static int here(simdot_tier tier) {
  const simdot_arch arch = simdot_tier_arch(tier);
  return arch == SIMDOT_ARCH_any || arch == SIMDOT_THIS_ARCH;
}

simdot_tier simdot_cap_here(simdot_tier cap) {
  if ((unsigned)cap < SIMDOT_TIER_COUNT && here(cap)) return cap;
  for (int t = 0; t < SIMDOT_TIER_COUNT; t++) {
    if (here((simdot_tier)t)) return (simdot_tier)t;
  }
  return SIMDOT_TIER_scalar;
}

static int bits(uint32_t x) {
  int n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

static int eligible(const simdot_kernel *k, simdot_tier cap, uint32_t cpu) {
  const uint32_t needs = tier_features[k->tier] | k->extra_features;
  return here(k->tier) && k->tier >= cap && (cpu & needs) == needs;
}

uint32_t simdot_supported_tiers(uint32_t cpu) {
  uint32_t tiers = 1u << SIMDOT_TIER_scalar;
  for (size_t i = 0; i < simdot_kernel_count; i++) {
    const simdot_kernel *k = &simdot_kernel_table[i];
    /* The tier's own bundle decides; a kernel needing more does not make its tier unsupported. */
    const uint32_t bundle = tier_features[k->tier];
    if (here(k->tier) && (cpu & bundle) == bundle) tiers |= 1u << k->tier;
  }
  return tiers;
}

const simdot_kernel *simdot_resolve(simdot_op op, simdot_tier cap, uint32_t cpu) {
  const simdot_kernel *best = 0;
  cap = simdot_cap_here(cap);
  for (size_t i = 0; i < simdot_kernel_count; i++) {
    const simdot_kernel *k = &simdot_kernel_table[i];
    if (k->op != op || !eligible(k, cap, cpu)) continue;
    // The best tier; within one tier, the kernel that needs more features (a variant of the
    // portable kernel with POPCNT, say) over the one that needs fewer.
    if (!best || k->tier < best->tier || (k->tier == best->tier && bits(k->extra_features) > bits(best->extra_features))) best = k;
  }
  return best;
}
