/*
 * hamming_neon.S - the neon tier's Hamming distances of bit vectors (binary embeddings):
 * popcount(a XOR b) over n bytes, for one pair (hamming), one query against many rows
 * (hammings) and up to eight queries against many rows (hammingsq). Baseline ARMv8-A Advanced
 * SIMD has CNT (a bit count per byte), so these serve every aarch64 tier.
 *
 * CNT leaves 0..8 in each byte lane; the sums are widened only as often as the lanes require,
 * because each widening step (UADDLP / UADALP) costs an instruction of its own:
 *   - hamming adds the counts of each 16-byte column into its own byte accumulator (four
 *     chains, one ADD per step each) and widens them every SIMDOT_NEON_HAMMING_BYTE_STEPS steps;
 *   - hammings and hammingsq score several pairs at once, so each pair has one chain: a step's
 *     four counts are summed in bytes (at most 32 a lane) and added pairwise into halfword lanes
 *     (UADALP), which are reduced to 32 bits every SIMDOT_NEON_HAMMING_HALF_STEPS steps
 *     (aarch64_tuning.h has the arithmetic of both bounds).
 * Either way an exact count of 12 vector instructions per 64 bytes of a pair (EOR, CNT and one
 * add per 16 bytes): the widening is amortized. The 32-bit totals wrap mod 2^32 past n = 2^29,
 * as the scalar kernel's uint32 does, so the results equal it at every length.
 *
 * Contract (native/kernels.h): any n >= 0, any alignment; nothing is read outside the inputs
 * and nothing written outside out[0, nrows) (out[0, nq * nrows) for hammingsq), not even
 * within a page. The last n % 16 bytes are, for n >= 16, an overlapped load of the last 16
 * bytes whose XOR is masked to the bytes not yet counted (a mask on one operand would not do:
 * XOR with 0 keeps the other's bits); below 16 bytes, partial vectors from lane loads, zero in
 * the same lanes on both sides (aarch64_vec.h).
 *
 * ISA: ARMv8.0-A with Advanced SIMD only. Registers: AAPCS64 (asm.h); no kernel here touches
 * d8-d15, x18 or x19-x28; hammingsq keeps 128 bytes of stack.
 *
 * Numeric labels: HAMMING1 10-19, hammings 20-49, hammingsq 50-89 (aarch64_vec.h keeps 90-99).
 */
#include "asm.h"

#include "aarch64_tuning.h"
#include "aarch64_vec.h"

#if SIMDOT_NEON_HAMMING_BYTE_STEPS * 8 + 8 > 255 || SIMDOT_NEON_HAMMING_HALF_STEPS * 64 + 64 > 65535
#  error "a Hamming block would overflow its narrow lanes (aarch64_tuning.h)"
#endif

/* ------------------------------------------------------------------------------ one pair ----
 *
 * HAMMING1 a, b, n, c, k, t0, t1, t2: popcount(a XOR b) over the n bytes at \a and \b (both
 * cursors advanced, n kept) into lane 0 of v24 (s24). \c and \k are counters, \t0-\t2 the tail
 * mask's temporaries; clobbers v0-v7, v16-v19, v24 and the flags.
 * Four byte accumulators (v16-v19, one per 16-byte column): each gains at most 8 a step, so a
 * block of SIMDOT_NEON_HAMMING_BYTE_STEPS steps plus the tail stays below 256; then UADDLP /
 * UADALP fold the four into halfwords (at most 4 * 2 * 248) and those into the 32-bit v24.
 */
.macro HAMMING1_FLUSH
    uaddlp  v16.8h, v16.16b
    uadalp  v16.8h, v17.16b
    uadalp  v16.8h, v18.16b
    uadalp  v16.8h, v19.16b
    uadalp  v24.4s, v16.8h
.endm

.macro HAMMING1 a, b, n, c, k, t0, t1, t2
    movi    v24.4s, #0
    movi    v16.16b, #0
    movi    v17.16b, #0
    movi    v18.16b, #0
    movi    v19.16b, #0
    lsr     \c, \n, #6              // 64-byte steps
    cbz     \c, 13f
10: mov     \k, #SIMDOT_NEON_HAMMING_BYTE_STEPS
    cmp     \c, \k
    csel    \k, \c, \k, lo          // this block's steps
    sub     \c, \c, \k
