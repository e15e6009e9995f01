/*
 * win64_abi.c - proves the Win64 side of asm.h's PROLOGUE/EPILOGUE on the real kernels: every
 * register Win64 declares callee-saved (rbx, rbp, rdi, rsi, r12-r15 and xmm6-xmm15) holds the
 * same value after a kernel returns, the fifth and sixth arguments (dots' out; dotsq's nrows
 * and out) arrive from the stack, results come back in eax / xmm0, and nothing above the
 * argument area is written.
 *
 * Windows only (x86_64-w64-mingw32-gcc); runs under wine64 with the kernels, native/scalar*.c,
 * table.c and cpu_x86_64.cc linked in, as scripts/check-kernels.sh --wine and
 * scripts/build-windows-tests.sh build it. The kernels it calls and their arguments come from
 * x86_kernel_calls.h, which test/windows/unwind.c shares.
 *
 * Each kernel is called through simdot_abi_call (win64_abi_call.S), which loads random values
 * into the callee-saved registers first and records them after. Tiers the CPU lacks are
 * reported as skipped. Exit status 0 when every call kept the contract.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "x86_kernel_calls.h"

typedef struct {
  uint64_t gpr[8];     /* rbx rbp rdi rsi r12 r13 r14 r15 */
  uint64_t xmm[10][2]; /* xmm6 .. xmm15 */
  uint64_t rax;        /* out only */
  uint64_t xmm0[2];    /* out only */
  uint64_t canary_ok;  /* out only */
} abi_state;

_Static_assert(sizeof(abi_state) == 256, "abi_state layout is shared with win64_abi_call.S");

void simdot_abi_call(void *fn, const uint64_t args[6], const abi_state *in, abi_state *out);

static const char *const gpr_names[8] = {"rbx", "rbp", "rdi", "rsi", "r12", "r13", "r14", "r15"};

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t rnd(void) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 2685821657736338717ull;
}

static int8_t a8[8 * 1100], b8[16 * 1100];
static float af[8 * 1100], bf[16 * 1100];
static uint32_t outbuf[96], want[96]; /* out between 8 sentinel words on each side */

static unsigned calls, failures;

static void fail(const kernel *k, size_t n, size_t nrows, size_t nq, const char *what) {
  failures++;
  printf("FAIL %s %s n=%u nrows=%u nq=%u: %s\n", k->tier, k->op, (unsigned)n, (unsigned)nrows,
         (unsigned)nq, what);
}

