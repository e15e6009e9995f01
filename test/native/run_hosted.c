/*
 * run_hosted.c - runs the kernel conformance check (check.c) on this machine: the scalar
 * kernels as a sanity check of the check itself, then every tier of this architecture's ladder
 * that this CPU (and its OS) supports, each with the kernels the addon's own dispatch table
 * (native/table.c) and CPU detection (native/cpu_<arch>.cc) choose for it. Tiers the CPU lacks
 * are reported as skipped. Exit status 0 only when every tier
 * that ran passed; 1 on any failure; 2 on a usage error.
 *
 *   run_hosted                 all supported tiers
 *   run_hosted avx2 scalar     just these (a named tier the CPU lacks is reported, not run)
 *
 * Guard pages: check.c's guarded cases get memory from mmap (VirtualAlloc on Windows) with an
 * inaccessible page on each side, so a kernel that reads or writes one byte outside its ranges
 * dies with SIGSEGV (reported with the faulting address) instead of passing by luck.
 *
 * Builds on Linux, macOS and Windows (mingw-w64: the same check runs under wine64).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#if defined(_WIN32)
#  include <windows.h>
#else
#  include <sys/mman.h>
#  include <unistd.h>
#endif

/* ------------------------------------------------------------------ guard pages ---- */

#define MAX_MAPS 8
static struct {
  unsigned char *base;
  size_t len;
} maps[MAX_MAPS];
static int nmaps;
static size_t page_size = 4096;

static void *guard_alloc(size_t n) {
  if (nmaps == MAX_MAPS) return NULL;
  size_t pages = (n + page_size - 1) / page_size;
  size_t len = (pages + 2) * page_size;
  unsigned char *base;
#if defined(_WIN32)
  base = VirtualAlloc(NULL, len, MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS);
  if (!base) return NULL;
  DWORD old;
  if (pages && !VirtualProtect(base + page_size, pages * page_size, PAGE_READWRITE, &old)) {
    VirtualFree(base, 0, MEM_RELEASE);
    return NULL;
  }
#else
  base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return NULL;
  if (pages && mprotect(base + page_size, pages * page_size, PROT_READ | PROT_WRITE) != 0) {
    munmap(base, len);
    return NULL;
  }
#endif
  maps[nmaps].base = base;
  maps[nmaps].len = len;
  nmaps++;
  return base + page_size + pages * page_size - n;
}

static void guard_reset(void) {
  for (int i = 0; i < nmaps; i++) {
#if defined(_WIN32)
    VirtualFree(maps[i].base, 0, MEM_RELEASE);
#else
    munmap(maps[i].base, maps[i].len);
#endif
  }
  nmaps = 0;
}

/* ------------------------------------------------------------- crash reporting ---- */

static const char *current_tier = "-";

#if defined(_WIN32)
static LONG WINAPI on_exception(EXCEPTION_POINTERS *e) {
  DWORD code = e->ExceptionRecord->ExceptionCode;
  fprintf(stdout, "\n%s: CRASHED with exception 0x%08lx", current_tier, (unsigned long)code);
  if (code == EXCEPTION_ACCESS_VIOLATION && e->ExceptionRecord->NumberParameters >= 2)
    fprintf(stdout, " at address %p", (void *)e->ExceptionRecord->ExceptionInformation[1]);
  const check_case_info *c = check_current();
  fprintf(stdout, " in %s n=%lu nrows=%lu nq=%lu%s\n", c->op, (unsigned long)c->n,
          (unsigned long)c->nrows, (unsigned long)c->nq,
          c->guarded ? " placed against guard pages" : "");
  fflush(stdout);
  ExitProcess(1);
  return EXCEPTION_CONTINUE_SEARCH;
}
#else
static void on_fault(int sig, siginfo_t *si, void *ctx) {
  (void)ctx;
  char buf[256];
  int in_guard = 0;
  for (int i = 0; i < nmaps; i++) {
    unsigned char *a = si->si_addr;
    if (a >= maps[i].base && a < maps[i].base + maps[i].len) in_guard = 1;
  }
  const check_case_info *c = check_current();
  int len = snprintf(buf, sizeof buf,
                     "\n%s: CRASHED with %s at address %p%s in %s n=%zu nrows=%zu nq=%zu%s\n",
                     current_tier, sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : "SIGILL",
                     si->si_addr,
                     in_guard ? " (a guard page: read or write outside the buffers)" : "", c->op,
                     c->n, c->nrows, c->nq, c->guarded ? " placed against guard pages" : "");
  if (len > 0) {
    ssize_t w = write(1, buf, (size_t)len);
    (void)w;
  }
  _exit(1);
}
#endif

static void install_handlers(void) {
#if defined(_WIN32)
  SetUnhandledExceptionFilter(on_exception);
  SYSTEM_INFO si;
  GetSystemInfo(&si);
  page_size = si.dwPageSize;
#else
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);
  long ps = sysconf(_SC_PAGESIZE);
  if (ps > 0) page_size = (size_t)ps;
#endif
}

/* ------------------------------------------------------------------------ tiers ---- */

static void print_line(const char *text) {
  fputs(text, stdout);
  fflush(stdout);
}

