/*
 * x86_kernel_calls.h - what the two Win64 tests (test/native/win64_abi.c and
 * test/windows/unwind.c) share: the x86-64 kernels of the addon's dispatch table with whether
 * this CPU runs each, and each kernel's arguments and scalar reference. Header-only; each test
 * calls the kernels through its own assembly trampoline and checks what it checks.
 */
#ifndef SIMDOT_X86_KERNEL_CALLS_H
#define SIMDOT_X86_KERNEL_CALLS_H

#include <stdint.h>

#include "../../native/kernels.h"

/* The kinds of call, one per operation (ops.def). */
enum {
  DOT_I8 = SIMDOT_OP_dot_i8,
  DOT_F32 = SIMDOT_OP_dot_f32,
  DOTS_I8 = SIMDOT_OP_dots_i8,
  DOTS_F32 = SIMDOT_OP_dots_f32,
  DOTSQ_I8 = SIMDOT_OP_dotsq_i8,
  DOTSQ_F32 = SIMDOT_OP_dotsq_f32,
  HAMMING = SIMDOT_OP_hamming,
  HAMMINGS = SIMDOT_OP_hammings,
  HAMMINGSQ = SIMDOT_OP_hammingsq
};

typedef struct {
  const char *tier, *op;
  int kind;
  void *fn;
  int runs; /* this CPU has the tier and every feature the kernel needs beyond it */
} kernel;

/* One result in rax or xmm0 (dot, hamming); one per row (dots, hammings); one per row and
 * query (the batch kernels). */
static inline int kind_single(int kind) { return kind == DOT_I8 || kind == DOT_F32 || kind == HAMMING; }
static inline int kind_rows(int kind) { return kind == DOTS_I8 || kind == DOTS_F32 || kind == HAMMINGS; }
static inline int kind_float(int kind) { return kind == DOT_F32 || kind == DOTS_F32 || kind == DOTSQ_F32; }

/* Every x86-64 kernel of the dispatch table (native/table.c), and the avx2 dots_i8 variant for
 * rows in the L3 cache, into k (at most max); returns how many. A kernel that needs a feature
 * beyond its tier (POPCNT, AVX512_VPOPCNTDQ) runs only where the CPU has it, as the addon's
 * dispatch decides. */
static inline size_t x86_kernels(kernel *k, size_t max) {
  const uint32_t cpu = simdot_detect_cpu_features();
  const uint32_t supported = simdot_supported_tiers(cpu);
  size_t n = 0;
  for (size_t e = 0; e < simdot_kernel_count && n + 1 < max; e++) {
    const simdot_kernel *t = &simdot_kernel_table[e];
    if (simdot_tier_arch(t->tier) != SIMDOT_ARCH_x86_64) continue;
    k[n++] = (kernel){simdot_tier_name(t->tier), simdot_op_name(t->op), (int)t->op, (void *)t->fn,
                      ((supported >> t->tier) & 1) && (cpu & t->extra_features) == t->extra_features};
  }
  k[n++] = (kernel){"avx2", "dots_i8_cached", DOTS_I8, (void *)simdot_dots_i8_cached_avx2,
                    (int)((supported >> SIMDOT_TIER_avx2) & 1)};
  return n;
}

/* The inputs of every call: int8 a and b (whose bytes are also the bit vectors of the Hamming
 * kernels) and float32 a and b, each long enough for the largest call a test makes. */
typedef struct {
  const int8_t *a8, *b8;
  const float *af, *bf;
} call_inputs;

/* Sets the argument slots a kernel of this kind has (a caller's values stay in the others) and,
 * for the row and batch kinds, writes the scalar kernel's results to want; a batch of nq outside
 * 1..SIMDOT_MAX_BATCH, which the kernels decline, leaves want alone. */
static inline void kernel_call(int kind, const call_inputs *in, size_t n, size_t nrows, size_t nq, void *out,
                               uint32_t *want, uint64_t args[6]) {
  const int fl = kind_float(kind);
  const uintptr_t a = fl ? (uintptr_t)in->af : (uintptr_t)in->a8;
  const uintptr_t b = fl ? (uintptr_t)in->bf : (uintptr_t)in->b8;
  const uint8_t *a_bits = (const uint8_t *)in->a8, *b_bits = (const uint8_t *)in->b8;
  if (kind_single(kind)) {
    args[0] = a, args[1] = b, args[2] = n;
    return;
  }
  if (kind_rows(kind)) {
    args[0] = a, args[1] = b, args[2] = n, args[3] = nrows, args[4] = (uintptr_t)out;
    if (kind == DOTS_I8) simdot_dots_i8_scalar(in->a8, in->b8, n, nrows, (int32_t *)want);
    else if (kind == DOTS_F32) simdot_dots_f32_scalar(in->af, in->bf, n, nrows, (float *)want);
    else simdot_hammings_scalar(a_bits, b_bits, n, nrows, want);
    return;
  }
  args[0] = a, args[1] = nq, args[2] = b, args[3] = n, args[4] = nrows, args[5] = (uintptr_t)out;
  if (nq < 1 || nq > SIMDOT_MAX_BATCH) return;
  if (kind == DOTSQ_I8) simdot_dotsq_i8_scalar(in->a8, nq, in->b8, n, nrows, (int32_t *)want);
  else if (kind == DOTSQ_F32) simdot_dotsq_f32_scalar(in->af, nq, in->bf, n, nrows, (float *)want);
  else simdot_hammingsq_scalar(a_bits, nq, b_bits, n, nrows, want);
}

#endif
