// dispatch.h - CPU detection and the per-operation dispatch table.
#ifndef SIMDOT_DISPATCH_H
#define SIMDOT_DISPATCH_H

#include <cstdint>

#include "kernels.h"

namespace simdot {

// The kernels one caller uses: resolved from the read-only table for a cap, then immutable, so a
// copy can be handed to a worker thread.
struct KernelSet {
  simdot_dot_i8_t *dot_i8;
  simdot_dot_f32_t *dot_f32;
  simdot_dots_i8_t *dots_i8;
  simdot_dots_f32_t *dots_f32;
  // Null where the tier has no multi-query kernel: callers then run the same tier's dots once
  // per query, so scores never mix tiers.
  simdot_dotsq_i8_t *dotsq_i8;
  simdot_dotsq_f32_t *dotsq_f32;
  simdot_hamming_t *hamming;
  simdot_hammings_t *hammings;
  simdot_hammingsq_t *hammingsq;
  // dots_i8 for rows expected in the L3 cache: the same results, with a farther prefetch where
  // the tier has such a variant (avx2), else dots_i8 itself. See ForMatrixBytes.
  simdot_dots_i8_t *dots_i8_cached;
  simdot_tier op_tier[SIMDOT_OP_COUNT];  // which tier each operation actually runs
  simdot_tier active;                    // the best supported tier at or below the cap
};

// The CPU features (SIMDOT_F bits) this CPU and its OS allow. Detected once.
uint32_t CpuFeatures();

// Bit (1 << tier) for every tier of this architecture's ladder that this CPU, its OS and this
// binary support. Detected once.
unsigned SupportedTiers();

// Kernels for the best tiers at or below `cap` in this architecture's ladder; a tier of another
// architecture (or the best tier of any) means no cap.
KernelSet Resolve(simdot_tier cap);

const char *TierName(simdot_tier tier);
const char *OpName(simdot_op op);
// Returns SIMDOT_TIER_COUNT for a name that is not a native tier of any architecture.
simdot_tier TierFromName(const char *name);

// x86-64 only (cpu_x86_64.cc): the size in bytes of the L3 cache this core uses, as CPUID
// describes it; 0 when the CPU does not say.
size_t DetectL3Bytes();

// A matrix of at most this many bytes is expected to stay in the L3 cache between searches:
// half of the L3 (the other half for everything else), or 0 where the size is unknown or no
// kernel would make use of it. Detected once.
size_t CacheResidentBytes();

// k for scanning a matrix of `bytes`: dots_i8 becomes dots_i8_cached when the matrix is cache
// resident. The results are the same either way; only the prefetch distance differs.
KernelSet ForMatrixBytes(const KernelSet &k, size_t bytes);

}  // namespace simdot

#endif
