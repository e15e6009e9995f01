/*
 * dot_neon.S - the neon tier: int8 and float32 dot / dots / dotsq kernels for baseline ARMv8-A
 * Advanced SIMD, which every aarch64 CPU has. The float32 kernels also serve the neondot and
 * i8mm tiers (those features add nothing to float32 math), so all aarch64 tiers share one
 * float32 summation order.
 *
 * Contract (native/kernels.h): any n >= 0, any alignment; nothing is read outside
 * [ptr, ptr + n) and nothing written outside out[0, nrows) (out[0, nq * nrows) for dotsq), not
 * even within a page: tails are built from lane loads or overlapped loads (aarch64_vec.h).
 *
 * ISA: ARMv8.0-A with Advanced SIMD only. Registers: AAPCS64 (asm.h); dot and dots clobber only
 * volatile registers; dotsq saves d8-d15 (and x19, x20 for float32) on the stack.
 */
#include "asm.h"

#include "aarch64_tuning.h"
#include "aarch64_vec.h"

/* ------------------------------------------------------------------------------ int8 ----
 *
 * The 16 products of two int8 vectors, without SDOT: SMULL / SMULL2 give eight exact int16
 * products each (|a * b| <= 2^14 fits), and SADALP adds them pairwise into the int32 lanes. Not
 * SMLAL into int16: two -128 * -128 products already make 2^15, past int16. Per 16 bytes: four
 * instructions, two on each of the multiply and the pairwise-add pipes of typical cores.
 */
.macro I8_MAC acc, a, b, t0, t1
    smull   \t0\().8h, \a\().8b, \b\().8b
    smull2  \t1\().8h, \a\().16b, \b\().16b
    sadalp  \acc\().4s, \t0\().8h
    sadalp  \acc\().4s, \t1\().8h
.endm

#include "dot_i8_tmpl.h"

/*
 * int32_t simdot_dot_i8_neon(const int8_t *a, const int8_t *b, size_t n);
 *
 * In: x0 = a, x1 = b, x2 = n. Out: w0 (the sum, wrapping mod 2^32 past n = 65536 exactly as the
 * scalar kernel). Clobbers x0-x6, v0-v7, v16-v27. Needs ASIMD.
 * 64 bytes per iteration into four accumulators (dot_i8_tmpl.h, I8_DOT_BODY).
 */
FUNC_BEGIN(simdot_dot_i8_neon)
    I8_DOT_BODY
    ret
FUNC_END(simdot_dot_i8_neon)

/*
 * void simdot_dots_i8_neon(const int8_t *q, const int8_t *rows, size_t dim, size_t nrows,
 *                          int32_t *out);
 *
 * In: x0 = q, x1 = rows, x2 = dim, x3 = nrows, x4 = out. Clobbers x1, x3-x13, v0-v7, v16-v31.
 * Needs ASIMD. Four rows per iteration, each q chunk loaded once for them (I8_DOTS_BODY).
 */
FUNC_BEGIN(simdot_dots_i8_neon)
    I8_DOTS_BODY
    ret
FUNC_END(simdot_dots_i8_neon)

/*
 * void simdot_dotsq_i8_neon(const int8_t *queries, size_t nq, const int8_t *rows, size_t dim,
 *                           size_t nrows, int32_t *out);
 *
 * In: x0 = queries, x1 = nq, x2 = rows, x3 = dim, x4 = nrows, x5 = out. Clobbers x1-x17,
 * v0-v7, v16-v31 (d8-d15 saved). Needs ASIMD. Two rows per iteration against all queries
 * (I8_DOTSQ_BODY); one query is simdot_dots_i8_neon.
 */
FUNC_BEGIN(simdot_dotsq_i8_neon)
    I8_DOTSQ_BODY SYM(simdot_dots_i8_neon)
    ret
FUNC_END(simdot_dotsq_i8_neon)

/* --------------------------------------------------------------------------- float32 ----
 *
 * The canonical summation order of the aarch64 tiers. Every float32 kernel below sums one
 * (query, row) pair exactly this way, so a row scores the same bits whichever kernel scored it
 * and wherever it sat in the call (topK, topKBatch and dots agree to the bit):
 *
 *   1. The row is cut into 4-float chunks. In each whole 16-float step, chunk k (k = 0..3) goes
 *      into accumulator k by one FMLA (query chunk first, row chunk second), steps in increasing
 *      order, from accumulators at +0.
 *   2. After the last whole step: when dim % 16 >= 8, the next two chunks into accumulators 0
 *      and 1; when dim % 8 >= 4, the next chunk into accumulator 2; when dim % 4 != 0, the
 *      last dim % 4 floats, as LOAD_PART_F32 places them in both vectors (the other lanes +0),
 *      into accumulator 3.
 *   3. v = (acc0 + acc1) + (acc2 + acc3), lane by lane.
 *   4. The result is (v0 + v1) + (v2 + v3).
 *
 * Four chains per pair keep dot at the speed of its loads (two per FMLA); dots and dotsq run
 * several pairs side by side. A lane of a partial chunk that holds no element adds 0 * 0 in
 * every kernel alike, and never an inf or a NaN that is not in the input.
 */

