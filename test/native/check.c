/*
 * check.c - the kernel conformance check (see check.h). Freestanding C99: no libc, static
 * buffers only, no floating-point library calls; see check.h for the compiler flags.
 *
 * Expected values come from the portable scalar kernels (native/scalar.c). int8 must match bit
 * for bit, wrap-around past 65536 included (the scalar kernel is itself checked against an
 * int64 sum computed here). float32 must lie within the contract's bound of an exact sum:
 * products of two floats are exact in double, and they are summed in double-double.
 */
#include "check.h"

/* Where the x86-64 kernels switch loops: the cases below sit on both sides of each. */
#include "../../asm/include/x86_64_tuning.h"
#include "../../asm/aarch64/aarch64_tuning.h"

typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;

/* ------------------------------------------------------------------------ state ---- */

static check_print_fn *g_print;
static const char *g_tier;
static unsigned g_passed, g_failed, g_shown;
static const check_guard *g_guard;

/* After this many failure lines the rest are only counted, so that a broken kernel does not
 * bury the summary (or take minutes of an emulator's console). */
#define SHOW_MAX 40

void check_set_guard(const check_guard *guard) { g_guard = guard; }

static volatile check_case_info g_current;
const check_case_info *check_current(void) { return (const check_case_info *)&g_current; }
static void set_current(const char *op, size_t n, size_t nrows, int guarded) {
  g_current.op = op;
  g_current.n = n;
  g_current.nrows = nrows;
  g_current.guarded = guarded;
  g_current.nq = 0;
}

/* ------------------------------------------------------------- line formatting ---- */

#define LINE_CAP 400
static char g_line[LINE_CAP];
static unsigned g_len;

