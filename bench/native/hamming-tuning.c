/*
 * hamming-tuning.c - times the x86-64 Hamming kernels built with other switch points
 * (x86_64_tuning.h) side by side, in one process: the numbers behind those switch points.
 * Built and run by bench/hamming-tuning.sh, which assembles asm/x86_64/hamming_*.S once per
 * variant and renames each copy's symbols with a prefix (v0_, v1_, ...).
 *
 * Three questions, each a table of GB/s (bytes of rows read per nanosecond; higher is better):
 *   1. avx2 hamming over long vectors: Harley-Seal from 512 bytes, from 1024 (the default), or
 *      never (the nibble lookup alone). The pair of vectors stays in L1/L2.
 *   2. hammings with one query: rows in blocks (4 rows at a time) or one at a time, from which
 *      row length; the rows in cache (256 KiB) and from DRAM (256 MiB).
 *   3. the same for hammingsq with four queries.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint32_t hamming_fn(const uint8_t *, const uint8_t *, size_t);
typedef void hammings_fn(const uint8_t *, const uint8_t *, size_t, size_t, uint32_t *);
typedef void hammingsq_fn(const uint8_t *, size_t, const uint8_t *, size_t, size_t, uint32_t *);

#define DECL(v)                                                             \
  hamming_fn v##_simdot_hamming_avx2, v##_simdot_hamming_avx512vnni;        \
  hammings_fn v##_simdot_hammings_avx2, v##_simdot_hammings_avx512vnni;     \
  hammingsq_fn v##_simdot_hammingsq_avx2, v##_simdot_hammingsq_avx512vnni;
DECL(v0)
DECL(v1)
DECL(v2)
uint64_t simdot_read_bytes(const void *data, size_t n); /* native/bandwidth.c: the plain read */

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static volatile uint32_t sink;

/* The median of 7 timings of `reps` calls, in ns per call. */
#define TIME(reps, call)                                                    \
  ({                                                                        \
    double ts[7];                                                           \
    for (int t_ = 0; t_ < 7; t_++) {                                        \
      double s_ = now_ns();                                                 \
      for (long r_ = 0; r_ < (reps); r_++) call;                            \
      ts[t_] = (now_ns() - s_) / (reps);                                    \
    }                                                                       \
    for (int i_ = 1; i_ < 7; i_++)                                          \
      for (int j_ = i_; j_ > 0 && ts[j_ - 1] > ts[j_]; j_--) {              \
        double x_ = ts[j_]; ts[j_] = ts[j_ - 1]; ts[j_ - 1] = x_;           \
      }                                                                     \
    ts[3];                                                                  \
  })

static uint8_t *random_bytes(size_t n, uint32_t seed) {
  uint8_t *p = aligned_alloc(64, (n + 63) / 64 * 64);
  uint32_t s = seed;
  for (size_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    p[i] = (uint8_t)(s >> 24);
  }
  return p;
}