/* v16-v19 += the 16-float step of q in v0-v3 times a row's step in \r0-\r3, or the same for
 * the accumulators named. */
.macro F32_FMLA4 a0, a1, a2, a3, r0, r1, r2, r3
    fmla    \a0\().4s, v0.4s, \r0\().4s
    fmla    \a1\().4s, v1.4s, \r1\().4s
    fmla    \a2\().4s, v2.4s, \r2\().4s
    fmla    \a3\().4s, v3.4s, \r3\().4s
.endm

/* \a0 = (a0 + a1) + (a2 + a3): step 3 of the order. */
.macro F32_SUM4 a0, a1, a2, a3
    fadd    \a0\().4s, \a0\().4s, \a1\().4s
    fadd    \a2\().4s, \a2\().4s, \a3\().4s
    fadd    \a0\().4s, \a0\().4s, \a2\().4s
.endm

/* One pair in the canonical order: q at \q, the row at \r (both cursors advanced), n = \n
 * floats (kept), \c a counter. Leaves the sum in s16. Clobbers v0-v7, v16-v19. Labels 71-75. */
.macro F32_ROW1 q, r, n, c
    movi    v16.4s, #0
    movi    v17.4s, #0
    movi    v18.4s, #0
    movi    v19.4s, #0
    lsr     \c, \n, #4
    cbz     \c, 72f
71: ld1     {v0.4s-v3.4s}, [\q], #64
    ld1     {v4.4s-v7.4s}, [\r], #64
    F32_FMLA4 v16, v17, v18, v19, v4, v5, v6, v7
    subs    \c, \c, #1
    b.ne    71b
72: tbz     \n, #3, 73f
    ld1     {v0.4s, v1.4s}, [\q], #32
    ld1     {v4.4s, v5.4s}, [\r], #32
    fmla    v16.4s, v0.4s, v4.4s
    fmla    v17.4s, v1.4s, v5.4s
73: tbz     \n, #2, 74f
    ldr     q0, [\q], #16
    ldr     q4, [\r], #16
    fmla    v18.4s, v0.4s, v4.4s
74: ands    \c, \n, #3
    b.eq    75f
    LOAD_PART_F32 v0, \q, \c
    LOAD_PART_F32 v4, \r, \c
    fmla    v19.4s, v0.4s, v4.4s
75: F32_SUM4 v16, v17, v18, v19
    faddp   v16.4s, v16.4s, v16.4s
    faddp   s16, v16.2s
.endm

/*
 * float simdot_dot_f32_neon(const float *a, const float *b, size_t n);
 *
 * In: x0 = a, x1 = b, x2 = n. Out: s0. Clobbers x0, x1, x3, v0-v7, v16-v19. Needs ASIMD.
 * The canonical order with a as the query (F32_ROW1, which also scores dots' leftover rows):
 * per 16-float step two 64-byte loads and four FMLA into four chains.
 */
FUNC_BEGIN(simdot_dot_f32_neon)
    F32_ROW1 x0, x1, x2, x3
    fmov    s0, s16
    ret
FUNC_END(simdot_dot_f32_neon)

/*
 * void simdot_dots_f32_neon(const float *q, const float *rows, size_t dim, size_t nrows,
 *                           float *out);
 *
 * In: x0 = q, x1 = rows, x2 = dim, x3 = nrows, x4 = out. Clobbers x1, x3-x13, v0-v7,
 * v16-v31 (d8-d13 used, d8-d15 saved). Needs ASIMD.
 * Four rows per iteration in the canonical order: each q step is loaded once (v0-v3) for the
 * four rows, sixteen accumulators (row i: v16 + 4i .. v19 + 4i), sixteen independent chains, 1.25
 * loads per FMLA. The q partial chunk (v12) is built once per call. The four sums are reduced
 * together (three FADDP after F32_SUM4, the same additions as step 4) and stored as one 16-byte
 * write. Leftover rows (nrows % 4) are F32_ROW1, the body of dot_f32.
 */