static void put_c(char c) {
  if (g_len < LINE_CAP - 2) g_line[g_len++] = c;
}
static void put_s(const char *s) {
  while (*s) put_c(*s++);
}
static void put_u(u64 v) {
  char b[20];
  int i = 20;
  do {
    b[--i] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  while (i < 20) put_c(b[i++]);
}
static void put_i(long long v) {
  if (v < 0) {
    put_c('-');
    put_u(0ull - (u64)v);
  } else {
    put_u((u64)v);
  }
}
static void put_hex(u64 v, int digits) {
  put_s("0x");
  for (int i = digits - 1; i >= 0; i--) put_c("0123456789abcdef"[(v >> (4 * i)) & 15]);
}
static int is_nan(double v) { return v != v; }
static int is_inf(double v) { return !is_nan(v) && v - v != 0; }
/* Nine significant digits in scientific notation; plenty to read a diagnostic (the bits are
 * printed beside it where exactness matters). */
static void put_d(double v) {
  if (is_nan(v)) {
    put_s("nan");
    return;
  }
  if (v < 0) {
    put_c('-');
    v = -v;
  }
  if (is_inf(v)) {
    put_s("inf");
    return;
  }
  if (v == 0) {
    put_s("0");
    return;
  }
  int e = 0;
  while (v >= 10) {
    v /= 10;
    e++;
  }
  while (v < 1) {
    v *= 10;
    e--;
  }
  for (int i = 0; i < 9; i++) {
    int d = (int)v;
    if (d > 9) d = 9;
    put_c((char)('0' + d));
    if (i == 0) put_c('.');
    v = (v - d) * 10;
  }
  put_c('e');
  put_i(e);
}
static void line_end(void) {
  g_line[g_len++] = '\n';
  g_line[g_len] = 0;
  g_print(g_line);
  g_len = 0;
}

/* Counts one failed case; returns 1 when its line should be written (the caller writes the
 * details and calls line_end), 0 once SHOW_MAX lines have been shown. */
static int fail_open(const char *op) {
  g_failed++;
  if (g_shown >= SHOW_MAX) return 0;
  g_shown++;
  g_len = 0;
  put_s(g_tier);
  put_s(": FAIL ");
  put_s(op);
  return 1;
}

static u32 f32_bits(float f) {
  union {
    float f;
    u32 u;
  } x;
  x.f = f;
  return x.u;
}
static float f32_from_bits(u32 u) {
  union {
    float f;
    u32 u;
  } x;
  x.u = u;
  return x.f;
}
static void put_f(float f) {
  put_d((double)f);
  put_s(" (");
  put_hex(f32_bits(f), 8);
  put_s(")");
}

/* ------------------------------------------------------------------------ PRNG ---- */

static u64 g_rng;
static void seed(u64 s) { g_rng = s * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull; }
static u64 rnd(void) { /* xorshift64* */
  g_rng ^= g_rng >> 12;
  g_rng ^= g_rng << 25;
  g_rng ^= g_rng >> 27;
  return g_rng * 2685821657736338717ull;
}
static u32 rnd_below(u32 n) { return (u32)((rnd() >> 32) % n); }

/* -------------------------------------------------------------------- buffers ---- */

/* Inputs: the largest case is 140000 int8, or 259 rows x 384 floats plus offsets. */
#define BUF_BYTES (640u * 1024u)
static u8 g_a[BUF_BYTES] __attribute__((aligned(64)));
static u8 g_b[BUF_BYTES] __attribute__((aligned(64)));

/* dots / dotsq output: SENT sentinel words on each side of the widest output (8 queries by
 * 1100 rows), plus room for offsets. */
#define OUT_MAX (8 * 1100)
#define SENT 16
#define SENTINEL 0xa55a5aa5u
static u32 g_out[SENT + 8 + OUT_MAX + SENT] __attribute__((aligned(64)));
static u32 g_ref[OUT_MAX];

/* ------------------------------------------------------------- guarded memory ---- */

/* n bytes whose end (at_end) or start (!at_end) touches an inaccessible page, from the
 * runner's hook; when there is no hook (or it is out of room), the end or the start of one of
 * the static buffers, which still checks the values but cannot catch a stray read. */
static int g_guard_used;
static void *guarded(int which, size_t n, int at_end) {
  if (g_guard && g_guard->alloc) {
    if (at_end) {
      void *p = g_guard->alloc(n);
      if (p) {
        g_guard_used = 1;
        return p;
      }
    } else {
      size_t page = g_guard->page ? g_guard->page : 4096;
      size_t whole = (n + page - 1) / page * page;
      u8 *p = (u8 *)g_guard->alloc(whole);
      if (p) {
        g_guard_used = 1;
        return p;
      }
    }
  }
  u8 *base = which == 0 ? g_a : g_b;
  return at_end ? base + BUF_BYTES - n : base;
}
static void guarded_done(void) {
  if (g_guard && g_guard->reset) g_guard->reset();
}

/* ----------------------------------------------------------------- int8 data ---- */

enum {
  I8_RANDOM,
  I8_MIN_MIN,  /* -128 * -128: the largest product, 2^30 in total at n = 65536 */
  I8_MAX_MAX,  /* 127 * 127 */
  I8_MIN_MAX,  /* -128 * 127: the most negative */
  I8_ALT_SAME, /* -128, 127, -128, ... in both */
  I8_ALT_OPP,  /* -128, 127, ... against 127, -128, ... */
  I8_EXTREMES, /* each of a, b independently -128 or 127 */
  I8_PATTERNS
};
static const char *const i8_names[I8_PATTERNS] = {"random",  "-128*-128",   "127*127",
                                                  "-128*127", "alt-same", "alt-opposite",
                                                  "extremes"};

static void fill_i8(int8_t *a, int8_t *b, size_t n, int pat) {
  size_t i;
  switch (pat) {
    case I8_MIN_MIN:
    case I8_MAX_MAX:
    case I8_MIN_MAX: {
      int8_t x = (int8_t)(pat == I8_MAX_MAX ? 127 : -128), y = (int8_t)(pat == I8_MIN_MIN ? -128 : 127);
      for (i = 0; i < n; i++) a[i] = x, b[i] = y;
      break;
    }
    case I8_ALT_SAME:
    case I8_ALT_OPP:
      for (i = 0; i < n; i++) {
        a[i] = (int8_t)((i & 1) ? 127 : -128);
        b[i] = (int8_t)(((i & 1) ^ (pat == I8_ALT_OPP)) ? 127 : -128);
      }
      break;
    case I8_EXTREMES: /* 2 random bits per pair */
      for (i = 0; i < n; i += 32) {
        u64 bits = rnd();
        for (size_t k = i; k < n && k < i + 32; k++, bits >>= 2) {
          a[k] = (int8_t)((bits & 1) ? 127 : -128);
          b[k] = (int8_t)((bits & 2) ? 127 : -128);
        }
      }
      break;
    default: /* 16 random bits per pair */
      for (i = 0; i < n; i += 4) {
        u64 bits = rnd();
        for (size_t k = i; k < n && k < i + 4; k++, bits >>= 16) {
          a[k] = (int8_t)((int)(bits & 255) - 128);
          b[k] = (int8_t)((int)((bits >> 8) & 255) - 128);
        }
      }
      break;
  }
}

/* The int64 sum wrapped to int32: what every int8 kernel must return. */
static int32_t ref_dot_i8(const int8_t *a, const int8_t *b, size_t n) {
  long long s = 0;
  for (size_t i = 0; i < n; i++) s += (int)a[i] * (int)b[i];
  return (int32_t)(u32)(u64)s;
}

static void put_where(size_t n, const char *what, long aoff, long boff) {
  put_s(" n=");
  put_u(n);
  put_s(" data=");
  put_s(what);
  if (aoff >= 0) {
    put_s(" a_off=");
    put_u((u64)aoff);
    put_s(" b_off=");
    put_u((u64)boff);
  } else {
    put_s(aoff == -1 ? " placed=at-guard-end" : " placed=at-guard-start");
  }
}

/* One dot_i8 case. aoff/boff: byte offsets for the message, or -1 (inputs end at a guard) or
 * -2 (inputs start at one). */
static void case_dot_i8(const check_tier *t, const int8_t *a, const int8_t *b, size_t n,
                        const char *what, long aoff, long boff) {
  int32_t want = simdot_dot_i8_scalar(a, b, n);
  set_current("dot_i8", n, 0, aoff < 0);
  int32_t got = t->dot_i8(a, b, n);
  int32_t exact = ref_dot_i8(a, b, n);
  if (got == want && want == exact) {
    g_passed++;
    return;
  }
  if (!fail_open("dot_i8")) return;
  put_where(n, what, aoff, boff);
  put_s(" got=");
  put_i(got);
  put_s(" expected=");
  put_i(want);
  if (want != exact) {
    put_s(" (scalar reference disagrees with the int64 sum ");
    put_i(exact);
    put_s(")");
  }
  line_end();
}

static const size_t i8_lengths_long[] = {511,   512,   513,   1023,  1024,   1025,   1536,  4095,
                                         4096,  4097,  65535, 65536, 65537,  70000,
                                         /* past 2^31 in total for the extreme patterns: the
                                          * result wraps, identically in every kernel */
                                         131072, 131073, 140000};

static void check_dot_i8(const check_tier *t) {
  int8_t *a = (int8_t *)g_a, *b = (int8_t *)g_b;
  seed(1);
  /* Every length 0..300 and the long ones, every pattern, 64-byte aligned inputs. */
  for (int pat = 0; pat < I8_PATTERNS; pat++) {
    for (size_t n = 0; n <= 300; n++) {
      fill_i8(a, b, n, pat);
      case_dot_i8(t, a, b, n, i8_names[pat], 0, 0);
    }
    for (size_t k = 0; k < sizeof i8_lengths_long / sizeof i8_lengths_long[0]; k++) {
      size_t n = i8_lengths_long[k];
      fill_i8(a, b, n, pat);
      case_dot_i8(t, a, b, n, i8_names[pat], 0, 0);
    }
  }
  /* Both inputs at every byte offset 0..63. */
  static const size_t off_lengths[] = {1, 16, 63, 64, 65, 200};
  for (size_t k = 0; k < sizeof off_lengths / sizeof off_lengths[0]; k++) {
    size_t n = off_lengths[k];
    for (int ao = 0; ao < 64; ao++) {
      for (int bo = 0; bo < 64; bo++) {
        int pat = (ao + bo) % 2 ? I8_RANDOM : I8_EXTREMES;
        fill_i8(a + ao, b + bo, n, pat);
        case_dot_i8(t, a + ao, b + bo, n, i8_names[pat], ao, bo);
      }
    }
  }
  /* Inputs flush against an inaccessible page: an over-read past the end faults. */
  static const size_t guard_lengths[] = {255, 256, 257, 1000, 4095, 4096, 4097, 65537};
  for (size_t k = 0; k < 131 + sizeof guard_lengths / sizeof guard_lengths[0]; k++) {
    size_t n = k < 131 ? k : guard_lengths[k - 131];
    for (int at_end = 1; at_end >= 0; at_end--) {
      if (!at_end && n == 0) continue;
      int8_t *ga = (int8_t *)guarded(0, n, at_end), *gb = (int8_t *)guarded(1, n, at_end);
      fill_i8(ga, gb, n, I8_RANDOM);
      case_dot_i8(t, ga, gb, n, "random", at_end ? -1 : -2, 0);
      guarded_done();
    }
  }
}

/* ---------------------------------------------------------------- float32 data ---- */

enum { F32_UNIT, F32_POSITIVE, F32_MIXED, F32_CANCEL, F32_PATTERNS };
static const char *const f32_names[F32_PATTERNS] = {"uniform[-1,1]", "uniform[0,1]",
                                                    "mixed-magnitude", "cancelling"};

/* A float with magnitude around 2^e, e in [-30, 30]. */
static float rnd_mixed(void) {
  u64 r = rnd();
  union {
    double d;
    u64 u;
  } scale;
  scale.u = (u64)(1023 + (int)((r >> 32) % 61) - 30) << 52; /* 2^e */
  double m = (double)(r & 0xffffffu) * (2.0 / 16777216.0) - 1.0;
  return (float)(m * scale.d);
}

/* k * 2^-23 - 1 for a 24-bit k: uniform in [-1, 1), exact in float. */
static float unit24(u64 k) { return (float)(int)(k & 0xffffff) * (1.0f / 8388608.0f) - 1.0f; }

static void fill_f32(float *a, float *b, size_t n, int pat) {
  size_t i;
  switch (pat) {
    case F32_POSITIVE:
      for (i = 0; i < n; i++) {
        u64 r = rnd();
        a[i] = (float)(int)(r & 0xffffff) * (1.0f / 16777216.0f);
        b[i] = (float)(int)((r >> 24) & 0xffffff) * (1.0f / 16777216.0f);
      }
      break;
    case F32_MIXED:
      for (i = 0; i < n; i++) {
        a[i] = rnd_mixed();
        b[i] = rnd_mixed();
      }
      break;
    case F32_CANCEL: /* pairs that cancel exactly, plus a little noise: a tiny exact sum */
      for (i = 0; i < n; i++) {
        u64 r = rnd();
        if (i & 1) {
          a[i] = -a[i - 1];
          b[i] = b[i - 1];
        } else {
          a[i] = unit24(r);
          b[i] = unit24(r >> 24);
        }
        if (((r >> 48) & 15) == 0) a[i] = unit24(r >> 52) * 1e-3f;
      }
      break;
    default:
      for (i = 0; i < n; i++) {
        u64 r = rnd();
        a[i] = unit24(r);
        b[i] = unit24(r >> 24);
      }
      break;
  }
}

/* Exact-ish reference: every product is exact in double; the sum is kept as a double-double
 * (Knuth's two-sum), far more accurate than the bound being tested. */
typedef struct {
  double hi, lo, abs_sum;
  int nonfinite;
} f32_exact;

static f32_exact exact_dot_f32(const float *a, const float *b, size_t n) {
  f32_exact r = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    double p = (double)a[i] * (double)b[i];
    if (is_nan(p) || is_inf(p)) {
      r.nonfinite = 1;
      continue;
    }
    double s = r.hi + p;
    double bb = s - r.hi;
    r.lo += (r.hi - (s - bb)) + (p - bb);
    r.hi = s;
    r.abs_sum += p < 0 ? -p : p;
  }
  return r;
}

/* The contract: |got - exact| <= (n + 1) * 2^-23 * sum |a_i b_i|; n = 0 gives exactly what
 * scalar gives (+0); with an infinite or NaN product, the same class as scalar (NaN, or the
 * same infinity). Returns 1 when got is acceptable; *err and *bound describe it. */
static int f32_ok(float got, float want, const float *a, const float *b, size_t n, double *err,
                  double *bound) {
  *err = 0;
  *bound = 0;
  if (n == 0) return f32_bits(got) == f32_bits(want);
  f32_exact e = exact_dot_f32(a, b, n);
  if (e.nonfinite) {
    if (is_nan((double)want)) return is_nan((double)got);
    return f32_bits(got) == f32_bits(want);
  }
  double d = ((double)got - e.hi) - e.lo;
  *err = d < 0 ? -d : d;
  *bound = (double)(n + 1) * (1.0 / 8388608.0) * e.abs_sum;
  return *err <= *bound; /* false for a NaN or infinite got */
}

