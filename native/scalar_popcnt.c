/*
 * scalar_popcnt.c - the portable Hamming kernels again, with the POPCNT instruction: the x86-64
 * table (kernels_x86_64.def) lists them as a second kernel of the scalar tier that needs
 * SIMDOT_F(popcnt), so they run on a CPU with POPCNT but no AVX2 (or with SIMDOT_KERNEL=scalar),
 * and the plain kernels of scalar.c where there is no POPCNT.
 *
 * Only these functions are compiled for POPCNT (the target attribute, not a -mpopcnt for the
 * file or the addon), so nothing else the compiler emits may assume it. Freestanding C99 like
 * scalar.c (test/bochs links it into its bare-metal image): with the attribute,
 * __builtin_popcountll is the instruction, never a call into libgcc.
 *
 * Same contract as the portable kernels (kernels.h): any n, any alignment, nothing read outside
 * the inputs; hammingsq reads each row once for all its queries (the row stays in L1 while
 * they are scored).
 */
#if defined(__x86_64__)

#include "kernels.h"

#define POPCNT __attribute__((target("popcnt")))

/* Byte by byte, so any alignment is fine; written out so that the compiler recognises the
 * pattern and makes it one 8-byte load (a loop is not, at -O2); POPCNT like its callers, or
 * gcc may not inline it into them. */
POPCNT static inline uint64_t load64(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* Four sums over 32 bytes an iteration, so that POPCNT's latency and the loads overlap. */
POPCNT uint32_t simdot_hamming_scalar_popcnt(const uint8_t *a, const uint8_t *b, size_t n) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 += (uint64_t)__builtin_popcountll(load64(a + i) ^ load64(b + i));
    s1 += (uint64_t)__builtin_popcountll(load64(a + i + 8) ^ load64(b + i + 8));
    s2 += (uint64_t)__builtin_popcountll(load64(a + i + 16) ^ load64(b + i + 16));
    s3 += (uint64_t)__builtin_popcountll(load64(a + i + 24) ^ load64(b + i + 24));
  }
  for (; i + 8 <= n; i += 8) s0 += (uint64_t)__builtin_popcountll(load64(a + i) ^ load64(b + i));
  /* The last n % 8 bytes as one word, never reading past the inputs. */
  uint64_t last = 0;
  for (int k = 0; i < n; i++, k += 8) last |= (uint64_t)(a[i] ^ b[i]) << k;
  s1 += (uint64_t)__builtin_popcountll(last);
  return (uint32_t)(s0 + s1 + s2 + s3);
}

POPCNT void simdot_hammings_scalar_popcnt(const uint8_t *q, const uint8_t *rows, size_t n, size_t nrows,
                                          uint32_t *out) {
  for (size_t r = 0; r < nrows; r++) out[r] = simdot_hamming_scalar_popcnt(q, rows + r * n, n);
}

POPCNT void simdot_hammingsq_scalar_popcnt(const uint8_t *queries, size_t nq, const uint8_t *rows, size_t n,
                                           size_t nrows, uint32_t *out) {
  for (size_t r = 0; r < nrows; r++) {
    for (size_t j = 0; j < nq; j++) out[j * nrows + r] = simdot_hamming_scalar_popcnt(queries + j * n, rows + r * n, n);
  }
}

#endif