FUNC_BEGIN(simdot_dots_f32_neon)
    cbz     x3, 9f
    cmp     x3, #4
    b.lo    20f
    SAVE_D8_D15
    and     x6, x2, #3
    bic     x7, x2, #3
    add     x7, x0, x7, lsl #2
    LOAD_PART_F32 v12, x7, x6
10: mov     x8, x1                  // four rows
    add     x9, x8, x2, lsl #2
    add     x10, x9, x2, lsl #2
    add     x11, x10, x2, lsl #2
    add     x1, x11, x2, lsl #2
    mov     x12, x0
    movi    v16.4s, #0
    movi    v17.4s, #0
    movi    v18.4s, #0
    movi    v19.4s, #0
    movi    v20.4s, #0
    movi    v21.4s, #0
    movi    v22.4s, #0
    movi    v23.4s, #0
    movi    v24.4s, #0
    movi    v25.4s, #0
    movi    v26.4s, #0
    movi    v27.4s, #0
    movi    v28.4s, #0
    movi    v29.4s, #0
    movi    v30.4s, #0
    movi    v31.4s, #0
    lsr     x13, x2, #4
    cbz     x13, 12f
11: ld1     {v0.4s-v3.4s}, [x12], #64
    ld1     {v4.4s-v7.4s}, [x8], #64
    ld1     {v8.4s-v11.4s}, [x9], #64
    F32_FMLA4 v16, v17, v18, v19, v4, v5, v6, v7
    F32_FMLA4 v20, v21, v22, v23, v8, v9, v10, v11
    ld1     {v4.4s-v7.4s}, [x10], #64
    ld1     {v8.4s-v11.4s}, [x11], #64
    F32_FMLA4 v24, v25, v26, v27, v4, v5, v6, v7
    F32_FMLA4 v28, v29, v30, v31, v8, v9, v10, v11
    subs    x13, x13, #1
    b.ne    11b
12: tbz     x2, #3, 13f
    ld1     {v0.4s, v1.4s}, [x12], #32
    ld1     {v4.4s, v5.4s}, [x8], #32
    ld1     {v6.4s, v7.4s}, [x9], #32
    ld1     {v8.4s, v9.4s}, [x10], #32
    ld1     {v10.4s, v11.4s}, [x11], #32
    fmla    v16.4s, v0.4s, v4.4s
    fmla    v17.4s, v1.4s, v5.4s
    fmla    v20.4s, v0.4s, v6.4s
    fmla    v21.4s, v1.4s, v7.4s
    fmla    v24.4s, v0.4s, v8.4s
    fmla    v25.4s, v1.4s, v9.4s
    fmla    v28.4s, v0.4s, v10.4s
    fmla    v29.4s, v1.4s, v11.4s
13: tbz     x2, #2, 14f
    ldr     q0, [x12], #16
    ldr     q4, [x8], #16
    ldr     q5, [x9], #16
    ldr     q6, [x10], #16
    ldr     q7, [x11], #16
    fmla    v18.4s, v0.4s, v4.4s
    fmla    v22.4s, v0.4s, v5.4s
    fmla    v26.4s, v0.4s, v6.4s
    fmla    v30.4s, v0.4s, v7.4s
14: cbz     x6, 15f
    LOAD_PART_F32 v4, x8, x6
    LOAD_PART_F32 v5, x9, x6
    LOAD_PART_F32 v6, x10, x6
    LOAD_PART_F32 v7, x11, x6
    fmla    v19.4s, v12.4s, v4.4s
    fmla    v23.4s, v12.4s, v5.4s
    fmla    v27.4s, v12.4s, v6.4s
    fmla    v31.4s, v12.4s, v7.4s
15: F32_SUM4 v16, v17, v18, v19
    F32_SUM4 v20, v21, v22, v23
    F32_SUM4 v24, v25, v26, v27
    F32_SUM4 v28, v29, v30, v31
    faddp   v16.4s, v16.4s, v20.4s  // rows 0, 1: (v0 + v1), (v2 + v3) each
    faddp   v24.4s, v24.4s, v28.4s  // rows 2, 3
    faddp   v16.4s, v16.4s, v24.4s  // the four sums, in row order
    st1     {v16.4s}, [x4], #16
    sub     x3, x3, #4
    cmp     x3, #4
    b.hs    10b
    RESTORE_D8_D15
20: cbz     x3, 9f
21: mov     x8, x1                  // one row
    add     x1, x1, x2, lsl #2
    mov     x12, x0
    F32_ROW1 x12, x8, x2, x13
    st1     {v16.s}[0], [x4], #4
    subs    x3, x3, #1
    b.ne    21b
9:  ret
FUNC_END(simdot_dots_f32_neon)