static void case_dot_f32(const check_tier *t, const float *a, const float *b, size_t n,
                         const char *what, long aoff, long boff) {
  float want = simdot_dot_f32_scalar(a, b, n);
  set_current("dot_f32", n, 0, aoff < 0);
  float got = t->dot_f32(a, b, n);
  double err, bound;
  int ok_got = f32_ok(got, want, a, b, n, &err, &bound);
  double err_ref, bound_ref;
  int ok_ref = f32_ok(want, want, a, b, n, &err_ref, &bound_ref);
  if (ok_got && ok_ref) {
    g_passed++;
    return;
  }
  if (!fail_open("dot_f32")) return;
  put_where(n, what, aoff, boff);
  put_s(" got=");
  put_f(got);
  put_s(" expected=");
  put_f(want);
  put_s(" error=");
  put_d(ok_ref ? err : err_ref);
  put_s(" bound=");
  put_d(bound);
  if (!ok_ref) put_s(" (the scalar reference itself is out of bounds)");
  line_end();
}

static const size_t f32_lengths_long[] = {511,  512,  513,  1023, 1024, 1025,
                                          1536, 4095, 4096, 4097, 65537};

static void check_dot_f32(const check_tier *t) {
  float *a = (float *)g_a, *b = (float *)g_b;
  seed(2);
  for (int pat = 0; pat < F32_PATTERNS; pat++) {
    for (size_t n = 0; n <= 300; n++) {
      fill_f32(a, b, n, pat);
      case_dot_f32(t, a, b, n, f32_names[pat], 0, 0);
    }
    for (size_t k = 0; k < sizeof f32_lengths_long / sizeof f32_lengths_long[0]; k++) {
      size_t n = f32_lengths_long[k];
      fill_f32(a, b, n, pat);
      case_dot_f32(t, a, b, n, f32_names[pat], 0, 0);
    }
  }
  /* One infinity or NaN among finite values, at every position of short vectors: the tails
   * must neither lose it nor invent a NaN from lanes that are not part of the input. */
  for (size_t n = 1; n <= 40; n++) {
    for (size_t at = 0; at < n; at++) {
      for (int kind = 0; kind < 2; kind++) {
        fill_f32(a, b, n, F32_UNIT);
        a[at] = f32_from_bits(kind ? 0x7fc00000u : 0x7f800000u);
        b[at] = 0.5f;
        case_dot_f32(t, a, b, n, kind ? "one-nan" : "one-inf", 0, 0);
      }
    }
  }
  /* Element offsets 0..15 for both inputs. */
  static const size_t off_lengths[] = {1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200};
  for (size_t k = 0; k < sizeof off_lengths / sizeof off_lengths[0]; k++) {
    size_t n = off_lengths[k];
    for (int ao = 0; ao < 16; ao++) {
      for (int bo = 0; bo < 16; bo++) {
        fill_f32(a + ao, b + bo, n, F32_UNIT);
        case_dot_f32(t, a + ao, b + bo, n, f32_names[F32_UNIT], ao, bo);
      }
    }
  }
  /* Flush against an inaccessible page, at the end and at the start. */
  static const size_t guard_lengths[] = {127, 128, 129, 255, 1000, 4097};
  for (size_t k = 0; k < 71 + sizeof guard_lengths / sizeof guard_lengths[0]; k++) {
    size_t n = k < 71 ? k : guard_lengths[k - 71];
    for (int at_end = 1; at_end >= 0; at_end--) {
      if (!at_end && n == 0) continue;
      float *ga = (float *)guarded(0, n * 4, at_end), *gb = (float *)guarded(1, n * 4, at_end);
      fill_f32(ga, gb, n, F32_UNIT);
      case_dot_f32(t, ga, gb, n, f32_names[F32_UNIT], at_end ? -1 : -2, 0);
      guarded_done();
    }
  }
}

/* -------------------------------------------------------------------------- dots ---- */

/* out at g_out + SENT + out_off, sentinels on both sides; or, when out_guarded is given,
 * there (flush against a guard page) and no sentinels. */
typedef struct {
  const void *q, *rows;
  size_t dim, nrows;
  long qoff, roff; /* for the message; -1: placed against guard pages */
  unsigned out_off;
  void *out_guarded;
  size_t nq; /* dotsq: queries at q, one after the other (out has nq * nrows words); dots: 0 */
} dots_case;

static size_t out_words(const dots_case *c) { return c->nrows * (c->nq ? c->nq : 1); }

static void put_dots_where(const dots_case *c) {
  if (c->nq) {
    put_s(" nq=");
    put_u(c->nq);
  }
  put_s(" dim=");
  put_u(c->dim);
  put_s(" nrows=");
  put_u(c->nrows);
  if (c->qoff >= 0) {
    put_s(" q_off=");
    put_u((u64)c->qoff);
    put_s(" rows_off=");
    put_u((u64)c->roff);
    put_s(" out_off=");
    put_u(c->out_off);
  } else {
    put_s(" placed=at-guard-end");
  }
}

static u32 *dots_out(const dots_case *c) {
  if (c->out_guarded) return (u32 *)c->out_guarded;
  u32 *out = g_out + SENT + c->out_off;
  for (u32 *p = out - SENT; p < out + out_words(c) + SENT; p++) *p = SENTINEL;
  return out;
}

/* Returns 1 when a sentinel word was overwritten (and reports it). */
static int dots_sentinels(const dots_case *c, const u32 *out, const char *op) {
  if (c->out_guarded) return 0;
  long words = (long)out_words(c);
  for (long i = -SENT; i < words + SENT; i++) {
    if (i >= 0 && i < words) continue;
    if (out[i] != SENTINEL) {
      if (fail_open(op)) {
        put_dots_where(c);
        put_s(c->nq ? " wrote outside out[0..nq*nrows): out[" : " wrote outside out[0..nrows): out[");
        put_i(i);
        put_s("] = ");
        put_hex(out[i], 8);
        line_end();
      }
      return 1;
    }
  }
  return 0;
}

static void case_dots_i8(const check_tier *t, const dots_case *c) {
  const int8_t *q = (const int8_t *)c->q, *rows = (const int8_t *)c->rows;
  simdot_dots_i8_scalar(q, rows, c->dim, c->nrows, (int32_t *)g_ref);
  u32 *out = dots_out(c);
  set_current("dots_i8", c->dim, c->nrows, c->qoff < 0);
  t->dots_i8(q, rows, c->dim, c->nrows, (int32_t *)out);
  if (dots_sentinels(c, out, "dots_i8")) return;
  for (size_t r = 0; r < c->nrows; r++) {
    int32_t exact = ref_dot_i8(q, rows + r * c->dim, c->dim);
    if (out[r] != g_ref[r] || (int32_t)g_ref[r] != exact) {
      if (fail_open("dots_i8")) {
        put_dots_where(c);
        put_s(" row=");
        put_u(r);
        put_s(" got=");
        put_i((int32_t)out[r]);
        put_s(" expected=");
        put_i((int32_t)g_ref[r]);
        if ((int32_t)g_ref[r] != exact) put_s(" (scalar reference disagrees with int64 sum)");
        line_end();
      }
      return;
    }
  }
  g_passed++;
}

static void case_dots_f32(const check_tier *t, const dots_case *c) {
  const float *q = (const float *)c->q, *rows = (const float *)c->rows;
  simdot_dots_f32_scalar(q, rows, c->dim, c->nrows, (float *)g_ref);
  u32 *out = dots_out(c);
  set_current("dots_f32", c->dim, c->nrows, c->qoff < 0);
  t->dots_f32(q, rows, c->dim, c->nrows, (float *)out);
  if (dots_sentinels(c, out, "dots_f32")) return;
  for (size_t r = 0; r < c->nrows; r++) {
    float got = f32_from_bits(out[r]), want = f32_from_bits(g_ref[r]);
    double err, bound;
    if (!f32_ok(got, want, q, rows + r * c->dim, c->dim, &err, &bound)) {
      if (fail_open("dots_f32")) {
        put_dots_where(c);
        put_s(" row=");
        put_u(r);
        put_s(" got=");
        put_f(got);
        put_s(" expected=");
        put_f(want);
        put_s(" error=");
        put_d(err);
        put_s(" bound=");
        put_d(bound);
        line_end();
      }
      return;
    }
  }
  g_passed++;
}

static const size_t dots_dims[] = {1,  2,  3,  4,   5,   6,   7,   8,   9,    10,   11,  12,
                                   13, 14, 15, 16,  17,  63,  64,  65,  127,  128,  129,
                                   384, 447, 768, 1536, 1537};

/* Fills q (dim elements) and rows (dim * nrows): q and row 0 as the pattern's pair (a, b);
 * the other rows from the pattern's second operand (fill with a == b leaves b's values). */
static void dots_fill(int f32, u8 *q, u8 *rows, size_t dim, size_t nrows, int pat) {
  size_t esz = f32 ? 4 : 1;
  u8 *first = nrows ? rows : q; /* nrows = 0: rows may be an empty guarded range */
  size_t rest = nrows ? dim * (nrows - 1) : 0;
  u8 *more = rows + dim * esz;
  if (f32) {
    fill_f32((float *)q, (float *)first, dim, pat);
    fill_f32((float *)more, (float *)more, rest, pat);
  } else {
    fill_i8((int8_t *)q, (int8_t *)first, dim, pat);
    fill_i8((int8_t *)more, (int8_t *)more, rest, pat);
  }
}

