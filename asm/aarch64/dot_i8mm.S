/*
 * dot_i8mm.S - the i8mm tier's multi-query int8 kernel: SMMLA (ARMv8.6 I8MM). The tier's other
 * kernels are the neondot ones (int8) and the neon ones (float32).
 *
 * SMMLA multiplies a 2x8 int8 matrix (the first source: two 8-byte rows) by an 8x2 one (the
 * second source: two 8-byte columns) into a 2x2 int32 block: with two matrix rows in the first
 * operand and two queries in the second, one instruction does 32 multiply-adds, two rows against
 * two queries, where SDOT does 16 for one pair. Each int32 lane wraps mod 2^32, so the results
 * equal the scalar kernel's bit for bit at any length.
 *
 * The operands need 8-byte pieces of two rows side by side and of two queries side by side.
 * The queries are interleaved once per call into a stack buffer (at most
 * SIMDOT_I8MM_DOTSQ_MAX_DIM bytes per query, aarch64_tuning.h: 32 KiB for eight); the rows are
 * loaded 64 bytes at a time and paired with ZIP1 / ZIP2.
 *
 * Contract (native/kernels.h): any n >= 0, any alignment; nothing is read outside the inputs
 * and nothing written outside out[0, nq * nrows), not even within a page: the last dim % 16
 * bytes are an overlapped load of the last 16 bytes, the query side masked (aarch64_vec.h).
 *
 * ISA: ARMv8.6-A I8MM (Linux AT_HWCAP2 I8MM, macOS hw.optional.arm.FEAT_I8MM) for SMMLA, and
 * dotprod for the neondot kernel it hands the other shapes to. Registers: AAPCS64 (asm.h).
 */
#include "asm.h"

#include "aarch64_tuning.h"
#include "aarch64_vec.h"

#if SIMDOT_I8MM_DOTSQ_MIN_NQ < 3
#  error "the row loops below are generated for 2..4 query pairs only"
#endif

/* SMMLA Vd.4S, Vn.16B, Vm.16B, spelled as its encoding: clang 14 knows no directive that
 * enables I8MM (it accepts .arch armv8.6-a+i8mm without enabling it, and rejects
 * .arch_extension i8mm), and GNU as takes the word alike, so no assembler needs an .arch line or
 * a -march flag for this file. The disassembly still reads smmla. */
.macro SMMLA d, n, m
    .inst   0x4e80a400 | (L(vreg_\m) << 16) | (L(vreg_\n) << 5) | L(vreg_\d)
.endm

/*
 * Registers inside the row loops: x1 = nq, x2 = the next row, x3 = dim, x4 = rows left,
 * x5 = out for query 0 at the current row, x6 = nrows * 4 (out's stride between queries),
 * x7 = dim % 16, x8 and x9 = the two row cursors, x10 = the buffer cursor, x11 = counter and
 * then out cursor, sp = the buffer. v0-v7 the two rows' chunks, v8-v15 the zipped pairs (chunk c:
 * v8 + 2c the first 8 bytes of both rows, v9 + 2c the second 8), v16-v23 two accumulators per
 * query pair, v24-v31 the query pairs' chunks.
 *
 * Buffer layout: for each 16-byte chunk c of the queries (the last one overlapped, as above), for
 * each pair p of queries (2p, 2p + 1; 2p again for the second of an odd count), 32 bytes:
 * [query 2p bytes 0-7, query 2p + 1 bytes 0-7] [query 2p bytes 8-15, query 2p + 1 bytes 8-15],
 * at sp + (c * P + p) * 32 for P pairs. The loops read it forwards.
 */

/* I8MM_FOR_P P, m: \m P, p, the accumulator of the first 8-byte halves, of the second, for
 * p < P. */
.macro I8MM_FOR_P np, m
    \m \np, 0, v16, v17
    .if \np > 1
    \m \np, 1, v18, v19
    .endif
    .if \np > 2
    \m \np, 2, v20, v21
    .endif
    .if \np > 3
    \m \np, 3, v22, v23
    .endif
.endm

.macro MMP_ZERO np, p, aa, ab
    movi    \aa\().4s, #0
    movi    \ab\().4s, #0
