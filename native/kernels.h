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

/* Tiers, best first. The numeric order is the cap order used by SIMDOT_KERNEL / useKernel. */
typedef enum {
  SIMDOT_TIER_avx512vnni = 0,
  SIMDOT_TIER_avx2,
  SIMDOT_TIER_neondot,
  SIMDOT_TIER_neon,
  SIMDOT_TIER_scalar,
  SIMDOT_TIER_COUNT
} simdot_tier;

typedef enum {
  SIMDOT_OP_dot_i8 = 0,
  SIMDOT_OP_dot_f32,
  SIMDOT_OP_dots_i8,
  SIMDOT_OP_dots_f32,
  SIMDOT_OP_dotsq_i8,
  SIMDOT_OP_dotsq_f32,
  SIMDOT_OP_COUNT
} simdot_op;

/* Declare every kernel named in the architecture's table, plus the portable ones. */
#define SIMDOT_KERNEL(op, tier) simdot_##op##_t simdot_##op##_##tier;
#if defined(__x86_64__) || defined(_M_X64)
#  include "kernels_x86_64.def"
#elif defined(__aarch64__) || defined(_M_ARM64)
#  include "kernels_aarch64.def"
#endif
#include "kernels_portable.def"
#undef SIMDOT_KERNEL

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