static void check_dots(const check_tier *t, int f32) {
  size_t esz = f32 ? 4 : 1;
  unsigned max_off = f32 ? 16 : 64;
  void (*run)(const check_tier *, const dots_case *) = f32 ? case_dots_f32 : case_dots_i8;
  seed(f32 ? 4 : 3);
  /* nrows 0..50 for every dim: every remainder of a multi-row loop, q and rows at
   * pseudo-random (mostly odd) offsets, out between sentinels. The buffers are filled once per
   * dim and data pattern; each case looks at them from its own offsets. */
  for (size_t k = 0; k < sizeof dots_dims / sizeof dots_dims[0]; k++) {
    size_t dim = dots_dims[k];
    for (int p = 0; p < 3; p++) {
      int pat = f32 ? (p == 2 ? F32_MIXED : F32_UNIT)
                    : (p == 2 ? I8_EXTREMES : p == 1 ? I8_MIN_MIN : I8_RANDOM);
      dots_fill(f32, g_a, g_b, dim + max_off, 50 + 2, pat);
      for (size_t nrows = (size_t)p; nrows <= 50; nrows += 3) {
        dots_case c = {0, 0, dim, nrows, 0, 0, 0, 0, 0};
        c.qoff = (long)(rnd_below(max_off) | 1);
        c.roff = (long)rnd_below(max_off);
        c.out_off = rnd_below(8);
        c.q = g_a + c.qoff * esz;
        c.rows = g_b + c.roff * esz;
        run(t, &c);
      }
    }
  }
  /* Many rows: the unrolled loop runs long, with each remainder after it. */
#define AVX2_MIN SIMDOT_AVX2_DOTS_I8_STREAM_MIN_DIM
#define AVX2_MAX SIMDOT_AVX2_DOTS_I8_STREAM_MAX_DIM
#define VNNI_MIN SIMDOT_AVX512VNNI_DOTS_I8_STREAM_MIN_DIM
  static const size_t big[][2] = {{17, 1000}, {17, 1001}, {17, 1002}, {17, 1003}, {129, 257},
                                  {129, 258}, {129, 259}, {129, 260},  {384, 259},
                                  /* around the dots_i8 streaming paths' shortest and (avx2)
                                   * longest q */
                                  {AVX2_MIN - 1, 9},  {AVX2_MIN, 7},      {AVX2_MIN + 1, 5},
                                  {AVX2_MIN + 15, 6}, {AVX2_MIN + 16, 4}, {AVX2_MAX - 16, 5},
                                  {AVX2_MAX - 1, 9},  {AVX2_MAX, 6},      {AVX2_MAX + 1, 5},
                                  {AVX2_MAX + 15, 4}, {AVX2_MAX + 17, 7}, {2 * AVX2_MAX + 1, 4},
                                  {VNNI_MIN - 1, 9},  {VNNI_MIN, 7},      {VNNI_MIN + 1, 5}};
#undef AVX2_MIN
#undef AVX2_MAX
#undef VNNI_MIN
  for (size_t k = 0; k < sizeof big / sizeof big[0]; k++) {
    dots_case c = {g_a + 3 * esz, g_b + 5 * esz, big[k][0], big[k][1], 3, 5, 1, 0, 0};
    dots_fill(f32, g_a + 3 * esz, g_b + 5 * esz, c.dim, c.nrows, f32 ? F32_UNIT : I8_RANDOM);
    run(t, &c);
  }
  /* q and rows at every offset. */
  static const size_t off_dims[] = {3, 17, 65};
  for (size_t k = 0; k < sizeof off_dims / sizeof off_dims[0]; k++) {
    for (unsigned qo = 0; qo < max_off; qo++) {
      for (unsigned ro = 0; ro < max_off; ro++) {
        dots_case c = {g_a + qo * esz, g_b + ro * esz, off_dims[k], 5, qo, ro, (qo + ro) & 7,
                       0, 0};
        dots_fill(f32, g_a + qo * esz, g_b + ro * esz, c.dim, c.nrows,
                  f32 ? F32_UNIT : I8_RANDOM);
        run(t, &c);
      }
    }
  }
  /* q, rows and out each flush against an inaccessible page. */
  static const size_t g_dims[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,   9,   10,  11,  12,  13,
                                  14, 15, 16, 17, 31, 32, 33, 63, 64,  65,  127, 128, 129, 384,
                                  447, 1537};
  static const size_t g_nrows[] = {1, 2, 3, 4, 5, 7, 8, 9};
  for (size_t k = 0; k < sizeof g_dims / sizeof g_dims[0]; k++) {
    for (size_t j = 0; j < sizeof g_nrows / sizeof g_nrows[0]; j++) {
      size_t dim = g_dims[k], nrows = g_nrows[j];
      u8 *q = (u8 *)guarded(0, dim * esz, 1);
      u8 *rows = (u8 *)guarded(1, dim * nrows * esz, 1);
      void *out = 0;
      if (g_guard && g_guard->alloc) out = g_guard->alloc(nrows * 4);
      dots_case c = {q, rows, dim, nrows, -1, -1, 0, out, 0};
      dots_fill(f32, q, rows, dim, nrows, f32 ? F32_UNIT : I8_RANDOM);
      run(t, &c);
      guarded_done();
    }
  }
}

/* ----------------------------------------------------------- float32 order ---- */

/* a[0..na) and b[0..nb) from one pattern: the first min(na, nb) elements as the pattern's
 * pairs, the rest of the longer one from the pattern's own values. */
static void fill_two(int f32, u8 *a, size_t na, u8 *b, size_t nb, int pat) {
  size_t n = na < nb ? na : nb, esz = f32 ? 4 : 1;
  u8 *more = na > n ? a + n * esz : b + n * esz;
  size_t rest = (na > n ? na : nb) - n;
  if (f32) {
    fill_f32((float *)a, (float *)b, n, pat);
    fill_f32((float *)more, (float *)more, rest, pat);
  } else {
    fill_i8((int8_t *)a, (int8_t *)b, n, pat);
    fill_i8((int8_t *)more, (int8_t *)more, rest, pat);
  }
}

/* dot_f32(q, row) must give the same bits as dots_f32 wherever the row sits in a call (every
 * position r of calls of 1..13 rows) and as dotsq_f32 with 1..8 queries. */
static const size_t order_dims[] = {1,  3,  7,  8,   9,   15,  16,  17,  24,  31,   32,   33,  40,
                                    41, 56, 63, 64,  65,  100, 127, 128, 129, 255,  256,  257,
                                    384, 1000, 1536, 1537};
#define ORDER_ROWS 13

static void order_fail(const char *op, size_t dim, size_t nq, size_t nrows, size_t first,
                       size_t r, size_t j, u32 got, u32 want) {
  if (!fail_open("float32 order")) return;
  put_s(": ");
  put_s(op);
  put_s(" dim=");
  put_u(dim);
  if (nq) {
    put_s(" nq=");
    put_u(nq);
  }
  put_s(" nrows=");
  put_u(nrows);
  put_s(" query=");
  put_u(j);
  put_s(" row=");
  put_u(first + r);
  put_s(" (position ");
  put_u(r);
  put_s(" in the call) got=");
  put_f(f32_from_bits(got));
  put_s(" but dot_f32 gives ");
  put_f(f32_from_bits(want));
  line_end();
}

/* want[j][r] = the bits of dot_f32(query j, row r) for SIMDOT_MAX_BATCH queries and nrows rows. */
static void f32_want(const check_tier *t, const float *q, const float *rows, size_t dim,
                     size_t nrows, u32 want[][ORDER_ROWS]) {
  for (size_t j = 0; j < SIMDOT_MAX_BATCH; j++) {
    for (size_t r = 0; r < nrows; r++) {
      set_current("dot_f32", dim, 0, 0);
      want[j][r] = f32_bits(t->dot_f32(q + j * dim, rows + r * dim, dim));
    }
  }
}

/* dotsq_f32 of nq queries over rows [s, s + nrows) of want's rows, against want's bits;
 * 0 and one failure reported if any differs. */
static int f32_dotsq_agrees(const check_tier *t, const float *q, size_t nq, const float *rows,
                            size_t dim, size_t s, size_t nrows, u32 want[][ORDER_ROWS]) {
  u32 *out = g_out + SENT;
  set_current("dotsq_f32", dim, nrows, 0);
  g_current.nq = nq;
  t->dotsq_f32(q, nq, rows + s * dim, dim, nrows, (float *)out);
  for (size_t j = 0; j < nq; j++) {
    for (size_t r = 0; r < nrows; r++) {
      if (out[j * nrows + r] == want[j][s + r]) continue;
      order_fail("dotsq_f32", dim, nq, nrows, s, r, j, out[j * nrows + r], want[j][s + r]);
      return 0;
    }
  }
  return 1;
}