/* ------------------------------------------------------------------ float32 dotsq ----
 *
 * Queries in groups of at most four, one row at a time: four accumulators per query (the
 * canonical order needs four per pair), so four queries use sixteen. Five to eight queries
 * make two groups, queries 0-3 then the rest, that score the same block of rows one after the
 * other: the block (SIMDOT_NEON_DOTSQ_F32_BLOCK bytes, aarch64_tuning.h) stays in L1 for the
 * second group, so the rows come from memory once. Each group is a local subroutine
 * (L(dotsq_f32_g1) .. g4), called with bl; the caller keeps its return address in x7.
 *
 * Subroutine registers: in x8 = the group's first query, x9 = its first row, x10 = rows
 * (>= 1), x11 = out for the first query and row; x3 = dim and x6 = nrows * 4 (out's stride
 * between queries) are read. Clobbers x8-x17, v0-v31 (the caller has saved d8-d15). Inside:
 * x12-x15 query cursors, x16 row cursor, x17 counter; v0-v3 a query chunk, v4-v7 the row's chunk,
 * v8-v11 the queries' partial chunks (built once per call of the subroutine), v12 the row's,
 * query j's accumulators v16 + 4j .. v19 + 4j, v13-v14 the reduction.
 */
/* F32_FOR_Q nq, m: \m j, query cursor, its four accumulators, its partial chunk, the previous
 * query's cursor (query 0: x8), for j = 0 .. nq - 1. */
.macro F32_FOR_Q nq, m
    \m 0, x12, v16, v17, v18, v19, v8,  x8
    .if \nq > 1
    \m 1, x13, v20, v21, v22, v23, v9,  x12
    .endif
    .if \nq > 2
    \m 2, x14, v24, v25, v26, v27, v10, x13
    .endif
    .if \nq > 3
    \m 3, x15, v28, v29, v30, v31, v11, x14
    .endif
.endm

/* The query's partial chunk, from x16 (query j's floats past dim & ~3; advanced to query
 * j + 1's), x17 = dim % 4. */
.macro F32Q_PART_PREP j, xq, a0, a1, a2, a3, qp, prev
    mov     x15, x16
    LOAD_PART_F32 \qp, x15, x17
    add     x16, x16, x3, lsl #2
.endm
.macro F32Q_START j, xq, a0, a1, a2, a3, qp, prev
    .if \j == 0
    mov     \xq, \prev
    .else
    add     \xq, \prev, x3, lsl #2
    .endif
    movi    \a0\().4s, #0
    movi    \a1\().4s, #0
    movi    \a2\().4s, #0
    movi    \a3\().4s, #0
.endm
.macro F32Q_64 j, xq, a0, a1, a2, a3, qp, prev
    ld1     {v0.4s-v3.4s}, [\xq], #64
    F32_FMLA4 \a0, \a1, \a2, \a3, v4, v5, v6, v7
.endm
.macro F32Q_32 j, xq, a0, a1, a2, a3, qp, prev
    ld1     {v0.4s, v1.4s}, [\xq], #32
    fmla    \a0\().4s, v0.4s, v4.4s
    fmla    \a1\().4s, v1.4s, v5.4s
.endm
.macro F32Q_16 j, xq, a0, a1, a2, a3, qp, prev
    ldr     q0, [\xq], #16
    fmla    \a2\().4s, v0.4s, v4.4s
.endm
.macro F32Q_PART j, xq, a0, a1, a2, a3, qp, prev
    fmla    \a3\().4s, \qp\().4s, v12.4s
.endm
.macro F32Q_SUM j, xq, a0, a1, a2, a3, qp, prev
    F32_SUM4 \a0, \a1, \a2, \a3
.endm
.macro F32Q_STORE j, xq, a0, a1, a2, a3, qp, prev
    st1     {v13.s}[\j], [x17], x6
.endm

.macro F32_DOTSQ_GROUP nq
    ands    x17, x3, #3
    b.eq    40f
    bic     x16, x3, #3
    add     x16, x8, x16, lsl #2
    F32_FOR_Q \nq, F32Q_PART_PREP
40: mov     x16, x9
    F32_FOR_Q \nq, F32Q_START
    lsr     x17, x3, #4
    cbz     x17, 42f
41: ld1     {v4.4s-v7.4s}, [x16], #64
    F32_FOR_Q \nq, F32Q_64
    subs    x17, x17, #1
    b.ne    41b
42: tbz     x3, #3, 43f
    ld1     {v4.4s, v5.4s}, [x16], #32
    F32_FOR_Q \nq, F32Q_32
43: tbz     x3, #2, 44f
    ldr     q4, [x16], #16
    F32_FOR_Q \nq, F32Q_16
