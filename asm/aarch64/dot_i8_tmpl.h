/*
 * dot_i8_tmpl.h - the int8 dot / dots / dotsq bodies of the neon and neondot tiers. The two
 * tiers differ only in how 16 bytes of a meet 16 bytes of b, so the including file defines
 *
 *     .macro I8_MAC acc, a, b, t0, t1
 *
 * which adds the 16 products a[i] * b[i] of \a and \b (int8 x 16) into the int32 lanes of \acc,
 * wrapping mod 2^32, with \t0 and \t1 free for temporaries, and instantiates the bodies below
 * inside its own functions (FUNC_BEGIN / FUNC_END stay in the .S file, with the symbol names).
 *
 * Exactness: whatever I8_MAC does, one int32 lane gathers at most n/4 products of magnitude
 * <= 2^14, so no lane can leave int32 for n <= 65536 (SIMDOT_I8_MAX_CHUNK), and every later
 * step (ADD, ADDP, ADDV) wraps mod 2^32: past 65536 the result is the exact sum mod 2^32, as the
 * scalar kernel's.
 *
 * Tails (see aarch64_vec.h): after the 64-byte loop, whole 16-byte chunks, then the last
 * n % 16 bytes: for n >= 16 one overlapped load of the last 16 bytes, with the bytes already
 * counted zeroed in the query side (the mask is built once per call); below 16 bytes, partial
 * vectors from lane loads.
 *
 * Numeric labels: bodies 1-49, the dotsq dispatch 50-69 (aarch64_vec.h keeps 90-99).
 */
#ifndef SIMDOT_DOT_I8_TMPL_H
#define SIMDOT_DOT_I8_TMPL_H

#include "aarch64_vec.h"

/*
 * int32_t dot_i8(const int8_t *a, const int8_t *b, size_t n)
 *
 * In: x0 = a, x1 = b, x2 = n. Out: w0. Clobbers x0-x6, v0-v7, v16-v27.
 * 64 bytes per iteration, one accumulator per 16-byte column (four chains).
 */
.macro I8_DOT_BODY
    movi    v16.4s, #0
    movi    v17.4s, #0
    movi    v18.4s, #0
    movi    v19.4s, #0
    lsr     x3, x2, #6
    cbz     x3, 2f
1:  ld1     {v0.16b-v3.16b}, [x0], #64
    ld1     {v4.16b-v7.16b}, [x1], #64
    I8_MAC  v16, v0, v4, v20, v21
    I8_MAC  v17, v1, v5, v22, v23
    I8_MAC  v18, v2, v6, v24, v25
    I8_MAC  v19, v3, v7, v26, v27
    subs    x3, x3, #1
    b.ne    1b
2:  tbz     x2, #5, 3f
    ld1     {v0.16b, v1.16b}, [x0], #32
    ld1     {v4.16b, v5.16b}, [x1], #32
    I8_MAC  v16, v0, v4, v20, v21
    I8_MAC  v17, v1, v5, v22, v23
3:  tbz     x2, #4, 4f
    ldr     q0, [x0], #16
    ldr     q4, [x1], #16
    I8_MAC  v18, v0, v4, v20, v21
