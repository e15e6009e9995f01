/*
 * kernels.h - the kernel contract shared by the assembly, the portable C kernels and the shim.
 *
 * Every kernel, whatever its tier:
 *   - accepts any n (or dim, nrows) >= 0 and any alignment of its pointers;
 *   - reads only a[0..n) / b[0..n) (rows[0..dim*nrows)) and writes only out[0..nrows), not even
 *     a byte beyond within the same page;
 *   - cannot fail and allocates nothing;
 *   - int8: exact for n (dim) <= SIMDOT_I8_MAX_CHUNK; the shim splits longer vectors and adds the
 *     parts in 64 bits. (The int32 result wraps modulo 2^32 past that, never traps.)
 *   - float32: any summation order; the result stays within (n + 1) * 2^-23 * sum |a_i * b_i| +
 *     (n + 1) * 2^-149 of the exact sum while no product or partial sum leaves the float32 range.
 *     One that does makes the result non-finite, and the shim sums that vector again with the
 *     portable kernel, in double (search.cc, ScoreRows).
 */
#ifndef SIMDOT_KERNELS_H
#define SIMDOT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIMDOT_I8_MAX_CHUNK 65536

typedef int32_t simdot_dot_i8_t(const int8_t *a, const int8_t *b, size_t n);
typedef float simdot_dot_f32_t(const float *a, const float *b, size_t n);
typedef void simdot_dots_i8_t(const int8_t *q, const int8_t *rows, size_t dim, size_t nrows,
                              int32_t *out);
typedef void simdot_dots_f32_t(const float *q, const float *rows, size_t dim, size_t nrows,
                               float *out);

/* Multi-query scoring for batched search: out[j * nrows + r] = dot(queries + j * dim,
 * rows + r * dim) for j < nq <= SIMDOT_MAX_BATCH. Each row is read once for all nq queries.
 * Within a tier, every float32 kernel sums one row in the same order, so dot, dots and dotsq
 * give bit-identical scores for the same row and query. */
#define SIMDOT_MAX_BATCH 8
typedef void simdot_dotsq_i8_t(const int8_t *queries, size_t nq, const int8_t *rows, size_t dim,
                               size_t nrows, int32_t *out);
typedef void simdot_dotsq_f32_t(const float *queries, size_t nq, const float *rows, size_t dim,
                                size_t nrows, float *out);

/* Hamming distances of bit vectors (binary embeddings, 8 bits per byte): popcount(a XOR b) over
 * n bytes. The sum fits 32 bits for n < 2^29; hammingsq scores up to SIMDOT_MAX_BATCH queries per
 * row read, out[j * nrows + r], like dotsq. Any n, any alignment, no byte read outside the
 * inputs, as for every kernel. */
typedef uint32_t simdot_hamming_t(const uint8_t *a, const uint8_t *b, size_t n);
typedef void simdot_hammings_t(const uint8_t *q, const uint8_t *rows, size_t n, size_t nrows, uint32_t *out);
typedef void simdot_hammingsq_t(const uint8_t *queries, size_t nq, const uint8_t *rows, size_t n,
                                size_t nrows, uint32_t *out);

/* Tiers (tiers.def), operations (ops.def) and CPU features (features.def). Within one
 * architecture's ladder a lower tier number is a better tier. */
typedef enum {
#define SIMDOT_TIER(name, arch, features) SIMDOT_TIER_##name,
#include "tiers.def"
#undef SIMDOT_TIER
  SIMDOT_TIER_COUNT
} simdot_tier;

typedef enum {
#define SIMDOT_OP(name) SIMDOT_OP_##name,
#include "ops.def"
#undef SIMDOT_OP
  SIMDOT_OP_COUNT
} simdot_op;

typedef enum {
#define SIMDOT_FEATURE(name, arch) SIMDOT_FEATURE_INDEX_##name,
#include "features.def"
#undef SIMDOT_FEATURE
  SIMDOT_FEATURE_COUNT
} simdot_feature_index;