static void check_f32_order(const check_tier *t) {
  static u32 want[SIMDOT_MAX_BATCH][ORDER_ROWS];
  seed(7);
  for (size_t k = 0; k < sizeof order_dims / sizeof order_dims[0]; k++) {
    size_t dim = order_dims[k];
    float *q = (float *)g_a + 1 + k % 7, *rows = (float *)g_b + k % 5;
    int pat = k & 1 ? F32_MIXED : F32_UNIT;
    fill_two(1, (u8 *)q, SIMDOT_MAX_BATCH * dim, (u8 *)rows, ORDER_ROWS * dim, pat);
    f32_want(t, q, rows, dim, ORDER_ROWS, want);
    u32 *out = g_out + SENT;
    for (size_t nrows = 1; nrows <= ORDER_ROWS; nrows++) {
      for (size_t s = 0; s + nrows <= ORDER_ROWS; s++) {
        const float *first = rows + s * dim;
        int bad = 0;
        for (size_t j = 0; j < SIMDOT_MAX_BATCH && !bad; j++) {
          set_current("dots_f32", dim, nrows, 0);
          t->dots_f32(q + j * dim, first, dim, nrows, (float *)out);
          for (size_t r = 0; r < nrows && !bad; r++) {
            if (out[r] == want[j][s + r]) continue;
            order_fail("dots_f32", dim, 0, nrows, s, r, j, out[r], want[j][s + r]);
            bad = 1;
          }
        }
        for (size_t nq = 1; nq <= SIMDOT_MAX_BATCH && t->dotsq_f32 && !bad; nq++) {
          bad = !f32_dotsq_agrees(t, q, nq, rows, dim, s, nrows, want);
        }
        if (!bad) g_passed++;
      }
    }
  }
}

/* dotsq_f32 may load rows differently when they are all 32-byte aligned and when they are not
 * (avx2: one 32-byte load, or two 16-byte loads), and may first copy the queries (avx2: rows
 * of 256-byte multiples, at most SIMDOT_AVX2_DOTSQ_F32_STAGE_MAX bytes of copies, 56 KiB: dim
 * 4096 for up to 3 queries, dim 1536 for 8); each way must give dot_f32's bits. Rows whose
 * stride is a multiple of 32 bytes, at byte offsets 0 (aligned), 16 (Node's allocations) and
 * 8, for 2..8 queries. */
static void check_f32_row_alignment(const check_tier *t) {
  static const size_t dims[] = {8, 16, 24, 64, 200, 1000, 1536, 4096, 4160};
  static const size_t offs[] = {0, 4, 2}; /* in floats */
  static u32 want[SIMDOT_MAX_BATCH][ORDER_ROWS];
  const size_t nrows = 9;
  seed(8);
  for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++) {
    size_t dim = dims[k];
    for (size_t o = 0; o < sizeof offs / sizeof offs[0]; o++) {
      float *q = (float *)g_a, *rows = (float *)g_b + offs[o];
      fill_two(1, (u8 *)q, SIMDOT_MAX_BATCH * dim, (u8 *)rows, nrows * dim,
               (k + o) & 1 ? F32_MIXED : F32_UNIT);
      f32_want(t, q, rows, dim, nrows, want);
      for (size_t nq = 2; nq <= SIMDOT_MAX_BATCH; nq++) {
        if (f32_dotsq_agrees(t, q, nq, rows, dim, 0, nrows, want)) g_passed++;
      }
    }
  }
}

/* ------------------------------------------------------------------------- dotsq ---- */

static void put_pair(size_t j, size_t r) {
  put_s(" query=");
  put_u(j);
  put_s(" row=");
  put_u(r);
}

/* Every element against the scalar kernel (itself checked against an int64 sum by the dot_i8
 * cases, wrap-around included). */
static void case_dotsq_i8(const check_tier *t, const dots_case *c) {
  const int8_t *q = (const int8_t *)c->q, *rows = (const int8_t *)c->rows;
  size_t dim = c->dim, nrows = c->nrows;
  simdot_dotsq_i8_scalar(q, c->nq, rows, dim, nrows, (int32_t *)g_ref);
  u32 *out = dots_out(c);
  set_current("dotsq_i8", dim, nrows, c->qoff < 0);
  g_current.nq = c->nq;
  t->dotsq_i8(q, c->nq, rows, dim, nrows, (int32_t *)out);
  if (dots_sentinels(c, out, "dotsq_i8")) return;
  for (size_t i = 0; i < c->nq * nrows; i++) {
    if (out[i] == g_ref[i]) continue;
    if (fail_open("dotsq_i8")) {
      put_dots_where(c);
      put_pair(i / nrows, i % nrows);
      put_s(" got=");
      put_i((int32_t)out[i]);
      put_s(" expected=");
      put_i((int32_t)g_ref[i]);
      line_end();
    }
    return;
  }
  g_passed++;
}

/* Every element must be the very bits of the tier's own dot_f32 for that query and row (the
 * one summation order per tier); the first and the last are also held to the bound (dot_f32
 * itself is, at every length, by its own cases). */
static void case_dotsq_f32(const check_tier *t, const dots_case *c) {
  const float *q = (const float *)c->q, *rows = (const float *)c->rows;
  size_t dim = c->dim, nrows = c->nrows, n = c->nq * nrows;
  u32 *out = dots_out(c);
  set_current("dotsq_f32", dim, nrows, c->qoff < 0);
  g_current.nq = c->nq;
  t->dotsq_f32(q, c->nq, rows, dim, nrows, (float *)out);
  if (dots_sentinels(c, out, "dotsq_f32")) return;
  for (size_t i = 0; i < n; i++) {
    const float *qj = q + i / nrows * dim, *row = rows + i % nrows * dim;
    float got = f32_from_bits(out[i]), want = 0, same = got;
    double err = 0, bound = 0;
    int ok = 1;
    if (i == 0 || i == n - 1) {
      want = simdot_dot_f32_scalar(qj, row, dim);
      ok = f32_ok(got, want, qj, row, dim, &err, &bound);
    }
    if (ok && t->dot_f32) {
      set_current("dot_f32", dim, 0, c->qoff < 0);
      same = t->dot_f32(qj, row, dim);
      ok = f32_bits(same) == out[i];
    }
    if (ok) continue;
    if (fail_open("dotsq_f32")) {
      put_dots_where(c);
      put_pair(i / nrows, i % nrows);
      put_s(" got=");
      put_f(got);
      if (err <= bound) {
        put_s(" but dot_f32 of the same pair gives ");
        put_f(same);
      } else {
        put_s(" expected=");
        put_f(want);
        put_s(" error=");
        put_d(err);
        put_s(" bound=");
        put_d(bound);
      }
      line_end();
    }
    return;
  }
  g_passed++;
}

static const size_t i8_wrap_dims[] = {65535, 65537, 131073};
static const size_t f32_long_dims[] = {4097, 65537};

