/*
 * The memory-bandwidth reference for the benchmarks: read every byte once and do as little as
 * possible with it, so `npm run bench` can put the kernels' rows-per-second next to what the
 * memory system delivers in the same process. Not part of the public API.
 *
 * The read must be at least as wide as the kernels' loads, or the reference is slower than what
 * it is meant to bound: on x86-64 with GCC or clang an AVX2 loop (eight independent 32-byte
 * loads per step) runs when the CPU has AVX2, else the portable loop.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static uint64_t read_portable(const unsigned char *p, size_t n) {
  /* Four independent accumulators so the loop is bound by loads, not by the add latency. */
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    uint64_t w[4];
    memcpy(w, p + i, sizeof w);
    s0 += w[0];
    s1 += w[1];
    s2 += w[2];
    s3 += w[3];
  }
  for (; i < n; i++) s0 += p[i];
  return s0 ^ s1 ^ s2 ^ s3;
}

#if (defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))) && !defined(_WIN32)
#include <immintrin.h>

__attribute__((target("avx2"))) static uint64_t read_avx2(const unsigned char *p, size_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    a0 = _mm256_xor_si256(a0, _mm256_loadu_si256((const __m256i *)(p + i)));
    a1 = _mm256_xor_si256(a1, _mm256_loadu_si256((const __m256i *)(p + i + 32)));
    a2 = _mm256_xor_si256(a2, _mm256_loadu_si256((const __m256i *)(p + i + 64)));
    a3 = _mm256_xor_si256(a3, _mm256_loadu_si256((const __m256i *)(p + i + 96)));
  }
  a0 = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
  uint64_t lanes[4];
  _mm256_storeu_si256((__m256i *)lanes, a0);
  return lanes[0] ^ lanes[1] ^ lanes[2] ^ lanes[3] ^ read_portable(p + i, n - i);
}

uint64_t simdot_read_bytes(const void *data, size_t n) {
  return __builtin_cpu_supports("avx2") ? read_avx2((const unsigned char *)data, n) : read_portable((const unsigned char *)data, n);
}
#else
uint64_t simdot_read_bytes(const void *data, size_t n) {
  return read_portable((const unsigned char *)data, n);
}
#endif
