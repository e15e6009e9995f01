/*
 * aarch64_abi.c - proves the AAPCS64 register contract on the real kernels: every aarch64 kernel
 * of the dispatch table (native/table.c) whose tier this CPU runs gives back x19-x28, d8-d15 and
 * sp as it found them (the batch kernels use all 32 vector registers and save d8-d15), for a
 * spread of lengths and, for the batch kernels, every query count. Each call goes through
 * simdot_abi_call (aarch64_abi_call.S), which sets those registers to patterns first, with the
 * arguments laid out as the operation's call kind (call_kind below) says.
 *
 * Built and run under qemu-aarch64 by scripts/check-kernels.sh --aarch64. Exit status 0 when
 * every call kept the contract.
 */
#include <stdint.h>
#include <stdio.h>

#include "../../native/kernels.h"

uint64_t simdot_abi_call(void *fn, const uint64_t args[6]);

/* How each operation is called: the shape of its arguments and the element type its pointers
 * take. Every operation needs an entry (a new one without it fails the test, rather than being
 * called with the wrong arguments). */
enum call_shape {
  PAIR = 1, /* (a, b, n): dot_*, hamming */
  ROWS,     /* (q, rows, n, nrows, out): dots_*, hammings */
  BATCH,    /* (queries, nq, rows, n, nrows, out): dotsq_*, hammingsq */
};
enum call_elem { I8, F32, U8 };
static const struct {
  enum call_shape shape;
  enum call_elem elem;
} call_kind[SIMDOT_OP_COUNT] = {
    [SIMDOT_OP_dot_i8] = {PAIR, I8},     [SIMDOT_OP_dot_f32] = {PAIR, F32},
    [SIMDOT_OP_dots_i8] = {ROWS, I8},    [SIMDOT_OP_dots_f32] = {ROWS, F32},
    [SIMDOT_OP_dotsq_i8] = {BATCH, I8},  [SIMDOT_OP_dotsq_f32] = {BATCH, F32},
    [SIMDOT_OP_hamming] = {PAIR, U8},    [SIMDOT_OP_hammings] = {ROWS, U8},
    [SIMDOT_OP_hammingsq] = {BATCH, U8},
};

/* The Hamming kernels widen their narrow sums in blocks (asm/aarch64/aarch64_tuning.h): rows
 * longer than one block of either kind run the block-boundary code too. */
#define U8_LONG 65600
static int8_t a8[8 * 4200], b8[9 * 4200];
static float af[8 * 300], bf[9 * 300];
static uint8_t au[8 * U8_LONG], bu[9 * U8_LONG];
static uint32_t out32[8 * 9];
static float outf[8 * 9];

static unsigned calls, failures;

/* One call of fn with n and nq (BATCH only) in the argument layout of `shape`. */
static void call(void *fn, enum call_shape shape, uint64_t a, uint64_t b, uint64_t out, uint64_t n, uint64_t nq,
                 const char *op, const char *tier) {
  uint64_t args[6] = {a, b, n, 9, out, 0};
  if (shape == BATCH) args[0] = a, args[1] = nq, args[2] = b, args[3] = n, args[4] = 9, args[5] = out;
  const uint64_t lost = simdot_abi_call(fn, args);
  calls++;
  if (lost) {
    failures++;
    printf("FAIL %s %s n=%llu nq=%llu: not preserved (mask %#llx: bits 0-9 x19-x28, 10-17 d8-d15, 18 sp)\n", op, tier,
           (unsigned long long)n, (unsigned long long)nq, (unsigned long long)lost);
  }
}

int main(void) {
  const uint32_t supported = simdot_supported_tiers(simdot_detect_cpu_features());
  for (size_t i = 0; i < sizeof a8; i++) a8[i] = (int8_t)(i * 37 + 11);
  for (size_t i = 0; i < sizeof b8; i++) b8[i] = (int8_t)(i * 53 + 7);
  for (size_t i = 0; i < sizeof af / sizeof af[0]; i++) af[i] = (float)(int)(i % 17) / 8 - 1;
  for (size_t i = 0; i < sizeof bf / sizeof bf[0]; i++) bf[i] = (float)(int)(i % 13) / 4 - 1.5f;
  for (size_t i = 0; i < sizeof au; i++) au[i] = (uint8_t)(i * 37 + 11);
  for (size_t i = 0; i < sizeof bu; i++) bu[i] = (uint8_t)(i * 53 + 7);
  static const uint64_t lens[] = {1, 15, 16, 17, 64, 100, 257, 299};
  for (size_t e = 0; e < simdot_kernel_count; e++) {
    const simdot_kernel *k = &simdot_kernel_table[e];
    if (simdot_tier_arch(k->tier) != SIMDOT_ARCH_aarch64) continue;
    const char *tier = simdot_tier_name(k->tier), *op = simdot_op_name(k->op);
    if ((unsigned)k->op >= SIMDOT_OP_COUNT || !call_kind[k->op].shape) {
      failures++;
      printf("FAIL %s %s: no call kind for this operation in aarch64_abi.c\n", op, tier);
      continue;
    }
    if (!((supported >> k->tier) & 1)) {
      printf("%s %s: SKIPPED, this CPU lacks its tier\n", op, tier);
      continue;
    }
    const enum call_shape shape = call_kind[k->op].shape;
    const enum call_elem elem = call_kind[k->op].elem;
    const uint64_t a = (uint64_t)(uintptr_t)(elem == F32 ? (void *)af : elem == U8 ? (void *)au : (void *)a8);
    const uint64_t b = (uint64_t)(uintptr_t)(elem == F32 ? (void *)bf : elem == U8 ? (void *)bu : (void *)b8);
    const uint64_t out = (uint64_t)(uintptr_t)(elem == F32 ? (void *)outf : (void *)out32);
    const uint64_t max_nq = shape == BATCH ? SIMDOT_MAX_BATCH : 1;
    unsigned before = failures;
    for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
      for (uint64_t nq = 1; nq <= max_nq; nq++) call((void *)k->fn, shape, a, b, out, lens[l], nq, op, tier);
    /* The i8mm batch kernel's longest rows (its query copy on the stack) and the largest batch. */
    if (k->op == SIMDOT_OP_dotsq_i8) call((void *)k->fn, shape, a, b, out, 4096, SIMDOT_MAX_BATCH, op, tier);
    /* Past the Hamming kernels' block lengths, with one and with the most queries. */
    if (elem == U8) {
      static const uint64_t long_lens[] = {4200, U8_LONG};
      for (size_t l = 0; l < 2; l++) {
        call((void *)k->fn, shape, a, b, out, long_lens[l], 1, op, tier);
        if (shape == BATCH) call((void *)k->fn, shape, a, b, out, long_lens[l], SIMDOT_MAX_BATCH, op, tier);
      }
    }
    printf("%s %s: %s\n", op, tier, failures == before ? "ok" : "FAILED");
  }
  printf("%s: %u calls, %u broke the AAPCS64 contract\n", failures ? "FAIL" : "OK", calls, failures);
  return failures != 0;
}