static void check_dotsq(const check_tier *t, int f32) {
  size_t esz = f32 ? 4 : 1;
  unsigned max_off = f32 ? 16 : 64;
  void (*run)(const check_tier *, const dots_case *) = f32 ? case_dotsq_f32 : case_dotsq_i8;
  seed(f32 ? 6 : 5);
  /* Every dim of the dots checks with nq 1..8: nrows 0..9 for every nq (the row blocks and
   * their remainders depend on nq) and, up to dim 129, one more nrows in 10..50 for each (nq,
   * pattern); the queries and rows at pseudo-random (mostly odd) offsets, out between
   * sentinels. */
  for (size_t k = 0; k < sizeof dots_dims / sizeof dots_dims[0]; k++) {
    size_t dim = dots_dims[k];
    for (int p = 0; p < 3; p++) {
      int pat = f32 ? (p == 2 ? F32_MIXED : F32_UNIT)
                    : (p == 2 ? I8_EXTREMES : p == 1 ? I8_MIN_MIN : I8_RANDOM);
      fill_two(f32, g_a, 8 * dim + max_off, g_b, 51 * dim + max_off, pat);
      for (size_t nq = 1; nq <= SIMDOT_MAX_BATCH; nq++) {
        size_t slot = (nq - 1) * 3 + (size_t)p;
        for (size_t i = 0; i < 5; i++) {
          size_t nrows = i < 4 ? (size_t)p + 3 * i : 10 + slot * 41 / 24; /* 10..50: 24 slots */
          if (nrows > 9 && (i < 4 || dim > 129)) continue; /* long rows: the big cases below */
          dots_case c = {0, 0, dim, nrows, 0, 0, 0, 0, nq};
          c.qoff = (long)(rnd_below(max_off) | 1);
          c.roff = (long)rnd_below(max_off);
          c.out_off = rnd_below(8);
          c.q = g_a + c.qoff * esz;
          c.rows = g_b + c.roff * esz;
          run(t, &c);
        }
      }
    }
  }
  /* Many rows: the block loops run long, with each remainder after them. */
  static const size_t big[][3] = {{17, 1000, 8}, {17, 1001, 3}, {17, 1002, 5}, {17, 1003, 2},
                                  {129, 257, 8}, {129, 258, 7}, {129, 259, 6}, {129, 260, 4},
                                  {384, 259, 1}};
  for (size_t k = 0; k < sizeof big / sizeof big[0]; k++) {
    dots_case c = {g_a + 3 * esz, g_b + 5 * esz, big[k][0], big[k][1], 3, 5, 1, 0, big[k][2]};
    fill_two(f32, g_a + 3 * esz, c.nq * c.dim, g_b + 5 * esz, c.dim * c.nrows,
             f32 ? F32_UNIT : I8_RANDOM);
    run(t, &c);
  }
  /* Queries at every offset, and rows at every offset (two of each other's per case: the
   * kernels load both unaligned, so no pair of offsets is special beyond that). */
  static const size_t off_dims[] = {3, 17, 65};
  for (size_t k = 0; k < sizeof off_dims / sizeof off_dims[0]; k++) {
    for (unsigned qo = 0; qo < max_off; qo++) {
      for (unsigned pick = 0; pick < 2; pick++) {
        unsigned ro = pick ? (qo * 7 + 3) % max_off : max_off - 1 - qo;
        size_t nq = 1 + (qo + 3 * ro) % SIMDOT_MAX_BATCH;
        dots_case c = {g_a + qo * esz, g_b + ro * esz, off_dims[k], 5, qo, ro, (qo + ro) & 7,
                       0, nq};
        fill_two(f32, g_a + qo * esz, nq * c.dim, g_b + ro * esz, c.dim * c.nrows,
                 f32 ? F32_UNIT : I8_RANDOM);
        run(t, &c);
      }
    }
  }
  /* Queries, rows and out each flush against an inaccessible page. */
  static const size_t g_dims[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,   9,   10,  11,  12,  13,
                                  14, 15, 16, 17, 31, 32, 33, 63, 64,  65,  127, 128, 129, 384,
                                  447, 1537};
  static const size_t g_nrows[] = {1, 2, 3, 4, 5, 7, 8, 9};
  for (size_t k = 0; k < sizeof g_dims / sizeof g_dims[0]; k++) {
    for (size_t j = 0; j < sizeof g_nrows / sizeof g_nrows[0]; j++) {
      size_t dim = g_dims[k], nrows = g_nrows[j], nq = 1 + (k + j) % SIMDOT_MAX_BATCH;
      u8 *q = (u8 *)guarded(0, nq * dim * esz, 1);
      u8 *rows = (u8 *)guarded(1, dim * nrows * esz, 1);
      void *out = 0;
      if (g_guard && g_guard->alloc) out = g_guard->alloc(nq * nrows * 4);
      dots_case c = {q, rows, dim, nrows, -1, -1, 0, out, nq};
      fill_two(f32, q, nq * dim, rows, dim * nrows, f32 ? F32_UNIT : I8_RANDOM);
      run(t, &c);
      guarded_done();
    }
  }
  /* Both sides of the aarch64 switch points (aarch64_tuning.h): the i8mm int8 kernel's dim range
   * and query count, and the rows per block of the neon float32 one; every kernel gets them. */
  static const size_t sw_dims[] = {
      SIMDOT_I8MM_DOTSQ_MIN_DIM - 1,          SIMDOT_I8MM_DOTSQ_MIN_DIM,
      SIMDOT_I8MM_DOTSQ_MIN_DIM + 1,          SIMDOT_I8MM_DOTSQ_MAX_DIM - 1,
      SIMDOT_I8MM_DOTSQ_MAX_DIM,              SIMDOT_I8MM_DOTSQ_MAX_DIM + 1,
      SIMDOT_NEON_DOTSQ_F32_BLOCK / 8,        SIMDOT_NEON_DOTSQ_F32_BLOCK / 8 + 1,
      SIMDOT_NEON_DOTSQ_F32_BLOCK / 4 - 1,    SIMDOT_NEON_DOTSQ_F32_BLOCK / 4 + 1};
  for (size_t k = 0; k < sizeof sw_dims / sizeof sw_dims[0]; k++) {
    for (size_t nq = 1; nq <= SIMDOT_MAX_BATCH; nq++) {
      if (nq != SIMDOT_I8MM_DOTSQ_MIN_NQ - 1 && nq != SIMDOT_I8MM_DOTSQ_MIN_NQ && nq != 5 &&
          nq != SIMDOT_MAX_BATCH) {
        continue;
      }
      size_t dim = sw_dims[k], nrows = 1 + (k + nq) % 3;
      dots_case c = {g_a + esz, g_b + 3 * esz, dim, nrows, 1, 3, (unsigned)k & 7, 0, nq};
      fill_two(f32, g_a + esz, nq * dim, g_b + 3 * esz, dim * nrows,
               f32 ? F32_UNIT : (k & 1 ? I8_EXTREMES : I8_RANDOM));
      run(t, &c);
    }
  }
  /* Long vectors: int8 where the int32 result wraps (all -128, all 127, random extremes),
   * float32 past the unrolled loops. */
  const size_t *long_dims = f32 ? f32_long_dims : i8_wrap_dims;
  size_t nlong = f32 ? sizeof f32_long_dims / sizeof f32_long_dims[0]
                     : sizeof i8_wrap_dims / sizeof i8_wrap_dims[0];
  for (size_t k = 0; k < nlong; k++) {
    for (int p = 0; p < 3; p++) {
      int pat = f32 ? (p == 2 ? F32_MIXED : F32_UNIT)
                    : (p == 2 ? I8_EXTREMES : p == 1 ? I8_MIN_MIN : I8_MAX_MAX);
      size_t dim = long_dims[k], nq = 1 + (k + (size_t)p) % 3, nrows = 1 + (size_t)p;
      if (f32 && dim > 4097) nq = nrows = 2; /* 2 x 65537 floats fill one buffer */
      dots_case c = {g_a + esz, g_b, dim, nrows, 1, 0, (unsigned)p, 0, nq};
      fill_two(f32, g_a + esz, nq * dim, g_b, dim * nrows, pat);
      run(t, &c);
    }
  }
}

/* ----------------------------------------------------------------------- Hamming ---- */

/* Bit patterns of the Hamming checks, for an operand a (a query) and an operand b (a vector or
 * rows): random bits; every bit different (a all ones, b all zeros: 8 per byte, the most a
 * byte lane can count); all zeros; b a copy of a, repeated (distance 0 over random data);
 * alternating bytes, 0x55 and 0xaa against 0x55, every third byte inverted. */
enum { HM_RANDOM, HM_ONES, HM_ZEROS, HM_EQUAL, HM_ALT, HM_PATTERNS };
static const char *const hm_names[HM_PATTERNS] = {"random", "all-ones", "all-zeros", "equal",
                                                  "alternating"};

static void fill_hm(u8 *a, size_t na, u8 *b, size_t nb, int pat) {
  size_t i;
  switch (pat) {
    case HM_ONES:
      for (i = 0; i < na; i++) a[i] = 0xff;
      for (i = 0; i < nb; i++) b[i] = 0x00;
      break;
    case HM_ZEROS:
      for (i = 0; i < na; i++) a[i] = 0;
      for (i = 0; i < nb; i++) b[i] = 0;
      break;
    case HM_EQUAL:
      for (i = 0; i < na; i++) a[i] = (u8)rnd();
      for (i = 0; i < nb; i++) b[i] = na ? a[i % na] : (u8)rnd();
      break;
    case HM_ALT:
      for (i = 0; i < na; i++) a[i] = (i & 1) ? 0xaa : 0x55;
      for (i = 0; i < nb; i++) b[i] = (u8)(0x55 ^ (i % 3 == 0 ? 0xff : 0));
      break;
    default:
      for (i = 0; i < na; i += 8) {
        u64 bits = rnd();
        for (size_t k = i; k < na && k < i + 8; k++, bits >>= 8) a[k] = (u8)bits;
      }
      for (i = 0; i < nb; i += 8) {
        u64 bits = rnd();
        for (size_t k = i; k < nb && k < i + 8; k++, bits >>= 8) b[k] = (u8)bits;
      }
      break;
  }
}

/* The plain reference: each byte's bits, one at a time, summed in 64 bits and wrapped to 32
 * like the kernels' uint32 result. The scalar kernels must agree with it too. */
static u32 ref_hamming(const u8 *a, const u8 *b, size_t n) {
  u64 s = 0;
  for (size_t i = 0; i < n; i++) {
    for (u32 x = (u32)(a[i] ^ b[i]); x; x &= x - 1) s++;
  }
  return (u32)s;
}