/* The bit of a feature in a feature mask. */
#define SIMDOT_F(name) (1u << SIMDOT_FEATURE_INDEX_##name)

/* The architecture this file is compiled for, as tiers.def and features.def name them. */
typedef enum { SIMDOT_ARCH_any, SIMDOT_ARCH_x86_64, SIMDOT_ARCH_aarch64 } simdot_arch;
#if defined(__x86_64__) || defined(_M_X64)
#  define SIMDOT_THIS_ARCH SIMDOT_ARCH_x86_64
#elif defined(__aarch64__) || defined(_M_ARM64)
#  define SIMDOT_THIS_ARCH SIMDOT_ARCH_aarch64
#else
#  define SIMDOT_THIS_ARCH SIMDOT_ARCH_any
#endif

/* One kernel of the dispatch table (table.c): the operation, the tier it belongs to, the CPU
 * features it needs beyond its tier's bundle (usually none), and the function. */
typedef void simdot_any_fn(void);
typedef struct {
  simdot_op op;
  simdot_tier tier;
  uint32_t extra_features;
  simdot_any_fn *fn;
} simdot_kernel;

extern const simdot_kernel simdot_kernel_table[];
extern const size_t simdot_kernel_count;

const char *simdot_tier_name(simdot_tier tier);
const char *simdot_op_name(simdot_op op);
simdot_arch simdot_tier_arch(simdot_tier tier);
uint32_t simdot_tier_features(simdot_tier tier);
/* The tier called `name` (any architecture's), or SIMDOT_TIER_COUNT. */
simdot_tier simdot_tier_from_name(const char *name);

/* The cap `cap` means on this architecture: a tier of another architecture's ladder caps
 * nothing here (one SIMDOT_KERNEL may serve a mixed fleet), so it becomes this ladder's best. */
simdot_tier simdot_cap_here(simdot_tier cap);

/* The SIMDOT_F feature bits this CPU reports and its OS has enabled: cpu_<arch>.cc, compiled
 * for the baseline ISA so that it runs on any CPU of the architecture. */
uint32_t simdot_detect_cpu_features(void);

/* Bit (1 << tier) for every tier of this architecture's ladder that a CPU with features `cpu`
 * runs and this binary has a kernel for; scalar always. */
uint32_t simdot_supported_tiers(uint32_t cpu);

/* The kernel for `op` of the best tier at or below `cap` (this architecture's ladder) whose
 * features `cpu` has all of. Never null: the portable kernels need nothing. Chosen by rank, not
 * by position in the table. */
const simdot_kernel *simdot_resolve(simdot_op op, simdot_tier cap, uint32_t cpu);

/* Declare every kernel named in the architecture's table, plus the portable ones. A table line
 * SIMDOT_KERNEL_AS(op, tier, extra, name) is a second kernel of the same operation and tier that
 * needs more features (simdot_<op>_<tier>_<name>); the one needing more wins where both run. */
#define SIMDOT_KERNEL(op, tier, extra) simdot_##op##_t simdot_##op##_##tier;
#define SIMDOT_KERNEL_AS(op, tier, extra, name) simdot_##op##_t simdot_##op##_##tier##_##name;
#if defined(__x86_64__) || defined(_M_X64)
#  include "kernels_x86_64.def"
#elif defined(__aarch64__) || defined(_M_ARM64)
#  include "kernels_aarch64.def"
#endif
#include "kernels_portable.def"
#undef SIMDOT_KERNEL
#undef SIMDOT_KERNEL_AS

#if defined(__x86_64__) || defined(_M_X64)
/* The avx2 tier's dots_i8 for rows the caller expects to find in the L3 cache: the same
 * results, with a farther software prefetch (asm/x86_64/dot_avx2.S). Not an operation of its
 * own: the shim picks it in place of dots_i8 (dispatch.h, KernelSet::dots_i8_cached). */
simdot_dots_i8_t simdot_dots_i8_cached_avx2;
#endif

#ifdef __cplusplus
}
#endif

#endif