4:  ands    x3, x2, #15
    b.eq    6f
    cmp     x2, #16
    b.lo    5f
    add     x0, x0, x3
    add     x1, x1, x3
    ldur    q0, [x0, #-16]
    ldur    q4, [x1, #-16]
    I8_TAIL_MASK v5, x3, x4, x5, x6
    and     v0.16b, v0.16b, v5.16b
    I8_MAC  v19, v0, v4, v20, v21
    b       6f
5:  LOAD_PART_I8 v0, x0, x3
    LOAD_PART_I8 v4, x1, x3
    I8_MAC  v19, v0, v4, v20, v21
6:  add     v16.4s, v16.4s, v17.4s
    add     v18.4s, v18.4s, v19.4s
    add     v16.4s, v16.4s, v18.4s
    addv    s16, v16.4s
    fmov    w0, s16
.endm

/* 64 bytes of q (v0-v3) against 64 bytes of one row (\r0-\r3): columns 0 and 2 into \acc_a,
 * 1 and 3 into \acc_b (two chains per row). */
.macro I8_ROW64 acc_a, acc_b, r0, r1, r2, r3
    I8_MAC  \acc_a, v0, \r0, v30, v31
    I8_MAC  \acc_b, v1, \r1, v30, v31
    I8_MAC  \acc_a, v2, \r2, v30, v31
    I8_MAC  \acc_b, v3, \r3, v30, v31
.endm

/* The last x6 = dim % 16 bytes of the row at \p (its cursor there) against the q tail in v29:
 * overlapped (dim >= 16) or partial (dim < 16). */
.macro I8_ROW_TAIL_OVER acc, p
    add     \p, \p, x6
    ldur    q28, [\p, #-16]
    I8_MAC  \acc, v29, v28, v30, v31
.endm
.macro I8_ROW_TAIL_PART acc, p
    LOAD_PART_I8 v28, \p, x6
    I8_MAC  \acc, v29, v28, v30, v31
.endm

/*
 * void dots_i8(const int8_t *q, const int8_t *rows, size_t dim, size_t nrows, int32_t *out)
 *
 * In: x0 = q, x1 = rows, x2 = dim, x3 = nrows, x4 = out. Clobbers x1, x3-x13, v0-v7,
 * v16-v31.
 * Four rows per iteration: each 64-byte chunk of q is loaded once for the four of them, two
 * accumulators per row (v20-v27). The q tail (v29) is built once per call. The four sums are
 * reduced together by three ADDP and stored as one 16-byte write; the rows that fill no group
 * of four go one at a time.
 */
.macro I8_DOTS_BODY
    cbz     x3, 9f
    and     x6, x2, #15
    cbz     x6, 2f
    cmp     x2, #16
    b.lo    1f
    add     x7, x0, x2
    ldur    q29, [x7, #-16]
    I8_TAIL_MASK v28, x6, x7, x8, x9
    and     v29.16b, v29.16b, v28.16b
    b       2f
1:  mov     x7, x0
    LOAD_PART_I8 v29, x7, x6
2:  cmp     x3, #4
    b.lo    20f
10: mov     x8, x1                  // four rows
    add     x9, x8, x2
    add     x10, x9, x2
    add     x11, x10, x2
    add     x1, x11, x2
    mov     x12, x0
    movi    v20.4s, #0
    movi    v21.4s, #0
    movi    v22.4s, #0
    movi    v23.4s, #0
    movi    v24.4s, #0
    movi    v25.4s, #0
    movi    v26.4s, #0
    movi    v27.4s, #0
    lsr     x13, x2, #6
    cbz     x13, 12f
11: ld1     {v0.16b-v3.16b}, [x12], #64
    ld1     {v4.16b-v7.16b}, [x8], #64
    ld1     {v16.16b-v19.16b}, [x9], #64
    I8_ROW64 v20, v21, v4, v5, v6, v7
    I8_ROW64 v22, v23, v16, v17, v18, v19
    ld1     {v4.16b-v7.16b}, [x10], #64
    ld1     {v16.16b-v19.16b}, [x11], #64
    I8_ROW64 v24, v25, v4, v5, v6, v7
    I8_ROW64 v26, v27, v16, v17, v18, v19
    subs    x13, x13, #1
    b.ne    11b
12: ubfx    x13, x2, #4, #2         // whole 16-byte chunks left, 0..3
    cbz     x13, 14f
13: ldr     q0, [x12], #16
    ldr     q4, [x8], #16
    ldr     q5, [x9], #16
    ldr     q6, [x10], #16
    ldr     q7, [x11], #16
    I8_MAC  v20, v0, v4, v30, v31
    I8_MAC  v22, v0, v5, v30, v31
    I8_MAC  v24, v0, v6, v30, v31
    I8_MAC  v26, v0, v7, v30, v31
    subs    x13, x13, #1
    b.ne    13b
14: cbz     x6, 16f
    cmp     x2, #16
    b.lo    15f
    I8_ROW_TAIL_OVER v21, x8
    I8_ROW_TAIL_OVER v23, x9
    I8_ROW_TAIL_OVER v25, x10
    I8_ROW_TAIL_OVER v27, x11
    b       16f
15: I8_ROW_TAIL_PART v21, x8
    I8_ROW_TAIL_PART v23, x9
    I8_ROW_TAIL_PART v25, x10
    I8_ROW_TAIL_PART v27, x11
16: add     v20.4s, v20.4s, v21.4s
    add     v22.4s, v22.4s, v23.4s
    add     v24.4s, v24.4s, v25.4s
    add     v26.4s, v26.4s, v27.4s
    addp    v20.4s, v20.4s, v22.4s
    addp    v24.4s, v24.4s, v26.4s
    addp    v20.4s, v20.4s, v24.4s  // the four sums, in row order
    st1     {v20.4s}, [x4], #16
    sub     x3, x3, #4
    cmp     x3, #4
    b.hs    10b
20: cbz     x3, 9f
21: mov     x8, x1                  // one row
    add     x1, x1, x2
    mov     x12, x0
    movi    v20.4s, #0
    movi    v21.4s, #0
    lsr     x13, x2, #6
    cbz     x13, 23f
22: ld1     {v0.16b-v3.16b}, [x12], #64
    ld1     {v4.16b-v7.16b}, [x8], #64
    I8_ROW64 v20, v21, v4, v5, v6, v7
    subs    x13, x13, #1
    b.ne    22b
23: ubfx    x13, x2, #4, #2
    cbz     x13, 25f
24: ldr     q0, [x12], #16
    ldr     q4, [x8], #16
    I8_MAC  v20, v0, v4, v30, v31
    subs    x13, x13, #1
    b.ne    24b
25: cbz     x6, 27f
    cmp     x2, #16
    b.lo    26f
    I8_ROW_TAIL_OVER v21, x8
    b       27f
26: I8_ROW_TAIL_PART v21, x8
27: add     v20.4s, v20.4s, v21.4s
    addv    s20, v20.4s
    st1     {v20.s}[0], [x4], #4
    subs    x3, x3, #1
    b.ne    21b
9:
.endm

/* ---------------------------------------------------------------------------- dotsq ----
 *
 * dotsq_i8(queries, nq, rows, dim, nrows, out): out[j * nrows + r] = dot(query j, row r).
 * Two rows per iteration against all nq queries: each 64-byte chunk of the two rows is loaded
 * once for every query, each query chunk once for both rows; one accumulator per (query, row)
 * pair, v8-v15 for the first row and v20-v27 for the second. The loops are generated for each
 * nq (2..8) and chosen once per call. A lone last row is scored as a pair of itself and stored
 * once. The query tails (the last dim % 16 bytes, masked or partial as for dots) are prepared
 * once per call on the stack, 16 bytes per query.
 *
 * Registers inside the loops: x0 = queries, x2 = the next row, x3 = dim, x4 = rows left,
 * x5 = out for query 0 at the current row, x6 = nrows * 4 (the stride of out between queries),
 * x7 = dim % 16, x8 and x9 = the two row cursors, x10-x17 = the query cursors, x1 = the loop
 * counter and then the out cursor. v0-v3 a query chunk, v4-v7 and v16-v19 the rows' chunks,
 * v28-v31 temporaries.
 */

/* I8_FOR_Q nq, m: \m j, query cursor, accumulator for the first row, for the second row, the
 * previous query's cursor (query 0: queries), for j = 0 .. nq - 1. */
.macro I8_FOR_Q nq, m
    \m 0, x10, v8,  v20, x0
    .if \nq > 1
    \m 1, x11, v9,  v21, x10
    .endif
    .if \nq > 2
    \m 2, x12, v10, v22, x11
    .endif
    .if \nq > 3
    \m 3, x13, v11, v23, x12
    .endif
    .if \nq > 4
    \m 4, x14, v12, v24, x13
    .endif
    .if \nq > 5
    \m 5, x15, v13, v25, x14
    .endif
    .if \nq > 6
    \m 6, x16, v14, v26, x15
    .endif
    .if \nq > 7
    \m 7, x17, v15, v27, x16
    .endif
.endm

.macro I8Q_START j, xq, a0, a1, prev
    .if \j == 0
    mov     \xq, x0
    .else
    add     \xq, \prev, x3
    .endif
    movi    \a0\().4s, #0
    movi    \a1\().4s, #0
.endm
.macro I8Q_64 j, xq, a0, a1, prev
    ld1     {v0.16b-v3.16b}, [\xq], #64
    I8_MAC  \a0, v0, v4, v30, v31
    I8_MAC  \a1, v0, v16, v28, v29
    I8_MAC  \a0, v1, v5, v30, v31
    I8_MAC  \a1, v1, v17, v28, v29
    I8_MAC  \a0, v2, v6, v30, v31
    I8_MAC  \a1, v2, v18, v28, v29
    I8_MAC  \a0, v3, v7, v30, v31
    I8_MAC  \a1, v3, v19, v28, v29
.endm
.macro I8Q_16 j, xq, a0, a1, prev
    ldr     q0, [\xq], #16
    I8_MAC  \a0, v0, v4, v30, v31
    I8_MAC  \a1, v0, v16, v28, v29
.endm
.macro I8Q_TAIL j, xq, a0, a1, prev
    ldr     q0, [sp, #(16 * \j)]
    I8_MAC  \a0, v0, v4, v30, v31
    I8_MAC  \a1, v0, v16, v28, v29
.endm
/* Both rows' sums of query j, out[j * nrows + r] and out[j * nrows + r + 1]: one 8-byte store. */
.macro I8Q_STORE2 j, xq, a0, a1, prev
    addp    v28.4s, \a0\().4s, \a1\().4s
    addp    v28.4s, v28.4s, v28.4s
    st1     {v28.2s}, [x1], x6
.endm
.macro I8Q_STORE1 j, xq, a0, a1, prev
    addp    v28.4s, \a0\().4s, \a1\().4s
    addp    v28.4s, v28.4s, v28.4s
    st1     {v28.s}[0], [x1], x6
.endm

/* Every row, for nq queries (see above). */
.macro I8_DOTSQ_ROWS nq
30: mov     x8, x2
    add     x9, x2, x3
    cmp     x4, #1
    csel    x9, x8, x9, eq          // a lone last row: the second row is the first again
    add     x2, x9, x3
    I8_FOR_Q \nq, I8Q_START
    lsr     x1, x3, #6
    cbz     x1, 32f
31: ld1     {v4.16b-v7.16b}, [x8], #64
    ld1     {v16.16b-v19.16b}, [x9], #64
    I8_FOR_Q \nq, I8Q_64
    subs    x1, x1, #1
    b.ne    31b
32: ubfx    x1, x3, #4, #2
    cbz     x1, 34f
33: ldr     q4, [x8], #16
    ldr     q16, [x9], #16
    I8_FOR_Q \nq, I8Q_16
    subs    x1, x1, #1
    b.ne    33b
34: cbz     x7, 37f
    cmp     x3, #16
    b.lo    35f
    add     x8, x8, x7
    add     x9, x9, x7
    ldur    q4, [x8, #-16]
    ldur    q16, [x9, #-16]
    b       36f
35: LOAD_PART_I8 v4, x8, x7
    LOAD_PART_I8 v16, x9, x7
36: I8_FOR_Q \nq, I8Q_TAIL
37: mov     x1, x5
    cmp     x4, #2
    b.lo    38f
    I8_FOR_Q \nq, I8Q_STORE2
    add     x5, x5, #8
    subs    x4, x4, #2
    b.ne    30b
    b       39f
38: I8_FOR_Q \nq, I8Q_STORE1
39:
.endm

/*
 * void dotsq_i8(const int8_t *queries, size_t nq, const int8_t *rows, size_t dim, size_t nrows,
 *               int32_t *out)
 *
 * In: x0 = queries, x1 = nq, x2 = rows, x3 = dim, x4 = nrows, x5 = out. Clobbers x1-x17,
 * v0-v7, v16-v31; saves and restores d8-d15; 192 bytes of stack. nq = 1 tail-calls \dots (the
 * tier's dots_i8, same arguments shifted); nq outside 1..8 or nrows = 0 writes nothing.
 */
.macro I8_DOTSQ_BODY dots
    cbz     x4, 69f
    sub     x6, x1, #1
    cmp     x6, #7
    b.hi    69f
    cbnz    x6, 50f
    mov     x1, x2
    mov     x2, x3
    mov     x3, x4
    mov     x4, x5
    b       \dots
50: SAVE_D8_D15
    sub     sp, sp, #128
    and     x7, x3, #15
    cbz     x7, 54f
    mov     x9, sp
    mov     x10, x1
    cmp     x3, #16
    b.lo    52f
    I8_TAIL_MASK v31, x7, x8, x11, x12
    add     x8, x0, x3              // the end of query 0
51: ldur    q30, [x8, #-16]
    and     v30.16b, v30.16b, v31.16b
    str     q30, [x9], #16
    add     x8, x8, x3
    subs    x10, x10, #1
    b.ne    51b
    b       54f
52: mov     x8, x0
53: mov     x11, x8
    LOAD_PART_I8 v30, x11, x7
    str     q30, [x9], #16
    add     x8, x8, x3
    subs    x10, x10, #1
    b.ne    53b
54: lsl     x6, x4, #2
    cmp     x1, #3
    b.lo    62f
    b.eq    63f
    cmp     x1, #5
    b.lo    64f
    b.eq    65f
    cmp     x1, #7
    b.lo    66f
    b.eq    67f
    I8_DOTSQ_ROWS 8
    b       68f
62: I8_DOTSQ_ROWS 2
    b       68f
63: I8_DOTSQ_ROWS 3
    b       68f
64: I8_DOTSQ_ROWS 4
    b       68f
65: I8_DOTSQ_ROWS 5
    b       68f
66: I8_DOTSQ_ROWS 6
    b       68f
67: I8_DOTSQ_ROWS 7
68: add     sp, sp, #128
    RESTORE_D8_D15
69:
.endm

#endif