int main(int argc, char **argv) {
  const int vnni = __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("avx512bw");
  const char *v_names[3] = {argc > 1 ? argv[1] : "v0", argc > 2 ? argv[2] : "v1", argc > 3 ? argv[3] : "v2"};
  printf("variants: v0 %s; v1 %s; v2 %s\n", v_names[0], v_names[1], v_names[2]);

  /* 1. hamming over long vectors, avx2 (and the avx512 kernel for reference) */
  printf("\n## 1. hamming(a, b, n), GB/s of a and b read (in cache)\n\n");
  printf("| n bytes | avx2 HS from 512 (v0) | avx2 defaults (v1) | avx2 lookup only (v2) | avx512 VPOPCNTQ |\n|---:|---:|---:|---:|---:|\n");
  const size_t ns1[] = {512, 768, 1024, 1536, 2048, 4096, 8192, 32768};
  uint8_t *a = random_bytes(65536, 1), *b = random_bytes(65536, 2);
  for (size_t i = 0; i < sizeof ns1 / sizeof ns1[0]; i++) {
    const size_t n = ns1[i];
    const long reps = 20000000 / n + 1000;
    double t0 = TIME(reps, sink += v0_simdot_hamming_avx2(a, b, n));
    double t1 = TIME(reps, sink += v1_simdot_hamming_avx2(a, b, n));
    double t2 = TIME(reps, sink += v2_simdot_hamming_avx2(a, b, n));
    double t3 = vnni ? TIME(reps, sink += v1_simdot_hamming_avx512vnni(a, b, n)) : 0;
    printf("| %zu | %.1f | %.1f | %.1f | %s%.1f |\n", n, 2 * n / t0, 2 * n / t1, 2 * n / t2, vnni ? "" : "n/a ", vnni ? 2 * n / t3 : 0);
  }

  /* 2 and 3. hammings / hammingsq: rows in blocks or one at a time */
  const size_t ns2[] = {32, 64, 96, 128, 192, 256, 384, 512, 1024};
  const size_t cache_bytes = 256 << 10, dram_bytes = (size_t)256 << 20;
  uint8_t *rows = random_bytes(dram_bytes, 3);
  uint8_t *q = random_bytes(8 * 4096, 4);
  uint32_t *out = malloc(4 * (dram_bytes / 32) * 4);
  {
    volatile uint64_t keep = 0;
    const double t = TIME(1, keep += simdot_read_bytes(rows, dram_bytes));
    printf("\nplain read of the %zu MiB of rows (native/bandwidth.c): %.1f GB/s\n", dram_bytes >> 20, dram_bytes / t);
  }
  for (int nq = 1; nq <= 4; nq += 3) {
    for (int isa = 0; isa < (vnni ? 2 : 1); isa++) {
      printf("\n## %d. %s %s, %d quer%s, GB/s of rows read: in cache (%zu KiB) / from DRAM (%zu MiB)\n\n", nq == 1 ? 2 : 3,
             isa ? "avx512vnni" : "avx2", nq == 1 ? "hammings" : "hammingsq", nq, nq == 1 ? "y" : "ies", cache_bytes >> 10, dram_bytes >> 20);
      printf("| n bytes | one row at a time (v0) | the defaults (v1) | blocks always (v2) |\n|---:|---:|---:|---:|\n");
      for (size_t i = 0; i < sizeof ns2 / sizeof ns2[0]; i++) {
        const size_t n = ns2[i];
        double g[3][2];
        for (int v = 0; v < 3; v++) {
          hammingsq_fn *f = isa ? (v == 0 ? v0_simdot_hammingsq_avx512vnni : v == 1 ? v1_simdot_hammingsq_avx512vnni : v2_simdot_hammingsq_avx512vnni)
                                : (v == 0 ? v0_simdot_hammingsq_avx2 : v == 1 ? v1_simdot_hammingsq_avx2 : v2_simdot_hammingsq_avx2);
          hammings_fn *f1 = isa ? (v == 0 ? v0_simdot_hammings_avx512vnni : v == 1 ? v1_simdot_hammings_avx512vnni : v2_simdot_hammings_avx512vnni)
                                : (v == 0 ? v0_simdot_hammings_avx2 : v == 1 ? v1_simdot_hammings_avx2 : v2_simdot_hammings_avx2);
          for (int where = 0; where < 2; where++) {
            const size_t nrows = (where ? dram_bytes : cache_bytes) / n;
            const long reps = where ? 1 : 2000;
            double t = nq == 1 ? TIME(reps, f1(q, rows, n, nrows, out)) : TIME(reps, f(q, nq, rows, n, nrows, out));
            g[v][where] = (double)nrows * n / t;
          }
        }
        printf("| %zu | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f |\n", n, g[0][0], g[0][1], g[1][0], g[1][1], g[2][0], g[2][1]);
      }
    }
  }
  if (!vnni) printf("\n(no AVX512_VPOPCNTDQ on this CPU: the avx512vnni kernels were not timed)\n");
  return sink == 0xdeadbeef;
}