.endm
/* Four chunks (a 64-byte step): the buffer's four entries of pair p. */
.macro MMP_64 np, p, aa, ab
    ldp     q24, q25, [x10, #((0 * \np + \p) * 32)]
    ldp     q26, q27, [x10, #((1 * \np + \p) * 32)]
    SMMLA   \aa, v8, v24
    SMMLA   \ab, v9, v25
    ldp     q28, q29, [x10, #((2 * \np + \p) * 32)]
    SMMLA   \aa, v10, v26
    SMMLA   \ab, v11, v27
    ldp     q30, q31, [x10, #((3 * \np + \p) * 32)]
    SMMLA   \aa, v12, v28
    SMMLA   \ab, v13, v29
    SMMLA   \aa, v14, v30
    SMMLA   \ab, v15, v31
.endm
/* One chunk (v8, v9). */
.macro MMP_16 np, p, aa, ab
    ldp     q24, q25, [x10, #(\p * 32)]
    SMMLA   \aa, v8, v24
    SMMLA   \ab, v9, v25
.endm
/* The block [row 0 x query 2p, row 0 x 2p + 1, row 1 x 2p, row 1 x 2p + 1] to out: for each
 * query, both rows in one 8-byte store (STORE2) or the first row alone (STORE1). The second
 * query of the last pair is not stored when nq is odd. */
.macro MMP_STORE2 np, p, aa, ab
    add     \aa\().4s, \aa\().4s, \ab\().4s
    uzp1    v24.4s, \aa\().4s, \aa\().4s
    uzp2    v25.4s, \aa\().4s, \aa\().4s
    st1     {v24.2s}, [x11], x6
    .if \p == \np - 1
    tbnz    x1, #0, 80f
    .endif
    st1     {v25.2s}, [x11], x6
80:
.endm
.macro MMP_STORE1 np, p, aa, ab
    add     \aa\().4s, \aa\().4s, \ab\().4s
    st1     {\aa\().s}[0], [x11], x6
    .if \p == \np - 1
    tbnz    x1, #0, 81f
    .endif
    st1     {\aa\().s}[1], [x11], x6
81:
.endm

/* Every row, two at a time, against P query pairs (a lone last row pairs with itself). */
.macro I8MM_ROWS np
30: mov     x8, x2
    add     x9, x2, x3
    cmp     x4, #1
    csel    x9, x8, x9, eq
    add     x2, x9, x3
    mov     x10, sp
    I8MM_FOR_P \np, MMP_ZERO
    lsr     x11, x3, #6
    cbz     x11, 32f
31: ld1     {v0.16b-v3.16b}, [x8], #64
    ld1     {v4.16b-v7.16b}, [x9], #64
    zip1    v8.2d, v0.2d, v4.2d
    zip2    v9.2d, v0.2d, v4.2d
    zip1    v10.2d, v1.2d, v5.2d
    zip2    v11.2d, v1.2d, v5.2d
    zip1    v12.2d, v2.2d, v6.2d
    zip2    v13.2d, v2.2d, v6.2d
    zip1    v14.2d, v3.2d, v7.2d
    zip2    v15.2d, v3.2d, v7.2d
    I8MM_FOR_P \np, MMP_64
    add     x10, x10, #(128 * \np)
    subs    x11, x11, #1
    b.ne    31b
32: ubfx    x11, x3, #4, #2
    cbz     x11, 34f
33: ldr     q0, [x8], #16
    ldr     q4, [x9], #16
    zip1    v8.2d, v0.2d, v4.2d
    zip2    v9.2d, v0.2d, v4.2d
    I8MM_FOR_P \np, MMP_16
    add     x10, x10, #(32 * \np)
    subs    x11, x11, #1
    b.ne    33b
34: cbz     x7, 35f
    add     x8, x8, x7
    add     x9, x9, x7
    ldur    q0, [x8, #-16]
    ldur    q4, [x9, #-16]
    zip1    v8.2d, v0.2d, v4.2d
    zip2    v9.2d, v0.2d, v4.2d
    I8MM_FOR_P \np, MMP_16
35: mov     x11, x5
    cmp     x4, #2
    b.lo    36f
    I8MM_FOR_P \np, MMP_STORE2
    add     x5, x5, #8
    subs    x4, x4, #2
    b.ne    30b
    b       37f
36: I8MM_FOR_P \np, MMP_STORE1
37:
.endm

/*
 * void simdot_dotsq_i8_i8mm(const int8_t *queries, size_t nq, const int8_t *rows, size_t dim,
 *                           size_t nrows, int32_t *out);
 *
 * In: x0 = queries, x1 = nq, x2 = rows, x3 = dim, x4 = nrows, x5 = out. Clobbers x2-x17,
 * v0-v7, v16-v31 (d8-d15 saved); stack: 64 bytes plus the buffer, ceil(dim / 16) * 32 bytes
 * per query pair, claimed a page at a time and each page touched in order, so that the stack's
 * guard page is never stepped over. Needs I8MM and dotprod.
 *
 * nrows = 0 writes nothing. nq < SIMDOT_I8MM_DOTSQ_MIN_NQ (see aarch64_tuning.h), nq > 8,
 * dim < SIMDOT_I8MM_DOTSQ_MIN_DIM (no whole 16 bytes to overlap a tail with) and
 * dim > SIMDOT_I8MM_DOTSQ_MAX_DIM tail-call simdot_dotsq_i8_neondot with the same arguments (it
 * writes nothing for nq = 0 or nq > 8).
 */
FUNC_BEGIN(simdot_dotsq_i8_i8mm)
    cbz     x4, 9f
    sub     x6, x1, #SIMDOT_I8MM_DOTSQ_MIN_NQ
    cmp     x6, #(8 - SIMDOT_I8MM_DOTSQ_MIN_NQ)
    b.hi    1f                      // nq outside MIN_NQ..8
    cmp     x3, #SIMDOT_I8MM_DOTSQ_MIN_DIM
    b.lo    1f
    cmp     x3, #SIMDOT_I8MM_DOTSQ_MAX_DIM
    b.ls    2f
1:  b       SYM(simdot_dotsq_i8_neondot)
2:  SAVE_D8_D15
    mov     x15, sp
    add     x12, x1, #1
    lsr     x12, x12, #1            // P, the query pairs
    add     x13, x3, #15
    lsr     x13, x13, #4            // chunks
    mul     x14, x12, x13
    lsl     x14, x14, #5            // buffer bytes
3:  cmp     x14, #4096
    b.ls    4f
    sub     sp, sp, #4096
    str     xzr, [sp]
    sub     x14, x14, #4096
    b       3b
4:  sub     sp, sp, x14
    str     xzr, [sp]
    /* the buffer, one query pair at a time: x8 = query 2p, x9 and x13 = the cursors in queries
     * 2p and 2p + 1, x10 = the pair's first entry, x14 = its current entry, x16 = P * 32 */
    and     x7, x3, #15
    cbz     x7, 5f
    I8_TAIL_MASK v31, x7, x8, x9, x10
5:  lsl     x16, x12, #5
    mov     x8, x0
    mov     x10, sp
    mov     x11, x1                 // queries left
6:  mov     x9, x8
    add     x13, x8, x3
    cmp     x11, #1
    csel    x13, x9, x13, eq        // an odd count pairs the last query with itself
    mov     x14, x10
    lsr     x17, x3, #4
    cbz     x17, 8f
7:  ldr     q0, [x9], #16
    ldr     q1, [x13], #16
    zip1    v2.2d, v0.2d, v1.2d
    zip2    v3.2d, v0.2d, v1.2d
    stp     q2, q3, [x14]
    add     x14, x14, x16
    subs    x17, x17, #1
    b.ne    7b
8:  cbz     x7, 10f
    add     x9, x9, x7
    add     x13, x13, x7
    ldur    q0, [x9, #-16]
    ldur    q1, [x13, #-16]
    and     v0.16b, v0.16b, v31.16b
    and     v1.16b, v1.16b, v31.16b
    zip1    v2.2d, v0.2d, v1.2d
    zip2    v3.2d, v0.2d, v1.2d
    stp     q2, q3, [x14]
10: add     x8, x8, x3, lsl #1
    add     x10, x10, #32
    subs    x11, x11, #2
    b.hi    6b
    lsl     x6, x4, #2
    cmp     x12, #3                 // P = 2..4 (nq >= SIMDOT_I8MM_DOTSQ_MIN_NQ = 4)
    b.lo    62f
    b.eq    63f
    I8MM_ROWS 4
    b       69f
62: I8MM_ROWS 2
    b       69f
63: I8MM_ROWS 3
69: mov     sp, x15
    RESTORE_D8_D15
9:  ret
FUNC_END(simdot_dotsq_i8_i8mm)