static void case_hamming(const check_tier *t, const u8 *a, const u8 *b, size_t n, const char *what,
                         long aoff, long boff) {
  u32 want = simdot_hamming_scalar(a, b, n);
  set_current("hamming", n, 0, aoff < 0);
  u32 got = t->hamming(a, b, n);
  u32 exact = ref_hamming(a, b, n);
  if (got == want && want == exact) {
    g_passed++;
    return;
  }
  if (!fail_open("hamming")) return;
  put_where(n, what, aoff, boff);
  put_s(" got=");
  put_u(got);
  put_s(" expected=");
  put_u(want);
  if (want != exact) {
    put_s(" (scalar disagrees with the plain popcount ");
    put_u(exact);
    put_s(")");
  }
  line_end();
}

/* The x86-64 Hamming kernels' switch points (x86_64_tuning.h), on both sides, and the 32- and
 * 64-byte chunks around them. */
#define HM_SWITCH(x) (x) - 33, (x) - 32, (x) - 31, (x) - 1, (x), (x) + 1, (x) + 31, (x) + 32, (x) + 33
static const size_t hm_switch_lengths[] = {
    HM_SWITCH(SIMDOT_AVX2_HAMMING_HS_MIN_N),           HM_SWITCH(SIMDOT_AVX2_HAMMING_HS_MIN_N + 512),
    HM_SWITCH(SIMDOT_AVX2_HAMMINGS_ROWS1_MIN_N),       HM_SWITCH(SIMDOT_AVX512VNNI_HAMMINGS_ROWS1_MIN_N)};
#define HM_NSWITCH (sizeof hm_switch_lengths / sizeof hm_switch_lengths[0])

static const size_t hm_lengths_long[] = {383,  384,  385,  511,  512,  513,  1023, 1024,  1025,  1535,
                                         1536, 1537, 2047, 2048, 2049, 4095, 4096, 4097,  8191,  8192,
                                         8193, 12345, 65535, 65536, 65537, 140000};

static void check_hamming(const check_tier *t) {
  u8 *a = g_a, *b = g_b;
  seed(11);
  /* Every length 0..300 (16, 32, 64, 128 and 256 among them) and the long ones, every pattern,
   * 64-byte aligned inputs. */
  for (int pat = 0; pat < HM_PATTERNS; pat++) {
    for (size_t k = 0; k <= 300 + sizeof hm_lengths_long / sizeof hm_lengths_long[0] + HM_NSWITCH; k++) {
      size_t n = k <= 300 ? k
                 : k <= 300 + sizeof hm_lengths_long / sizeof hm_lengths_long[0]
                     ? hm_lengths_long[k - 301]
                     : hm_switch_lengths[k - 301 - sizeof hm_lengths_long / sizeof hm_lengths_long[0]];
      fill_hm(a, n, b, n, pat);
      case_hamming(t, a, b, n, hm_names[pat], 0, 0);
    }
  }
  /* Both inputs at every byte offset 0..63. */
  static const size_t off_lengths[] = {1, 7, 8, 15, 31, 32, 33, 63, 64, 65, 200};
  for (size_t k = 0; k < sizeof off_lengths / sizeof off_lengths[0]; k++) {
    size_t n = off_lengths[k];
    for (int ao = 0; ao < 64; ao++) {
      for (int bo = 0; bo < 64; bo++) {
        int pat = (ao + bo) % 3 ? HM_RANDOM : HM_ONES;
        fill_hm(a + ao, n, b + bo, n, pat);
        case_hamming(t, a + ao, b + bo, n, hm_names[pat], ao, bo);
      }
    }
  }
  /* Flush against an inaccessible page, at the end and at the start. */
  static const size_t guard_lengths[] = {255, 256, 257, 511, 512, 513, 1000, 1023, 1024, 1025, 4095, 4096, 4097};
  for (size_t k = 0; k < 131 + sizeof guard_lengths / sizeof guard_lengths[0] + HM_NSWITCH; k++) {
    size_t n = k < 131 ? k
               : k < 131 + sizeof guard_lengths / sizeof guard_lengths[0]
                   ? guard_lengths[k - 131]
                   : hm_switch_lengths[k - 131 - sizeof guard_lengths / sizeof guard_lengths[0]];
    for (int at_end = 1; at_end >= 0; at_end--) {
      if (!at_end && n == 0) continue;
      u8 *ga = (u8 *)guarded(0, n, at_end), *gb = (u8 *)guarded(1, n, at_end);
      fill_hm(ga, n, gb, n, k & 1 ? HM_ONES : HM_RANDOM);
      case_hamming(t, ga, gb, n, k & 1 ? "all-ones" : "random", at_end ? -1 : -2, 0);
      guarded_done();
    }
  }
}

/* hammings (nq = 0 in the case) and hammingsq: every element against the scalar kernel and the
 * plain reference, out between sentinels (or flush against a guard page). */
static void case_hammings(const check_tier *t, const dots_case *c) {
  const u8 *q = (const u8 *)c->q, *rows = (const u8 *)c->rows;
  size_t n = c->dim, nrows = c->nrows, nq = c->nq ? c->nq : 1;
  const char *op = c->nq ? "hammingsq" : "hammings";
  if (c->nq) {
    simdot_hammingsq_scalar(q, nq, rows, n, nrows, g_ref);
  } else {
    simdot_hammings_scalar(q, rows, n, nrows, g_ref);
  }
  u32 *out = dots_out(c);
  set_current(op, n, nrows, c->qoff < 0);
  g_current.nq = c->nq;
  if (c->nq) {
    t->hammingsq(q, nq, rows, n, nrows, out);
  } else {
    t->hammings(q, rows, n, nrows, out);
  }
  if (dots_sentinels(c, out, op)) return;
  for (size_t i = 0; i < nq * nrows; i++) {
    u32 exact = ref_hamming(q + i / nrows * n, rows + i % nrows * n, n);
    if (out[i] == g_ref[i] && g_ref[i] == exact) continue;
    if (fail_open(op)) {
      put_dots_where(c);
      put_pair(i / nrows, i % nrows);
      put_s(" got=");
      put_u(out[i]);
      put_s(" expected=");
      put_u(g_ref[i]);
      if (g_ref[i] != exact) {
        put_s(" (scalar disagrees with the plain popcount ");
        put_u(exact);
        put_s(")");
      }
      line_end();
    }
    return;
  }
  g_passed++;
}

static const size_t hm_dims[] = {1,   2,   3,   4,   5,   7,   8,   9,   15,  16,  17,  24,  31,
                                 32,  33,  48,  63,  64,  65,  95,  96,  127, 128, 129, 191, 192,
                                 193, 255, 256, 257, 384, 511, 512, 513, 1023, 1024, 1025, 1536,
                                 1537, 2048, 2049};

