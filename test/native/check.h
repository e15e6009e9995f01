/*
 * check.h - the kernel-level conformance check (in the spirit of dav1d's checkasm): every kernel
 * of one tier against the portable scalar kernels, bit-exact for int8 and within the documented
 * bound for float32, with sentinel-guarded output and inputs at every offset.
 *
 * check.c is freestanding C99 (no libc, static buffers only) so the same checks run in the hosted
 * runner (run_hosted.c, on this CPU) and in the bare-metal image that boots under Bochs with an
 * AVX-512 VNNI CPU model (test/bochs/), where no operating system is available.
 *
 * Building check.c: C99 with
 *   -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns
 * (bare metal adds -nostdlib -mno-red-zone -fno-pic). The last flag keeps gcc from turning the
 * fill loops into memset/memcpy calls, so the object needs nothing but the kernels
 * (scripts/check-kernels.sh verifies that with nm). It uses double arithmetic (SSE2) but no
 * floating-point library function, and about 1.4 MB of static buffers.
 *
 * What it checks, for each of the tier's kernels against the *_scalar kernels:
 *   - dot_i8: lengths 0..300, 511..513, 1023..1025, 1536, 4095..4097, 65535..65537, 70000 and
 *     131072..140000 (where the int32 result wraps: bit-exact with scalar there too), random,
 *     all -128, all 127, -128 x 127, alternating and random-extreme data; both inputs at every
 *     byte offset 0..63; inputs flush against guard pages (see check_set_guard).
 *   - dot_f32: the same lengths up to 4097 and 65537, four value distributions, one inf or NaN
 *     at every position of short vectors, element offsets 0..15, guard placement. Accepted:
 *     |got - exact| <= (n + 1) * 2^-23 * sum |a_i b_i|, exact = double-double sum of the
 *     (exact in double) products; n = 0 must give scalar's +0 bit for bit.
 *   - dots_i8 / dots_f32: nrows 0..50 for dims 1..17, 63..65, 127..129, 384, 768, 1536, 1537 at
 *     odd offsets; 257..260 and 1000..1003 rows; q and rows at every offset; out between
 *     sentinel words that must stay untouched (nrows = 0 must write nothing); q, rows and out
 *     flush against guard pages.
 *   - dotsq_i8 / dotsq_f32: nq 1..8 for every dim of the dots checks, nrows 0..9 for every nq
 *     and (dims up to 129) 10..50 spread over them; 257..260 and 1000..1003 rows; queries at
 *     every offset and rows at every offset; out (nq * nrows words) between sentinels or flush
 *     against a guard page, as are the queries and the rows; int8 all -128 and all 127, and
 *     dims 65535, 65537 and 131073 (where the int32 result wraps). int8 must equal scalar bit
 *     for bit; float32 must be bit-identical to the tier's own dot_f32 of the same query and row
 *     (and the first and last element of each call within the bound, as dot_f32 is at every
 *     length).
 *   - the tier's float32 summation order: dot_f32(q, row), dots_f32(q, rows)[r] for every
 *     position r of the row in calls of 1..13 rows, and dotsq_f32 with 1..8 queries must give
 *     the same bits, for dims with and without partial chunks (a kernel may sum in any order
 *     the bound allows, but one order per tier: otherwise topK, topKBatch and dots disagree in
 *     the last bit).
 *
 * Output: the print callback receives whole lines, each ending in '\n': one per failing case
 * (tier, operation, sizes, offsets or placement, got, expected), at most 40 of them then a count
 * of the rest, and a closing "<tier>: N passed, M failed".
 */
#ifndef SIMDOT_CHECK_H
#define SIMDOT_CHECK_H

#include "../../native/kernels.h"

typedef struct {
  const char *name; /* tier name, printed with every result */
  simdot_dot_i8_t *dot_i8;
  simdot_dot_f32_t *dot_f32;
  simdot_dots_i8_t *dots_i8;
  simdot_dots_f32_t *dots_f32;
  simdot_dotsq_i8_t *dotsq_i8;   /* optional (NULL: not checked), like every member */
  simdot_dotsq_f32_t *dotsq_f32;
  simdot_hamming_t *hamming;     /* optional, like every member */
  simdot_hammings_t *hammings;
  simdot_hammingsq_t *hammingsq;
} check_tier;

typedef void check_print_fn(const char *text);

/* Optional guarded memory, provided by the runner (mmap + PROT_NONE when hosted, unmapped pages
 * on bare metal). alloc(n) returns n writable bytes that end exactly where an inaccessible page
 * begins, or NULL when it has no room (the check then falls back to its static buffers). When
 * n is a multiple of `page`, the n bytes must also start right after an inaccessible page, so
 * inputs can be placed flush against a guard at either end. reset() releases everything alloc
 * returned; the check calls it after every guarded case. Without a guard (the default) those
 * cases still run, from the ends of the static buffers, but an over-read cannot fault there. */
typedef struct {
  void *(*alloc)(size_t n);
  void (*reset)(void);
  size_t page; /* 0 means 4096 */
} check_guard;

/* Installs the guard for the following check_run calls; NULL removes it. */
void check_set_guard(const check_guard *guard);

/* Whether any case so far actually ran in guarded memory. */
int check_guard_used(void);

/* The case in progress, for a runner that reports a crash (a fault inside a kernel never
 * returns to check_run): the operation ("dot_i8", ...), n or dim, nrows (dots, dotsq), nq and
 * whether its inputs sit against guard pages. Safe to read from a signal or trap handler. */
typedef struct {
  const char *op;
  size_t n;
  size_t nrows;
  int guarded;
  size_t nq; /* dotsq only, else 0 */
} check_case_info;
const check_case_info *check_current(void);

/* The kernels the addon runs with the cap at `tier` on a CPU with the SIMDOT_F features `cpu`,
 * chosen by the addon's own dispatch table (native/table.c, linked with the check): for each
 * operation the best kernel at or below the tier, and the float32 batch kernel only where it is
 * of the tier of dots_f32, as the addon does. `kernels` receives which tier each operation's
 * kernel belongs to ("dot_i8=neondot dot_f32=neon ..."), at most `size` bytes. */
check_tier check_tier_for(simdot_tier tier, uint32_t cpu, char *kernels, size_t size);

/* Runs every check of one tier; prints one line per failing case and a closing
 * "<tier>: N passed, M failed" line; returns the number of failed cases. */
unsigned check_run(const check_tier *tier, check_print_fn *print, unsigned *passed);

#endif