11: ld1     {v0.16b-v3.16b}, [\a], #64
    ld1     {v4.16b-v7.16b}, [\b], #64
    eor     v0.16b, v0.16b, v4.16b
    eor     v1.16b, v1.16b, v5.16b
    eor     v2.16b, v2.16b, v6.16b
    eor     v3.16b, v3.16b, v7.16b
    cnt     v0.16b, v0.16b
    cnt     v1.16b, v1.16b
    cnt     v2.16b, v2.16b
    cnt     v3.16b, v3.16b
    add     v16.16b, v16.16b, v0.16b
    add     v17.16b, v17.16b, v1.16b
    add     v18.16b, v18.16b, v2.16b
    add     v19.16b, v19.16b, v3.16b
    subs    \k, \k, #1
    b.ne    11b
    cbz     \c, 13f                 // the last block also takes the tail
    HAMMING1_FLUSH
    movi    v16.16b, #0
    movi    v17.16b, #0
    movi    v18.16b, #0
    movi    v19.16b, #0
    b       10b
    /* The last n % 64 bytes: 32, 16, then n % 16, one vector into each accumulator. */
13: tbz     \n, #5, 14f
    ld1     {v0.16b, v1.16b}, [\a], #32
    ld1     {v4.16b, v5.16b}, [\b], #32
    eor     v0.16b, v0.16b, v4.16b
    eor     v1.16b, v1.16b, v5.16b
    cnt     v0.16b, v0.16b
    cnt     v1.16b, v1.16b
    add     v16.16b, v16.16b, v0.16b
    add     v17.16b, v17.16b, v1.16b
14: tbz     \n, #4, 15f
    ld1     {v2.16b}, [\a], #16
    ld1     {v6.16b}, [\b], #16
    eor     v2.16b, v2.16b, v6.16b
    cnt     v2.16b, v2.16b
    add     v18.16b, v18.16b, v2.16b
