/*
 * aarch64_abi.c - proves the AAPCS64 register contract on the real kernels: every aarch64 kernel
 * of the dispatch table (native/table.c) whose tier this CPU runs gives back x19-x28, d8-d15 and
 * sp as it found them (the batch kernels use all 32 vector registers and save d8-d15), for a
 * spread of lengths and, for the batch kernels, every query count. Each call goes through
 * simdot_abi_call (aarch64_abi_call.S), which sets those registers to patterns first.
 *
 * Built and run under qemu-aarch64 by scripts/check-kernels.sh --arch aarch64. Exit status 0 when
 * every call kept the contract.
 */
#include <stdint.h>
#include <stdio.h>

#include "../../native/kernels.h"

uint64_t simdot_abi_call(void *fn, const uint64_t args[6]);

static int8_t a8[8 * 4200], b8[9 * 4200];
static float af[8 * 300], bf[9 * 300];
static int32_t out8[8 * 9];
static float outf[8 * 9];

int main(void) {
  const uint32_t supported = simdot_supported_tiers(simdot_detect_cpu_features());
  for (size_t i = 0; i < sizeof a8; i++) a8[i] = (int8_t)(i * 37 + 11);
  for (size_t i = 0; i < sizeof b8; i++) b8[i] = (int8_t)(i * 53 + 7);
  for (size_t i = 0; i < sizeof af / sizeof af[0]; i++) af[i] = (float)(int)(i % 17) / 8 - 1;
  for (size_t i = 0; i < sizeof bf / sizeof bf[0]; i++) bf[i] = (float)(int)(i % 13) / 4 - 1.5f;
  static const uint64_t lens[] = {1, 15, 16, 17, 64, 100, 257, 299};
  unsigned calls = 0, failures = 0;
  for (size_t e = 0; e < simdot_kernel_count; e++) {
    const simdot_kernel *k = &simdot_kernel_table[e];
    if (simdot_tier_arch(k->tier) != SIMDOT_ARCH_aarch64) continue;
    const char *tier = simdot_tier_name(k->tier), *op = simdot_op_name(k->op);
    if (!((supported >> k->tier) & 1)) {
      printf("%s %s: SKIPPED, this CPU lacks its tier\n", op, tier);
      continue;
    }
    const int f32 = k->op == SIMDOT_OP_dot_f32 || k->op == SIMDOT_OP_dots_f32 || k->op == SIMDOT_OP_dotsq_f32;
    const uint64_t a = f32 ? (uint64_t)(uintptr_t)af : (uint64_t)(uintptr_t)a8;
    const uint64_t b = f32 ? (uint64_t)(uintptr_t)bf : (uint64_t)(uintptr_t)b8;
    const uint64_t out = f32 ? (uint64_t)(uintptr_t)outf : (uint64_t)(uintptr_t)out8;
    unsigned before = failures;
    for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
      const uint64_t n = lens[l];
      for (uint64_t nq = 1; nq <= SIMDOT_MAX_BATCH; nq++) {
        uint64_t args[6] = {a, b, n, 9, out, 0};
        if (k->op == SIMDOT_OP_dotsq_i8 || k->op == SIMDOT_OP_dotsq_f32) {
          args[0] = a, args[1] = nq, args[2] = b, args[3] = n, args[4] = 9, args[5] = out;
        } else if (nq > 1) {
          break;  /* the other operations take no query count */
        }
        const uint64_t lost = simdot_abi_call((void *)k->fn, args);
        calls++;
        if (lost) {
          failures++;
          printf("FAIL %s %s n=%llu nq=%llu: not preserved (mask %#llx: bits 0-9 x19-x28, 10-17 d8-d15, 18 sp)\n",
                 op, tier, (unsigned long long)n, (unsigned long long)nq, (unsigned long long)lost);
        }
      }
    }
    /* The i8mm batch kernel's longest rows (its query copy on the stack) and the largest batch. */
    if (k->op == SIMDOT_OP_dotsq_i8) {
      uint64_t args[6] = {(uint64_t)(uintptr_t)a8, SIMDOT_MAX_BATCH, (uint64_t)(uintptr_t)b8, 4096, 9, out};
      const uint64_t lost = simdot_abi_call((void *)k->fn, args);
      calls++;
      if (lost) {
        failures++;
        printf("FAIL %s %s dim 4096 nq 8: not preserved (mask %#llx)\n", op, tier, (unsigned long long)lost);
      }
    }
    printf("%s %s: %s\n", op, tier, failures == before ? "ok" : "FAILED");
  }
  printf("%s: %u calls, %u broke the AAPCS64 contract\n", failures ? "FAIL" : "OK", calls, failures);
  return failures != 0;
}
