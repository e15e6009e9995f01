/*
 * unwind.c - proves the Win64 unwind data (.pdata/.xdata) that asm/include/asm.h gives every
 * assembly kernel: Windows can walk the stack out of a kernel from any instruction, as it must
 * for a debugger, a crash dump, a profiler's sample, or an exception that another thread or the
 * OS raises while a kernel runs.
 *
 * Every x86-64 kernel of the dispatch table (native/table.c) on the tiers this CPU runs, and the
 * avx2 dots_i8 variant for cached rows, is called with the trap flag set (unwind_call.S), so
 * each instruction it executes, in its hidden bodies too, raises a single-step exception. At
 * each one a vectored handler walks the stack the way Windows does (RtlLookupFunctionEntry,
 * RtlVirtualUnwind) and requires:
 *   - unwind data for every function the walk passes through;
 *   - the walk reaches the caller's return address within 3 frames;
 *   - there rsp is the caller's and rbx, rbp, rdi, rsi, r12-r15 and xmm6-xmm15 hold the caller's
 *     values, which the kernel may at that moment have saved on the stack and overwritten.
 * The sizes go through every path: early returns, the small, four-row and streaming loops, each
 * batch size of dotsq. Results are compared with the portable C kernels as well.
 *
 * Windows only (x86_64-w64-mingw32-gcc; scripts/check-windows.sh builds and runs it under wine).
 * Prints, per function, how many distinct instructions it stepped; exit status 0 when every walk
 * from every instruction was right.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "../native/x86_kernel_calls.h"

typedef struct {
  uint64_t gpr[8];     /* rbx rbp rdi rsi r12 r13 r14 r15 */
  uint64_t xmm[10][2]; /* xmm6 .. xmm15 */
  uint64_t rax;        /* out only */
  uint64_t xmm0;       /* out only */
  uint64_t pad[2];
} unwind_regs;

_Static_assert(sizeof(unwind_regs) == 256, "unwind_regs layout is shared with unwind_call.S");

void simdot_unwind_call(void *fn, const uint64_t args[6], const unwind_regs *in, unwind_regs *out);
extern char simdot_unwind_return[], simdot_unwind_call_end[];
extern uint64_t simdot_unwind_rsp;

/* The hidden bodies: not in the dispatch table, but every walk from inside them must work too. */
void simdot_dots_i8_body_avx2(void);
void simdot_dots_f32_body_avx2(void);
void simdot_dots_i8_body_avx512vnni(void);
void simdot_dots_f32_body_avx512vnni(void);
void simdot_hammingsq_body_avx2(void);
void simdot_hammingsq_body_avx512vnni(void);

static const char *const gpr_names[8] = {"rbx", "rbp", "rdi", "rsi", "r12", "r13", "r14", "r15"};

static uint64_t rng = 0x13198a2e03707344ull;
static uint64_t rnd(void) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 2685821657736338717ull;
}

/* Functions seen: start address, name, the distinct instruction offsets stepped (a bitmap). */
#define MAX_FUNCS 64
#define MAX_FUNC_BYTES (1u << 17)
static struct {
  uintptr_t start;
  const char *name;
  uint8_t seen[MAX_FUNC_BYTES / 8];
  unsigned distinct;
} funcs[MAX_FUNCS];
static size_t nfuncs;

static void name_function(uintptr_t start, const char *name) {
  for (size_t i = 0; i < nfuncs; i++)
    if (funcs[i].start == start) return;
  if (nfuncs < MAX_FUNCS) funcs[nfuncs].start = start, funcs[nfuncs++].name = name;
}

static const char *where(uintptr_t pc, char *buf, size_t len) {
  for (size_t i = 0; i < nfuncs; i++)
    if (pc >= funcs[i].start && pc - funcs[i].start < MAX_FUNC_BYTES) {
      /* the nearest start below pc */
      size_t best = i;
      for (size_t j = 0; j < nfuncs; j++)
        if (funcs[j].start <= pc && funcs[j].start > funcs[best].start) best = j;
      snprintf(buf, len, "%s+0x%x", funcs[best].name, (unsigned)(pc - funcs[best].start));
      return buf;
    }
  snprintf(buf, len, "0x%llx", (unsigned long long)pc);
  return buf;
}

