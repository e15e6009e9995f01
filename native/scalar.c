/*
 * Portable C kernels: the native reference every SIMD kernel is tested against, and what runs on
 * a CPU with none of the SIMD tiers. Plain C99, freestanding (no libc), so the same file also
 * links into the bare-metal AVX-512 test image.
 */
#include "kernels.h"

int32_t simdot_dot_i8_scalar(const int8_t *a, const int8_t *b, size_t n) {
  /* Unsigned 32-bit sums wrap with defined behaviour, give the exact result mod 2^32 (exact for
   * n <= SIMDOT_I8_MAX_CHUNK, wrapping beyond, like the SIMD kernels) and let the compiler
   * vectorize the loop with the baseline ISA: 2.5x the speed of an int64 sum. */
  uint32_t s = 0;
  for (size_t i = 0; i < n; i++) s += (uint32_t)((int32_t)a[i] * (int32_t)b[i]);
  return (int32_t)s;
}

float simdot_dot_f32_scalar(const float *a, const float *b, size_t n) {
  /* Summed in double: as the reference, this is the most accurate kernel we have. Four chains
   * keep the additions independent so the loop is not latency bound. */
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += (double)a[i] * b[i];
    s1 += (double)a[i + 1] * b[i + 1];
    s2 += (double)a[i + 2] * b[i + 2];
    s3 += (double)a[i + 3] * b[i + 3];
  }
  for (; i < n; i++) s0 += (double)a[i] * b[i];
  return (float)((s0 + s1) + (s2 + s3));
}

void simdot_dots_i8_scalar(const int8_t *q, const int8_t *rows, size_t dim, size_t nrows,
                           int32_t *out) {
  for (size_t r = 0; r < nrows; r++) out[r] = simdot_dot_i8_scalar(q, rows + r * dim, dim);
}

void simdot_dots_f32_scalar(const float *q, const float *rows, size_t dim, size_t nrows,
                            float *out) {
  for (size_t r = 0; r < nrows; r++) out[r] = simdot_dot_f32_scalar(q, rows + r * dim, dim);
}

void simdot_dotsq_i8_scalar(const int8_t *queries, size_t nq, const int8_t *rows, size_t dim,
                            size_t nrows, int32_t *out) {
  for (size_t j = 0; j < nq; j++) simdot_dots_i8_scalar(queries + j * dim, rows, dim, nrows, out + j * nrows);
}

void simdot_dotsq_f32_scalar(const float *queries, size_t nq, const float *rows, size_t dim,
                             size_t nrows, float *out) {
  for (size_t j = 0; j < nq; j++) simdot_dots_f32_scalar(queries + j * dim, rows, dim, nrows, out + j * nrows);
}

/* Popcount of a 64-bit word without the POPCNT instruction (which the portable kernels may not
 * assume): the classic SWAR sum, which compilers keep as shifts and multiplies. */
static uint32_t popcount64(uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555u;
  x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fu;
  return (uint32_t)((x * 0x0101010101010101u) >> 56);
}

static uint64_t load64(const uint8_t *p) {
  /* Byte by byte for any alignment, written out: gcc and clang merge this expression into one
   * load (the store-merging pass), where a loop stays eight byte loads at -O3 on aarch64. */
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

uint32_t simdot_hamming_scalar(const uint8_t *a, const uint8_t *b, size_t n) {
  uint32_t s = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) s += popcount64(load64(a + i) ^ load64(b + i));
  for (; i < n; i++) s += popcount64((uint64_t)(a[i] ^ b[i]));
  return s;
}

void simdot_hammings_scalar(const uint8_t *q, const uint8_t *rows, size_t n, size_t nrows, uint32_t *out) {
  for (size_t r = 0; r < nrows; r++) out[r] = simdot_hamming_scalar(q, rows + r * n, n);
}

void simdot_hammingsq_scalar(const uint8_t *queries, size_t nq, const uint8_t *rows, size_t n, size_t nrows,
                             uint32_t *out) {
  for (size_t j = 0; j < nq; j++) simdot_hammings_scalar(queries + j * n, rows, n, nrows, out + j * nrows);
}