/* Checks hammings (batch = 0) or hammingsq (batch = 1). */
static void check_hammings(const check_tier *t, int batch) {
  void (*run)(const check_tier *, const dots_case *) = case_hammings;
  seed(batch ? 13 : 12);
  /* Every dim: hammings with nrows 0..50, every remainder of a block of rows; hammingsq with nq
   * 1..8 and nrows 0..9 for every nq, and (up to dim 257) one more nrows in 10..50 for each
   * (nq, pattern); the queries and rows at pseudo-random (mostly odd) offsets, out between
   * sentinels. */
  for (size_t k = 0; k < sizeof hm_dims / sizeof hm_dims[0] + HM_NSWITCH; k++) {
    size_t dim = k < sizeof hm_dims / sizeof hm_dims[0] ? hm_dims[k] : hm_switch_lengths[k - sizeof hm_dims / sizeof hm_dims[0]];
    for (int p = 0; p < 3; p++) {
      int pat = p == 2 ? (k & 1 ? HM_ONES : HM_EQUAL) : p == 1 ? HM_ALT : HM_RANDOM;
      fill_hm(g_a, 8 * dim + 64, g_b, 51 * dim + 64, pat);
      if (!batch) {
        for (size_t nrows = (size_t)p; nrows <= 50; nrows += (dim > 600 ? 7 : 3)) {
          dots_case c = {0, 0, dim, nrows, 0, 0, 0, 0, 0};
          c.qoff = (long)(rnd_below(64) | 1);
          c.roff = (long)rnd_below(64);
          c.out_off = rnd_below(8);
          c.q = g_a + c.qoff;
          c.rows = g_b + c.roff;
          run(t, &c);
        }
        continue;
      }
      for (size_t nq = 1; nq <= SIMDOT_MAX_BATCH; nq++) {
        size_t slot = (nq - 1) * 3 + (size_t)p;
        for (size_t i = 0; i < 5; i++) {
          size_t nrows = i < 4 ? (size_t)p + 3 * i : 10 + slot * 41 / 24; /* 10..50: 24 slots */
          if (nrows > 9 && (i < 4 || dim > 257)) continue;
          dots_case c = {0, 0, dim, nrows, 0, 0, 0, 0, nq};
          c.qoff = (long)(rnd_below(64) | 1);
          c.roff = (long)rnd_below(64);
          c.out_off = rnd_below(8);
          c.q = g_a + c.qoff;
          c.rows = g_b + c.roff;
          run(t, &c);
        }
      }
    }
  }
  /* Many rows: the block loops run long, with each remainder after them. */
  static const size_t big[][3] = {{8, 1003, 1},   {16, 1000, 2},  {17, 1001, 3},  {24, 1002, 8},
                                  {32, 1000, 1},  {33, 1003, 5},  {64, 1001, 4},  {129, 257, 8},
                                  {129, 258, 7},  {192, 259, 6},  {192, 260, 1},  {193, 257, 2},
                                  {384, 259, 1},  {384, 258, 3},  {1024, 101, 1}, {1025, 99, 2},
                                  {2049, 50, 1},  {4097, 21, 1},  {4097, 11, 5}};
  for (size_t k = 0; k < sizeof big / sizeof big[0]; k++) {
    dots_case c = {g_a + 3, g_b + 5, big[k][0], big[k][1], 3, 5, 1, 0, batch ? big[k][2] : 0};
    size_t nq = batch ? big[k][2] : 1;
    fill_hm(g_a + 3, nq * c.dim, g_b + 5, c.dim * c.nrows, k % 3 ? HM_RANDOM : HM_ONES);
    run(t, &c);
  }
  /* The queries and the rows at every offset (hammingsq: two row offsets per query offset, the
   * kernels load both unaligned). */
  static const size_t off_dims[] = {3, 17, 40, 65, 200};
  for (size_t k = 0; k < sizeof off_dims / sizeof off_dims[0]; k++) {
    for (unsigned qo = 0; qo < 64; qo++) {
      for (unsigned ro = 0; ro < 64; ro++) {
        if (batch && ro != (qo * 7 + 3) % 64 && ro != 63 - qo) continue;
        size_t nq = batch ? 1 + (qo + 3 * ro) % SIMDOT_MAX_BATCH : 0;
        dots_case c = {g_a + qo, g_b + ro, off_dims[k], 5, qo, ro, (qo + ro) & 7, 0, nq};
        fill_hm(g_a + qo, (nq ? nq : 1) * c.dim, g_b + ro, c.dim * c.nrows, HM_RANDOM);
        run(t, &c);
      }
    }
  }
  /* Queries, rows and out each flush against an inaccessible page. */
  static const size_t g_dims[] = {0,  1,  2,  3,  4,  5,  7,  8,  9,   15,  16,  17,  24,  31,  32,
                                  33, 63, 64, 65, 127, 128, 129, 191, 192, 193, 255, 256, 257, 1023,
                                  1024, 1025, 1537};
  static const size_t g_nrows[] = {1, 2, 3, 4, 5, 7, 8, 9};
  for (size_t k = 0; k < sizeof g_dims / sizeof g_dims[0]; k++) {
    for (size_t j = 0; j < sizeof g_nrows / sizeof g_nrows[0]; j++) {
      size_t dim = g_dims[k], nrows = g_nrows[j], nq = batch ? 1 + (k + j) % SIMDOT_MAX_BATCH : 0;
      size_t nqs = nq ? nq : 1;
      u8 *q = (u8 *)guarded(0, nqs * dim, 1);
      u8 *rows = (u8 *)guarded(1, dim * nrows, 1);
      void *out = 0;
      if (g_guard && g_guard->alloc) out = g_guard->alloc(nqs * nrows * 4);
      dots_case c = {q, rows, dim, nrows, -1, -1, 0, out, nq};
      fill_hm(q, nqs * dim, rows, dim * nrows, (k + j) & 1 ? HM_ONES : HM_RANDOM);
      run(t, &c);
      guarded_done();
    }
  }
}

/* ------------------------------------------------------------------------ entry ---- */

static void append(char *to, size_t size, size_t *len, const char *text) {
  while (*text && *len + 1 < size) to[(*len)++] = *text++;
  if (size) to[*len] = 0;
}

check_tier check_tier_for(simdot_tier tier, uint32_t cpu, char *kernels, size_t size) {
  const simdot_kernel *k[SIMDOT_OP_COUNT];
  for (int op = 0; op < SIMDOT_OP_COUNT; op++) k[op] = simdot_resolve((simdot_op)op, tier, cpu);
  check_tier c;
  c.name = simdot_tier_name(tier);
  c.dot_i8 = (simdot_dot_i8_t *)(void *)k[SIMDOT_OP_dot_i8]->fn;
  c.dot_f32 = (simdot_dot_f32_t *)(void *)k[SIMDOT_OP_dot_f32]->fn;
  c.dots_i8 = (simdot_dots_i8_t *)(void *)k[SIMDOT_OP_dots_i8]->fn;
  c.dots_f32 = (simdot_dots_f32_t *)(void *)k[SIMDOT_OP_dots_f32]->fn;
  c.dotsq_i8 = (simdot_dotsq_i8_t *)(void *)k[SIMDOT_OP_dotsq_i8]->fn;
  c.dotsq_f32 = k[SIMDOT_OP_dotsq_f32]->tier == k[SIMDOT_OP_dots_f32]->tier
                    ? (simdot_dotsq_f32_t *)(void *)k[SIMDOT_OP_dotsq_f32]->fn
                    : 0;
  c.hamming = (simdot_hamming_t *)(void *)k[SIMDOT_OP_hamming]->fn;
  c.hammings = (simdot_hammings_t *)(void *)k[SIMDOT_OP_hammings]->fn;
  c.hammingsq = (simdot_hammingsq_t *)(void *)k[SIMDOT_OP_hammingsq]->fn;
  /* "op,op=tier+feature ...": the operations whose kernels are of one tier and need the same
   * extra features, in ops.def order, so that a variant (hamming=scalar+popcnt) shows. */
  static const char *const feature_names[SIMDOT_FEATURE_COUNT] = {
#define SIMDOT_FEATURE(name, arch) #name,
#include "../../native/features.def"
#undef SIMDOT_FEATURE
  };
  size_t len = 0;
  if (size) kernels[0] = 0;
  for (int op = 0; op < SIMDOT_OP_COUNT; op++) {
    if (op == SIMDOT_OP_dotsq_f32 && !c.dotsq_f32) continue;
    int next = op + 1;
    if (next == SIMDOT_OP_dotsq_f32 && !c.dotsq_f32) next++;
    append(kernels, size, &len, simdot_op_name((simdot_op)op));
    if (next < SIMDOT_OP_COUNT && k[next]->tier == k[op]->tier &&
        k[next]->extra_features == k[op]->extra_features) {
      append(kernels, size, &len, ",");
      continue;
    }
    append(kernels, size, &len, "=");
    append(kernels, size, &len, simdot_tier_name(k[op]->tier));
    for (int f = 0; f < SIMDOT_FEATURE_COUNT; f++) {
      if (!((k[op]->extra_features >> f) & 1)) continue;
      append(kernels, size, &len, "+");
      append(kernels, size, &len, feature_names[f]);
    }
    if (next < SIMDOT_OP_COUNT) append(kernels, size, &len, " ");
  }
  return c;
}

unsigned check_run(const check_tier *tier, check_print_fn *print, unsigned *passed) {
  g_print = print;
  g_tier = tier->name;
  g_passed = g_failed = g_shown = 0;
  g_len = 0;
  set_current("-", 0, 0, 0);
  if (tier->dot_i8) check_dot_i8(tier);
  if (tier->dot_f32) check_dot_f32(tier);
  if (tier->dots_i8) check_dots(tier, 0);
  if (tier->dots_f32) check_dots(tier, 1);
  if (tier->dotsq_i8) check_dotsq(tier, 0);
  if (tier->dotsq_f32) check_dotsq(tier, 1);
  if (tier->dot_f32 && tier->dots_f32) check_f32_order(tier);
  if (tier->dot_f32 && tier->dotsq_f32) check_f32_row_alignment(tier);
  if (tier->hamming) check_hamming(tier);
  if (tier->hammings) check_hammings(tier, 0);
  if (tier->hammingsq) check_hammings(tier, 1);
  if (g_failed > g_shown) {
    put_s(g_tier);
    put_s(": ... ");
    put_u(g_failed - g_shown);
    put_s(" more failures not shown");
    line_end();
  }
  put_s(g_tier);
  put_s(": ");
  put_u(g_passed);
  put_s(" passed, ");
  put_u(g_failed);
  put_s(" failed");
  line_end();
  if (passed) *passed = g_passed;
  return g_failed;
}

int check_guard_used(void) { return g_guard_used; }