static const unwind_regs *current_in;
static const char *current_call;
static unsigned long long steps, failures;
static int call_failed;

static void failure(const char *fmt, uintptr_t pc, const char *detail) {
  failures++;
  if (call_failed++ >= 3) return; /* the first few of one call say enough */
  char buf[96];
  printf("FAIL %s: at %s: ", current_call, where(pc, buf, sizeof buf));
  printf(fmt, detail);
  printf("\n");
}

static void note_step(uintptr_t function, uintptr_t pc) {
  for (size_t i = 0; i < nfuncs; i++)
    if (funcs[i].start == function) {
      size_t off = pc - function;
      if (off < MAX_FUNC_BYTES && !(funcs[i].seen[off / 8] & (1u << (off % 8)))) {
        funcs[i].seen[off / 8] |= (uint8_t)(1u << (off % 8));
        funcs[i].distinct++;
      }
      return;
    }
}

/* Walk from ctx (a copy) to the caller of the kernel and compare. */
static void walk(const CONTEXT *ctx) {
  CONTEXT c;
  memcpy(&c, ctx, sizeof c);
  const uintptr_t pc0 = (uintptr_t)c.Rip;
  for (int frame = 0;; frame++) {
    if (frame == 3) {
      char buf[96];
      failure("the walk did not reach the caller within 3 frames (it got to %s)", pc0, where((uintptr_t)c.Rip, buf, sizeof buf));
      return;
    }
    DWORD64 base = 0;
    PRUNTIME_FUNCTION fe = RtlLookupFunctionEntry(c.Rip, &base, NULL);
    if (!fe) {
      char buf[96];
      failure("no unwind data for %s", pc0, where((uintptr_t)c.Rip, buf, sizeof buf));
      return;
    }
    if (frame == 0) note_step((uintptr_t)(base + fe->BeginAddress), pc0);
    PVOID handler_data = NULL;
    DWORD64 establisher = 0;
    RtlVirtualUnwind(UNW_FLAG_NHANDLER, base, c.Rip, fe, &c, &handler_data, &establisher, NULL);
    if ((uintptr_t)c.Rip == (uintptr_t)simdot_unwind_return) break;
  }
  if (c.Rsp != simdot_unwind_rsp) failure("%s", pc0, "the caller's rsp came out wrong");
  const DWORD64 gprs[8] = {c.Rbx, c.Rbp, c.Rdi, c.Rsi, c.R12, c.R13, c.R14, c.R15};
  for (int i = 0; i < 8; i++)
    if (gprs[i] != current_in->gpr[i]) failure("the caller's %s came out wrong", pc0, gpr_names[i]);
  const M128A *xmm = &c.Xmm6;
  for (int i = 0; i < 10; i++)
    if (xmm[i].Low != current_in->xmm[i][0] || (uint64_t)xmm[i].High != current_in->xmm[i][1]) {
      static const char *const names[10] = {"xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                                            "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"};
      failure("the caller's %s came out wrong", pc0, names[i]);
    }
}

static LONG CALLBACK on_exception(EXCEPTION_POINTERS *ep) {
  if (ep->ExceptionRecord->ExceptionCode != EXCEPTION_SINGLE_STEP) return EXCEPTION_CONTINUE_SEARCH;
  CONTEXT *ctx = ep->ContextRecord;
  const uintptr_t pc = (uintptr_t)ctx->Rip;
  if (pc == (uintptr_t)simdot_unwind_return) {
    ctx->EFlags &= ~0x100u;
    return EXCEPTION_CONTINUE_EXECUTION;
  }
  /* The trampoline's own instructions are not under test. */
  if (!(pc >= (uintptr_t)simdot_unwind_call && pc < (uintptr_t)simdot_unwind_call_end)) {
    steps++;
    walk(ctx);
  }
  ctx->EFlags |= 0x100u;
  return EXCEPTION_CONTINUE_EXECUTION;
}

#define MAXN 1200
static int8_t a8[8 * MAXN], b8[16 * MAXN];
static float af[8 * MAXN], bf[16 * MAXN];
static uint32_t outbuf[128], want[128];
static unsigned calls, wrong_results;

static int close_enough(float got, float ref, size_t n) {
  double d = (double)got - ref;
  return (d < 0 ? -d : d) <= 1e-4 * (double)(n + 1);
}

static void one_call(const kernel *k, size_t n, size_t nrows, size_t nq) {
  unwind_regs in, out;
  for (int i = 0; i < 8; i++) in.gpr[i] = rnd();
  for (int i = 0; i < 10; i++) in.xmm[i][0] = rnd(), in.xmm[i][1] = rnd();
  memset(&out, 0xcc, sizeof out);
  uint64_t args[6] = {0, 0, 0, 0, 0, 0};
  size_t words = nrows * (nq ? nq : 1);
  if (words > 128) words = 128;
  memset(outbuf, 0, sizeof outbuf);
  const call_inputs inputs = {a8, b8, af, bf};
  kernel_call(k->kind, &inputs, n, nrows, nq, outbuf, want, args);
  char label[96];
  snprintf(label, sizeof label, "%s %s n=%u nrows=%u nq=%u", k->tier, k->op, (unsigned)n, (unsigned)nrows, (unsigned)nq);
  current_call = label;
  current_in = &in;
  call_failed = 0;
  simdot_unwind_call(k->fn, args, &in, &out);
  calls++;

  /* The call itself kept the contract and gave the right answer under single-stepping. */
  for (int i = 0; i < 8; i++)
    if (out.gpr[i] != in.gpr[i]) failure("%s not preserved by the call", (uintptr_t)k->fn, gpr_names[i]);
  for (int i = 0; i < 10; i++)
    if (out.xmm[i][0] != in.xmm[i][0] || out.xmm[i][1] != in.xmm[i][1])
      failure("%s not preserved by the call", (uintptr_t)k->fn, "an xmm register of xmm6-15");
  int ok = 1;
  switch (k->kind) {
    case DOT_I8: ok = (int32_t)out.rax == simdot_dot_i8_scalar(a8, b8, n); break;
    case DOT_F32: {
      float got;
      uint32_t bits = (uint32_t)out.xmm0;
      memcpy(&got, &bits, 4);
      ok = close_enough(got, simdot_dot_f32_scalar(af, bf, n), n);
      break;
    }
    case HAMMING: ok = (uint32_t)out.rax == simdot_hamming_scalar((const uint8_t *)a8, (const uint8_t *)b8, n); break;
    default:
      if (!kind_rows(k->kind) && (nq < 1 || nq > SIMDOT_MAX_BATCH)) break;
      for (size_t r = 0; r < words; r++) {
        if (kind_float(k->kind)) {
          float g, w;
          memcpy(&g, &outbuf[r], 4);
          memcpy(&w, &want[r], 4);
          if (!close_enough(g, w, n)) ok = 0;
        } else if (outbuf[r] != want[r]) {
          ok = 0;
        }
      }
  }
  if (!ok) {
    wrong_results++;
    printf("FAIL %s: wrong result\n", label);
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  for (size_t i = 0; i < sizeof a8; i++) a8[i] = (int8_t)rnd();
  for (size_t i = 0; i < sizeof b8; i++) b8[i] = (int8_t)rnd();
  for (size_t i = 0; i < sizeof af / sizeof af[0]; i++) af[i] = (float)((int)(rnd() % 2001) - 1000) / 1000.0f;
  for (size_t i = 0; i < sizeof bf / sizeof bf[0]; i++) bf[i] = (float)((int)(rnd() % 2001) - 1000) / 1000.0f;

  const uint32_t supported = simdot_supported_tiers(simdot_detect_cpu_features());
  kernel kernels[64];
  const size_t nkernels = x86_kernels(kernels, 64);

  static char names[64][48];
  for (size_t k = 0; k < nkernels; k++) {
    snprintf(names[k], sizeof names[k], "simdot_%s_%s", kernels[k].op, kernels[k].tier);
    name_function((uintptr_t)kernels[k].fn, names[k]);
  }
  name_function((uintptr_t)simdot_dots_i8_body_avx2, "simdot_dots_i8_body_avx2");
  name_function((uintptr_t)simdot_dots_f32_body_avx2, "simdot_dots_f32_body_avx2");
  name_function((uintptr_t)simdot_dots_i8_body_avx512vnni, "simdot_dots_i8_body_avx512vnni");
  name_function((uintptr_t)simdot_dots_f32_body_avx512vnni, "simdot_dots_f32_body_avx512vnni");
  name_function((uintptr_t)simdot_hammingsq_body_avx2, "simdot_hammingsq_body_avx2");
  name_function((uintptr_t)simdot_hammingsq_body_avx512vnni, "simdot_hammingsq_body_avx512vnni");

  /* Every function must have unwind data at its first byte, whether or not this CPU runs it. */
  unsigned missing = 0;
  for (size_t i = 0; i < nfuncs; i++) {
    DWORD64 base = 0;
    PRUNTIME_FUNCTION fe = RtlLookupFunctionEntry(funcs[i].start, &base, NULL);
    if (!fe || base + fe->BeginAddress != funcs[i].start) {
      printf("FAIL %s: no unwind data that starts at its first instruction\n", funcs[i].name);
      missing++;
    }
  }
  printf("unwind data: %u of %u functions (exported kernels and hidden bodies) have an entry\n",
         (unsigned)(nfuncs - missing), (unsigned)nfuncs);

  for (int t = 0; t < SIMDOT_TIER_COUNT; t++) {
    if (simdot_tier_arch((simdot_tier)t) != SIMDOT_ARCH_x86_64) continue;
    printf("tier %s: %s\n", simdot_tier_name((simdot_tier)t),
           (supported >> t) & 1 ? "running" : "SKIPPED, this CPU lacks its features");
  }
  if (!AddVectoredExceptionHandler(1, on_exception)) {
    printf("FAIL AddVectoredExceptionHandler\n");
    return 1;
  }
  static const size_t dims[] = {0, 5, 40, 300, 1100};
  static const size_t nrows_list[] = {0, 1, 5, 9};
  for (size_t k = 0; k < nkernels; k++) {
    const kernel *kp = &kernels[k];
    if (!kp->runs) continue;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
      if (kind_single(kp->kind)) {
        one_call(kp, dims[d], 0, 0);
      } else if (kind_rows(kp->kind)) {
        for (size_t r = 0; r < sizeof nrows_list / sizeof nrows_list[0]; r++) one_call(kp, dims[d], nrows_list[r], 0);
      } else if (dims[d] <= 300) {
        /* every batch size (each has its own code), and the sizes a kernel declines */
        for (size_t nq = 0; nq <= SIMDOT_MAX_BATCH + 1; nq++) one_call(kp, dims[d], dims[d] ? 9 : 5, nq);
        one_call(kp, dims[d], 0, 3);
      }
    }
  }
  for (size_t i = 0; i < nfuncs; i++)
    if (funcs[i].distinct) printf("  %-34s %5u instructions stepped, each walked out of\n", funcs[i].name, funcs[i].distinct);
  printf("unwind: %u calls, %llu instructions stepped, %llu failed walks, %u wrong results\n", calls, steps,
         failures, wrong_results);
  return failures || wrong_results || missing ? 1 : 0;
}