15: ands    \k, \n, #15
    b.eq    18f
    cmp     \n, #16
    b.lo    16f
    add     \a, \a, \k
    add     \b, \b, \k
    ldur    q3, [\a, #-16]
    ldur    q7, [\b, #-16]
    I8_TAIL_MASK v5, \k, \t0, \t1, \t2
    eor     v3.16b, v3.16b, v7.16b
    and     v3.16b, v3.16b, v5.16b
    b       17f
16: LOAD_PART_I8 v3, \a, \k
    LOAD_PART_I8 v7, \b, \k
    eor     v3.16b, v3.16b, v7.16b
17: cnt     v3.16b, v3.16b
    add     v19.16b, v19.16b, v3.16b
18: HAMMING1_FLUSH
    addv    s24, v24.4s
.endm

/*
 * uint32_t simdot_hamming_neon(const uint8_t *a, const uint8_t *b, size_t n);
 *
 * In: x0 = a, x1 = b, x2 = n. Out: w0. Clobbers x0, x1, x3-x7, v0-v7, v16-v19, v24, flags.
 * Needs ASIMD. 64 bytes a step into four byte accumulators (HAMMING1).
 */
FUNC_BEGIN(simdot_hamming_neon)
    HAMMING1 x0, x1, x2, x3, x4, x5, x6, x7
    fmov    w0, s24
    ret
FUNC_END(simdot_hamming_neon)

/* ------------------------------------------------------------------------- one query ----
 *
 * hammings scores four rows at a time, so that each 64-byte chunk of q (v0-v3) is loaded once
 * for four rows; the rows alternate between two register sets (v4-v7, v16-v19) so that one
 * row's load is in flight while the previous one is counted, which in-order cores need. Row i
 * has one chain: the halfword accumulator v20 + i (HS_ROW64). The query's tail (the last
 * n % 64 bytes) is loaded once per call: v28-v29 its 32-byte piece, v30 its 16-byte piece, v31
 * its last n % 16 bytes, v25 their mask when they come from an overlapped load. The four
 * 32-bit totals of a group live in v24 (lane i: row i) and only gain anything when a row is
 * longer than one block. Rows that fill no group of four are HAMMING1's, one at a time.
 */

/* 64 bytes of a row, \r0-\r3, against q's chunk in v0-v3, into the halfword accumulator \acc:
 * the four counts summed in bytes first (at most 32 a lane), then one UADALP. */
.macro HS_ROW64 acc, r0, r1, r2, r3
    eor     \r0\().16b, \r0\().16b, v0.16b
    eor     \r1\().16b, \r1\().16b, v1.16b
    eor     \r2\().16b, \r2\().16b, v2.16b
    eor     \r3\().16b, \r3\().16b, v3.16b
    cnt     \r0\().16b, \r0\().16b
    cnt     \r1\().16b, \r1\().16b
    cnt     \r2\().16b, \r2\().16b
    cnt     \r3\().16b, \r3\().16b
    add     \r0\().16b, \r0\().16b, \r1\().16b
    add     \r2\().16b, \r2\().16b, \r3\().16b
    add     \r0\().16b, \r0\().16b, \r2\().16b
    uadalp  \acc\().8h, \r0\().16b
.endm

/* The tail pieces of the row at \p (its cursor there) against q's in v28-v31, into \acc. */
.macro HS_TAIL32 acc, p
    ld1     {v4.16b, v5.16b}, [\p], #32
    eor     v4.16b, v4.16b, v28.16b
    eor     v5.16b, v5.16b, v29.16b
    cnt     v4.16b, v4.16b
    cnt     v5.16b, v5.16b
    add     v4.16b, v4.16b, v5.16b
    uadalp  \acc\().8h, v4.16b
.endm
.macro HS_TAIL16 acc, p
    ld1     {v6.16b}, [\p], #16
    eor     v6.16b, v6.16b, v30.16b
    cnt     v6.16b, v6.16b
    uadalp  \acc\().8h, v6.16b
.endm
/* x6 = n % 16 (n >= 16): the overlapped last 16 bytes, their XOR masked by v25. */
.macro HS_TAIL_OVER acc, p
    add     \p, \p, x6
    ldur    q7, [\p, #-16]
    eor     v7.16b, v7.16b, v31.16b
    and     v7.16b, v7.16b, v25.16b
    cnt     v7.16b, v7.16b
    uadalp  \acc\().8h, v7.16b
.endm
/* n < 16: both sides are partial vectors, zero in the same lanes. */
.macro HS_TAIL_PART acc, p
    LOAD_PART_I8 v7, \p, x6
    eor     v7.16b, v7.16b, v31.16b
    cnt     v7.16b, v7.16b
    uadalp  \acc\().8h, v7.16b
.endm

/* v20 = the four rows' sums of v20-v23 (lane i: row i), in 32 bits. */
.macro HS_REDUCE
    uaddlp  v20.4s, v20.8h
    uaddlp  v21.4s, v21.8h
    uaddlp  v22.4s, v22.8h
    uaddlp  v23.4s, v23.8h
    addp    v20.4s, v20.4s, v21.4s
    addp    v22.4s, v22.4s, v23.4s
    addp    v20.4s, v20.4s, v22.4s
.endm

/*
 * void simdot_hammings_neon(const uint8_t *q, const uint8_t *rows, size_t n, size_t nrows,
 *                           uint32_t *out);
 *
 * In: x0 = q, x1 = rows, x2 = n, x3 = nrows, x4 = out. Clobbers x1, x3-x14, v0-v7, v16-v31,
 * flags. Needs ASIMD. Four rows per group, each q chunk loaded once for them; the four totals
 * are stored as one 16-byte write.
 */
FUNC_BEGIN(simdot_hammings_neon)
    cbz     x3, 49f
    cmp     x3, #4
    b.lo    40f
    and     x6, x2, #15
    bic     x5, x2, #63
    add     x5, x0, x5              // q's tail, once per call
    tbz     x2, #5, 20f
    ld1     {v28.16b, v29.16b}, [x5], #32
20: tbz     x2, #4, 21f
    ld1     {v30.16b}, [x5], #16
21: cbz     x6, 23f
    cmp     x2, #16
    b.lo    22f
    add     x5, x5, x6
    ldur    q31, [x5, #-16]
    I8_TAIL_MASK v25, x6, x7, x9, x10
    b       23f
22: LOAD_PART_I8 v31, x5, x6
23: mov     x8, x1                  // four rows
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
    lsr     x13, x2, #6             // 64-byte steps
    cbz     x13, 27f
24: mov     x14, #SIMDOT_NEON_HAMMING_HALF_STEPS
    cmp     x13, x14
    csel    x14, x13, x14, lo       // this block's steps
    sub     x13, x13, x14
25: ld1     {v0.16b-v3.16b}, [x12], #64
    ld1     {v4.16b-v7.16b}, [x8], #64
    ld1     {v16.16b-v19.16b}, [x9], #64
    HS_ROW64 v20, v4, v5, v6, v7
    ld1     {v4.16b-v7.16b}, [x10], #64
    HS_ROW64 v21, v16, v17, v18, v19
    ld1     {v16.16b-v19.16b}, [x11], #64
    HS_ROW64 v22, v4, v5, v6, v7
    HS_ROW64 v23, v16, v17, v18, v19
    subs    x14, x14, #1
    b.ne    25b
    cbz     x13, 27f                // the last block also takes the tail
    HS_REDUCE
    add     v24.4s, v24.4s, v20.4s
    movi    v20.4s, #0
    movi    v21.4s, #0
    movi    v22.4s, #0
    movi    v23.4s, #0
    b       24b
27: tbz     x2, #5, 28f
    HS_TAIL32 v20, x8
    HS_TAIL32 v21, x9
    HS_TAIL32 v22, x10
    HS_TAIL32 v23, x11
28: tbz     x2, #4, 29f
    HS_TAIL16 v20, x8
    HS_TAIL16 v21, x9
    HS_TAIL16 v22, x10
    HS_TAIL16 v23, x11
29: cbz     x6, 31f
    cmp     x2, #16
    b.lo    30f
    HS_TAIL_OVER v20, x8
    HS_TAIL_OVER v21, x9
    HS_TAIL_OVER v22, x10
    HS_TAIL_OVER v23, x11
    b       31f
30: HS_TAIL_PART v20, x8
    HS_TAIL_PART v21, x9
    HS_TAIL_PART v22, x10
    HS_TAIL_PART v23, x11
31: HS_REDUCE
    add     v20.4s, v20.4s, v24.4s
    st1     {v20.4s}, [x4], #16
    sub     x3, x3, #4
    cmp     x3, #4
    b.hs    23b
40: cbz     x3, 49f
41: mov     x8, x1                  // one row
    add     x1, x1, x2
    mov     x12, x0
    HAMMING1 x12, x8, x2, x13, x14, x5, x6, x7
    st1     {v24.s}[0], [x4], #4
    subs    x3, x3, #1
    b.ne    41b
49: ret
FUNC_END(simdot_hammings_neon)

/* ------------------------------------------------------------------------ many queries ----
 *
 * hammingsq(queries, nq, rows, n, nrows, out): out[j * nrows + r] = hamming(query j, row r).
 * One row at a time against all nq queries: each 64-byte chunk of the row (v4-v7) is loaded
 * once for every query, and query j's chunk (v0-v3 for even j, v16-v19 for odd, so that one
 * query's load overlaps the previous one's counting) goes through HS_ROW64's steps into its
 * halfword accumulator v20 + j. The queries are small enough to stay in L1 while the rows
 * stream by. The 32-bit totals, which gain anything only when a row is longer than a block, are
 * v28 (queries 0-3, lane j) and v29 (4-7). The loops are generated for each nq (2..8) and
 * chosen once per call.
 *
 * The queries' last n % 16 bytes are copied once per call to the stack, 16 bytes a query
 * (overlapped loads for n >= 16, then masked by v30 after the XOR; partial vectors below 16).
 *
 * Registers inside the loops: x0 = queries, x2 = the next row, x3 = n, x4 = rows left, x5 = out
 * for query 0 at the current row, x6 = nrows * 4 (out's stride between queries), x7 = n % 16,
 * x8 = the row cursor, x1 = the steps left, x9 = this block's steps and then the out cursor,
 * x10-x17 = the query cursors; sp = the query tails.
 */

/* HQ_FOR nq, m: \m j, query cursor, accumulator, the four chunk registers, the previous
 * query's cursor (query 0: queries), for j = 0 .. nq - 1. */
.macro HQ_FOR nq, m
    \m 0, x10, v20, v0,  v1,  v2,  v3,  x0
    .if \nq > 1
    \m 1, x11, v21, v16, v17, v18, v19, x10
    .endif
    .if \nq > 2
    \m 2, x12, v22, v0,  v1,  v2,  v3,  x11
    .endif
    .if \nq > 3
    \m 3, x13, v23, v16, v17, v18, v19, x12
    .endif
    .if \nq > 4
    \m 4, x14, v24, v0,  v1,  v2,  v3,  x13
    .endif
    .if \nq > 5
    \m 5, x15, v25, v16, v17, v18, v19, x14
    .endif
    .if \nq > 6
    \m 6, x16, v26, v0,  v1,  v2,  v3,  x15
    .endif
    .if \nq > 7
    \m 7, x17, v27, v16, v17, v18, v19, x16
    .endif
.endm

.macro HQ_START j, xq, acc, c0, c1, c2, c3, prev
    .if \j == 0
    mov     \xq, x0
    .else
    add     \xq, \prev, x3
    .endif
    movi    \acc\().4s, #0
.endm
.macro HQ_ZERO j, xq, acc, c0, c1, c2, c3, prev
    movi    \acc\().4s, #0
.endm
.macro HQ_64 j, xq, acc, c0, c1, c2, c3, prev
    ld1     {\c0\().16b-\c3\().16b}, [\xq], #64
    eor     \c0\().16b, \c0\().16b, v4.16b
    eor     \c1\().16b, \c1\().16b, v5.16b
    eor     \c2\().16b, \c2\().16b, v6.16b
    eor     \c3\().16b, \c3\().16b, v7.16b
    cnt     \c0\().16b, \c0\().16b
    cnt     \c1\().16b, \c1\().16b
    cnt     \c2\().16b, \c2\().16b
    cnt     \c3\().16b, \c3\().16b
    add     \c0\().16b, \c0\().16b, \c1\().16b
    add     \c2\().16b, \c2\().16b, \c3\().16b
    add     \c0\().16b, \c0\().16b, \c2\().16b
    uadalp  \acc\().8h, \c0\().16b
.endm
.macro HQ_32 j, xq, acc, c0, c1, c2, c3, prev
    ld1     {\c0\().16b, \c1\().16b}, [\xq], #32
    eor     \c0\().16b, \c0\().16b, v4.16b
    eor     \c1\().16b, \c1\().16b, v5.16b
    cnt     \c0\().16b, \c0\().16b
    cnt     \c1\().16b, \c1\().16b
    add     \c0\().16b, \c0\().16b, \c1\().16b
    uadalp  \acc\().8h, \c0\().16b
.endm
.macro HQ_16 j, xq, acc, c0, c1, c2, c3, prev
    ld1     {\c0\().16b}, [\xq], #16
    eor     \c0\().16b, \c0\().16b, v6.16b
    cnt     \c0\().16b, \c0\().16b
    uadalp  \acc\().8h, \c0\().16b
.endm
.macro HQ_TAIL_OVER j, xq, acc, c0, c1, c2, c3, prev
    ld1     {\c0\().16b}, [x9], #16
    eor     \c0\().16b, \c0\().16b, v7.16b
    and     \c0\().16b, \c0\().16b, v30.16b
    cnt     \c0\().16b, \c0\().16b
    uadalp  \acc\().8h, \c0\().16b
.endm
.macro HQ_TAIL_PART j, xq, acc, c0, c1, c2, c3, prev
    ld1     {\c0\().16b}, [x9], #16
    eor     \c0\().16b, \c0\().16b, v7.16b
    cnt     \c0\().16b, \c0\().16b
    uadalp  \acc\().8h, \c0\().16b
.endm
.macro HQ_WIDEN j, xq, acc, c0, c1, c2, c3, prev
    uaddlp  \acc\().4s, \acc\().8h
.endm
/* Query j's total of this row, out[j * nrows + r]. */
.macro HQ_STORE j, xq, acc, c0, c1, c2, c3, prev
    .if \j < 4
    st1     {v20.s}[\j], [x9], x6
    .else
    st1     {v24.s}[\j - 4], [x9], x6
    .endif
.endm

/* Lane i of \r0 = the sum of the four lanes of register i, for the first \cnt (1..4) of
 * \r0-\r3 (lanes past \cnt: copies). */
.macro HQ_SUM4 cnt, r0, r1, r2, r3
    .if (\cnt) >= 4
    addp    \r0\().4s, \r0\().4s, \r1\().4s
    addp    \r2\().4s, \r2\().4s, \r3\().4s
    addp    \r0\().4s, \r0\().4s, \r2\().4s
    .elseif (\cnt) == 3
    addp    \r0\().4s, \r0\().4s, \r1\().4s
    addp    \r2\().4s, \r2\().4s, \r2\().4s
    addp    \r0\().4s, \r0\().4s, \r2\().4s
    .elseif (\cnt) == 2
    addp    \r0\().4s, \r0\().4s, \r1\().4s
    addp    \r0\().4s, \r0\().4s, \r0\().4s
    .else
    addp    \r0\().4s, \r0\().4s, \r0\().4s
    addp    \r0\().4s, \r0\().4s, \r0\().4s
    .endif
.endm

/* v20 = queries 0-3's sums of their accumulators, v24 = queries 4-7's (lane j % 4). */
.macro HQ_REDUCE nq
    HQ_FOR  \nq, HQ_WIDEN
    HQ_SUM4 \nq, v20, v21, v22, v23
    .if \nq > 4
    HQ_SUM4 \nq - 4, v24, v25, v26, v27
    .endif
.endm

/* Every row, for nq queries (see above). */
.macro HQ_ROWS nq
50: mov     x8, x2
    add     x2, x2, x3
    HQ_FOR  \nq, HQ_START
    movi    v28.4s, #0
    .if \nq > 4
    movi    v29.4s, #0
    .endif
    lsr     x1, x3, #6              // 64-byte steps
    cbz     x1, 53f
51: mov     x9, #SIMDOT_NEON_HAMMING_HALF_STEPS
    cmp     x1, x9
    csel    x9, x1, x9, lo          // this block's steps
    sub     x1, x1, x9
52: ld1     {v4.16b-v7.16b}, [x8], #64
    HQ_FOR  \nq, HQ_64
    subs    x9, x9, #1
    b.ne    52b
    cbz     x1, 53f                 // the last block also takes the tail
    HQ_REDUCE \nq
    add     v28.4s, v28.4s, v20.4s
    .if \nq > 4
    add     v29.4s, v29.4s, v24.4s
    .endif
    HQ_FOR  \nq, HQ_ZERO
    b       51b
53: tbz     x3, #5, 54f
    ld1     {v4.16b, v5.16b}, [x8], #32
    HQ_FOR  \nq, HQ_32
54: tbz     x3, #4, 55f
    ld1     {v6.16b}, [x8], #16
    HQ_FOR  \nq, HQ_16
55: cbz     x7, 58f
    mov     x9, sp
    cmp     x3, #16
    b.lo    56f
    add     x8, x8, x7
    ldur    q7, [x8, #-16]
    HQ_FOR  \nq, HQ_TAIL_OVER
    b       58f
56: LOAD_PART_I8 v7, x8, x7
    HQ_FOR  \nq, HQ_TAIL_PART
58: HQ_REDUCE \nq
    add     v20.4s, v20.4s, v28.4s
    .if \nq > 4
    add     v24.4s, v24.4s, v29.4s
    .endif
    mov     x9, x5
    HQ_FOR  \nq, HQ_STORE
    add     x5, x5, #4
    subs    x4, x4, #1
    b.ne    50b
.endm

/*
 * void simdot_hammingsq_neon(const uint8_t *queries, size_t nq, const uint8_t *rows, size_t n,
 *                            size_t nrows, uint32_t *out);
 *
 * In: x0 = queries, x1 = nq, x2 = rows, x3 = n, x4 = nrows, x5 = out. Clobbers x1-x17,
 * v0-v7, v16-v31, flags; 128 bytes of stack. Needs ASIMD. nq = 1 tail-calls
 * simdot_hammings_neon; nq outside 1..8 or nrows = 0 writes nothing. One row at a time against
 * all queries (HQ_ROWS).
 */
FUNC_BEGIN(simdot_hammingsq_neon)
    cbz     x4, 89f
    sub     x6, x1, #1
    cmp     x6, #7
    b.hi    89f
    cbnz    x6, 60f
    mov     x1, x2
    mov     x2, x3
    mov     x3, x4
    mov     x4, x5
    b       SYM(simdot_hammings_neon)
60: sub     sp, sp, #128
    and     x7, x3, #15
    cbz     x7, 64f
    mov     x9, sp
    mov     x10, x1
    cmp     x3, #16
    b.lo    62f
    I8_TAIL_MASK v30, x7, x8, x11, x12
    add     x8, x0, x3              // the end of query 0
61: ldur    q31, [x8, #-16]
    str     q31, [x9], #16
    add     x8, x8, x3
    subs    x10, x10, #1
    b.ne    61b
    b       64f
62: mov     x8, x0
63: mov     x11, x8
    LOAD_PART_I8 v31, x11, x7
    str     q31, [x9], #16
    add     x8, x8, x3
    subs    x10, x10, #1
    b.ne    63b
64: lsl     x6, x4, #2
    cmp     x1, #3
    b.lo    72f
    b.eq    73f
    cmp     x1, #5
    b.lo    74f
    b.eq    75f
    cmp     x1, #7
    b.lo    76f
    b.eq    77f
    HQ_ROWS 8
    b       88f
72: HQ_ROWS 2
    b       88f
73: HQ_ROWS 3
    b       88f
74: HQ_ROWS 4
    b       88f
75: HQ_ROWS 5
    b       88f
76: HQ_ROWS 6
    b       88f
77: HQ_ROWS 7
88: add     sp, sp, #128
89: ret
FUNC_END(simdot_hammingsq_neon)