/* The tiers to check: this architecture's ladder and scalar, from the addon's own dispatch table
 * (native/table.c), each with the kernels the addon runs when capped at that tier; plus, on
 * x86-64, the Hamming kernels of CPUs without POPCNT or AVX512_VPOPCNTDQ and the avx2 dots_i8
 * variant for rows expected in the L3 cache (a farther prefetch). */
#define MAX_TIERS (SIMDOT_TIER_COUNT + 3)
static struct {
  check_tier tier;
  char kernels[160]; /* which tier each operation's kernel belongs to, for the report */
  int supported;
} tiers[MAX_TIERS];
static size_t ntiers;

static void add_tier(simdot_tier t, uint32_t cpu, uint32_t supported) {
  tiers[ntiers].tier = check_tier_for(t, cpu, tiers[ntiers].kernels, sizeof tiers[ntiers].kernels);
  tiers[ntiers].supported = (supported >> t) & 1;
  ntiers++;
}

/* Only the Hamming kernels of tier t as the table picks them for the features `cpu`, when this
 * CPU has features beyond those (`supported` says whether t runs here at all). */
static void add_hamming_variant(const char *name, simdot_tier t, uint32_t cpu, uint32_t supported) {
  check_tier c = check_tier_for(t, cpu, tiers[ntiers].kernels, sizeof tiers[ntiers].kernels);
  check_tier only = {name, NULL, NULL, NULL, NULL, NULL, NULL, c.hamming, c.hammings, c.hammingsq};
  const char *ham = strstr(tiers[ntiers].kernels, "hamming");
  if (ham) memmove(tiers[ntiers].kernels, ham, strlen(ham) + 1);
  tiers[ntiers].tier = only;
  tiers[ntiers].supported = (supported >> t) & 1;
  ntiers++;
}

static void collect_tiers(void) {
  const uint32_t cpu = simdot_detect_cpu_features();
  const uint32_t supported = simdot_supported_tiers(cpu);
  /* scalar first: a sanity check of the check itself. */
  add_tier(SIMDOT_TIER_scalar, cpu, supported);
  for (int t = 0; t < SIMDOT_TIER_COUNT; t++) {
    const simdot_arch arch = simdot_tier_arch((simdot_tier)t);
    if (arch == SIMDOT_THIS_ARCH && arch != SIMDOT_ARCH_any) add_tier((simdot_tier)t, cpu, supported);
  }
#if !defined(SIMDOT_NO_ASM) && (defined(__x86_64__) || defined(_M_X64))
  /* The Hamming kernels a CPU with fewer features gets, where this one has them: the plain
   * portable ones without POPCNT, and on an AVX-512 VNNI CPU without AVX512_VPOPCNTDQ (Cascade
   * Lake) the avx2 ones, as the table picks them. */
  add_hamming_variant("scalar-no-popcnt", SIMDOT_TIER_scalar, cpu & ~SIMDOT_F(popcnt), supported);
  add_hamming_variant("avx512vnni-no-vpopcntdq", SIMDOT_TIER_avx512vnni, cpu & ~SIMDOT_F(avx512vpopcntdq),
                      supported & (cpu & SIMDOT_F(avx512vpopcntdq) ? ~0u : 0u));
  check_tier cached = {"avx2-cached", NULL, NULL, simdot_dots_i8_cached_avx2, NULL, NULL, NULL, NULL, NULL, NULL};
  tiers[ntiers].tier = cached;
  strcpy(tiers[ntiers].kernels, "dots_i8=avx2 (the L3-resident variant)");
  tiers[ntiers].supported = (supported >> SIMDOT_TIER_avx2) & 1;
  ntiers++;
#endif
}

int main(int argc, char **argv) {
  collect_tiers();
  int wanted[MAX_TIERS];
  for (size_t i = 0; i < ntiers; i++) wanted[i] = argc < 2;
  for (int a = 1; a < argc; a++) {
    size_t i = 0;
    while (i < ntiers && strcmp(argv[a], tiers[i].tier.name) != 0) i++;
    if (i == ntiers) {
      fprintf(stderr, "run_hosted: unknown tier '%s' (tiers here:", argv[a]);
      for (i = 0; i < ntiers; i++) fprintf(stderr, " %s", tiers[i].tier.name);
      fprintf(stderr, ")\n");
      return 2;
    }
    wanted[i] = 1;
  }

  install_handlers();
  static check_guard guard;
  guard.alloc = guard_alloc;
  guard.reset = guard_reset;
  guard.page = page_size;
  check_set_guard(&guard);

  unsigned failed = 0, ran = 0;
  for (size_t i = 0; i < ntiers; i++) {
    if (!wanted[i]) continue;
    if (!tiers[i].supported) {
      printf("tier %s: SKIPPED, this CPU lacks its features\n", tiers[i].tier.name);
      continue;
    }
    printf("tier %s: running (%s)\n", tiers[i].tier.name, tiers[i].kernels);
    fflush(stdout);
    current_tier = tiers[i].tier.name;
    unsigned passed = 0;
    failed += check_run(&tiers[i].tier, print_line, &passed);
    ran++;
  }
  printf("guard pages: %s\n", check_guard_used() ? "used (inaccessible pages on both sides)"
                                                 : "not used");
  printf("%s: %u tier(s) ran, %u failed case(s)\n", failed ? "FAIL" : "OK", ran, failed);
  return failed ? 1 : 0;
}
