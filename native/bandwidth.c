/*
 * The memory-bandwidth reference for the benchmarks: read every byte once and do as little as
 * possible with it, so `npm run bench` can put the kernels' rows-per-second next to what the
 * memory system delivers in the same process. Not part of the public API.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

uint64_t simdot_read_bytes(const void *data, size_t n) {
  const unsigned char *p = (const unsigned char *)data;
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