static void one_call(const kernel *k, size_t n, size_t nrows, size_t nq) {
  abi_state in, out;
  for (int i = 0; i < 8; i++) in.gpr[i] = rnd();
  for (int i = 0; i < 10; i++) in.xmm[i][0] = rnd(), in.xmm[i][1] = rnd();
  memset(&out, 0xcc, sizeof out);
  /* Argument slots a kernel does not have hold values that would fault as pointers: dot and
   * hamming have three arguments, dots and hammings five, the batch kernels six. */
  uint64_t args[6] = {0, 0, 0, 0x1111, 0x2222, 0x3333};
  size_t words = nrows * (nq ? nq : 1);
  for (int i = 0; i < 96; i++) outbuf[i] = 0xdeadbeefu;
  const call_inputs inputs = {a8, b8, af, bf};
  kernel_call(k->kind, &inputs, n, nrows, nq, outbuf + 8, want, args);
  simdot_abi_call(k->fn, args, &in, &out);
  calls++;

  for (int i = 0; i < 8; i++)
    if (out.gpr[i] != in.gpr[i]) {
      char msg[80];
      snprintf(msg, sizeof msg, "%s not preserved", gpr_names[i]);
      fail(k, n, nrows, nq, msg);
    }
  for (int i = 0; i < 10; i++)
    if (out.xmm[i][0] != in.xmm[i][0] || out.xmm[i][1] != in.xmm[i][1]) {
      char msg[80];
      snprintf(msg, sizeof msg, "xmm%d not preserved", i + 6);
      fail(k, n, nrows, nq, msg);
    }
  if (out.canary_ok != 1) fail(k, n, nrows, nq, "wrote into the caller's frame above its arguments");

  switch (k->kind) {
    case DOT_I8:
      if ((int32_t)out.rax != simdot_dot_i8_scalar(a8, b8, n)) fail(k, n, nrows, nq, "wrong eax");
      break;
    case DOT_F32: {
      float got, ref = simdot_dot_f32_scalar(af, bf, n);
      uint32_t bits = (uint32_t)out.xmm0[0];
      memcpy(&got, &bits, 4);
      double d = (double)got - ref;
      if (d < 0) d = -d;
      if (!(d <= 1e-4 * (n + 1))) fail(k, n, nrows, nq, "wrong xmm0");
      break;
    }
    case HAMMING:
      if ((uint32_t)out.rax != simdot_hamming_scalar((const uint8_t *)a8, (const uint8_t *)b8, n)) fail(k, n, nrows, nq, "wrong eax");
      break;
    default:
      for (size_t r = 0; r < words; r++) {
        int ok = outbuf[8 + r] == want[r];
        if (kind_float(k->kind)) {
          float g, w;
          memcpy(&g, &outbuf[8 + r], 4);
          memcpy(&w, &want[r], 4);
          double d = (double)g - w;
          ok = (d < 0 ? -d : d) <= 1e-4 * (n + 1);
        }
        if (!ok) {
          fail(k, n, nrows, nq, nq ? "wrong out[] (stack arguments or results)"
                                   : "wrong out[] (fifth argument or results)");
          break;
        }
      }
      for (int i = 0; i < 8; i++)
        if (outbuf[i] != 0xdeadbeefu || outbuf[8 + words + i] != 0xdeadbeefu) {
          fail(k, n, nrows, nq, "wrote outside out[]");
          break;
        }
      break;
  }
}

int main(void) {
  for (size_t i = 0; i < sizeof a8; i++) a8[i] = (int8_t)rnd();
  for (size_t i = 0; i < sizeof b8; i++) b8[i] = (int8_t)rnd();
  for (size_t i = 0; i < sizeof af / sizeof af[0]; i++) af[i] = (float)((int)(rnd() % 2001) - 1000) / 1000.0f;
  for (size_t i = 0; i < sizeof bf / sizeof bf[0]; i++) bf[i] = (float)((int)(rnd() % 2001) - 1000) / 1000.0f;

  kernel kernels[64];
  const size_t nkernels = x86_kernels(kernels, 64);
  const uint32_t supported = simdot_supported_tiers(simdot_detect_cpu_features());
  static const size_t dims[] = {0, 1, 15, 16, 17, 63, 64, 65, 129, 1000};
  static const size_t nrows_list[] = {0, 1, 3, 4, 5, 8, 9};
  for (int t = 0; t < SIMDOT_TIER_COUNT; t++) {
    if (simdot_tier_arch((simdot_tier)t) != SIMDOT_ARCH_x86_64) continue;
    printf("tier %s: %s\n", simdot_tier_name((simdot_tier)t),
           (supported >> t) & 1 ? "running" : "SKIPPED, this CPU lacks its features");
  }
  for (size_t k = 0; k < nkernels; k++) {
    const kernel *kp = &kernels[k];
    if (!kp->runs) continue;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
      if (kind_single(kp->kind)) {
        one_call(kp, dims[d], 0, 0);
      } else if (kind_rows(kp->kind)) {
        for (size_t r = 0; r < sizeof nrows_list / sizeof nrows_list[0]; r++)
          one_call(kp, dims[d], nrows_list[r], 0);
      } else {
        /* every nq (each has its own code) with a remainder row or none */
        for (size_t r = 0; r < sizeof nrows_list / sizeof nrows_list[0]; r++)
          for (size_t nq = 1; nq <= SIMDOT_MAX_BATCH; nq++)
            one_call(kp, dims[d], nrows_list[r], nq);
      }
    }
  }
  printf("win64 abi: %u calls, %u failures\n", calls, failures);
  return failures ? 1 : 0;
}