44: ands    x17, x3, #3
    b.eq    45f
    LOAD_PART_F32 v12, x16, x17
    F32_FOR_Q \nq, F32Q_PART
45: F32_FOR_Q \nq, F32Q_SUM
    /* step 4 for every query at once: lane j of v13 = query j's sum */
    .if \nq > 2
    faddp   v13.4s, v16.4s, v20.4s
    faddp   v14.4s, v24.4s, v28.4s
    faddp   v13.4s, v13.4s, v14.4s
    .elseif \nq > 1
    faddp   v13.4s, v16.4s, v20.4s
    faddp   v13.4s, v13.4s, v13.4s
    .else
    faddp   v13.4s, v16.4s, v16.4s
    faddp   v13.4s, v13.4s, v13.4s
    .endif
    mov     x17, x11
    F32_FOR_Q \nq, F32Q_STORE
    add     x11, x11, #4
    add     x9, x9, x3, lsl #2
    subs    x10, x10, #1
    b.ne    40b
    ret
.endm

/*
 * void simdot_dotsq_f32_neon(const float *queries, size_t nq, const float *rows, size_t dim,
 *                            size_t nrows, float *out);
 *
 * In: x0 = queries, x1 = nq, x2 = rows, x3 = dim, x4 = nrows, x5 = out. Clobbers x1-x17,
 * v0-v7, v16-v31 (d8-d15, x19, x20 saved; 80 bytes of stack). Needs ASIMD.
 * nq = 1 tail-calls simdot_dots_f32_neon; nq outside 1..8 or nrows = 0 writes nothing. Up to four
 * queries: one group over all rows. Five to eight: blocks of x19 rows
 * (SIMDOT_NEON_DOTSQ_F32_BLOCK / row bytes, at least 1), each scored by queries 0-3 and then by
 * the rest.
 */
FUNC_BEGIN(simdot_dotsq_f32_neon)
    cbz     x4, 9f
    sub     x6, x1, #1
    cmp     x6, #7
    b.hi    9f
    cbnz    x6, 1f
    mov     x1, x2
    mov     x2, x3
    mov     x3, x4
    mov     x4, x5
    b       SYM(simdot_dots_f32_neon)
1:  SAVE_D8_D15
    stp     x19, x20, [sp, #-16]!
    mov     x7, x30
    lsl     x6, x4, #2
    cmp     x1, #4
    b.hi    3f
    mov     x8, x0                  // two to four queries: one group
    mov     x9, x2
    mov     x10, x4
    mov     x11, x5
    cmp     x1, #3
    b.eq    2f
    b.hi    21f
    bl      L(dotsq_f32_g2)
    b       8f
2:  bl      L(dotsq_f32_g3)
    b       8f
21: bl      L(dotsq_f32_g4)
    b       8f
3:  lsl     x19, x3, #2             // five to eight: two groups over blocks of rows
    mov     x20, #SIMDOT_NEON_DOTSQ_F32_BLOCK
    udiv    x19, x20, x19           // dim = 0 divides by 0, which gives 0
    cmp     x19, #1
    csinc   x19, x19, xzr, hs       // at least one row
4:  cmp     x4, x19
    csel    x20, x4, x19, lo        // this block's rows
    mov     x8, x0
    mov     x9, x2
    mov     x10, x20
    mov     x11, x5
    bl      L(dotsq_f32_g4)
    add     x8, x0, x3, lsl #4      // query 4
    mov     x9, x2
    mov     x10, x20
    add     x11, x5, x6, lsl #2
    cmp     x1, #6
    b.eq    5f
    b.hi    6f
    bl      L(dotsq_f32_g1)
    b       7f
5:  bl      L(dotsq_f32_g2)
    b       7f
6:  cmp     x1, #7
    b.ne    61f
    bl      L(dotsq_f32_g3)
    b       7f
61: bl      L(dotsq_f32_g4)
7:  mul     x8, x20, x3
    add     x2, x2, x8, lsl #2
    add     x5, x5, x20, lsl #2
    subs    x4, x4, x20
    b.ne    4b
8:  mov     x30, x7
    ldp     x19, x20, [sp], #16
    RESTORE_D8_D15
9:  ret

L(dotsq_f32_g1):
    F32_DOTSQ_GROUP 1
L(dotsq_f32_g2):
    F32_DOTSQ_GROUP 2
L(dotsq_f32_g3):
    F32_DOTSQ_GROUP 3
L(dotsq_f32_g4):
    F32_DOTSQ_GROUP 4
FUNC_END(simdot_dotsq_f32_neon)
