/*
 * aarch64_vec.h - vector macros shared by the aarch64 kernels (the .S files beside it): how a
 * tail shorter than one vector is loaded without reading a byte past it.
 *
 * The contract forbids reading outside the inputs even within a page, so no vector load may run
 * past the end. Two ways are used:
 *   - a partial vector built from lane loads (LOAD_PART_I8, LOAD_PART_F32): at most one load per
 *     set bit of the length, each consuming the next bytes in order, into fixed lanes, the other
 *     lanes zero. The lane of each piece depends only on the length's bits, so the two operands
 *     of a product, built by the same macro, line up;
 *   - for int8 vectors of 16 bytes or more, one overlapped load of the last 16 bytes, with the
 *     bytes already counted zeroed in one operand (I8_TAIL_MASK; 0 * b = 0 for any int8 b). The
 *     float32 kernels never do that: 0 * inf is NaN.
 *
 * Macros here use the numeric labels 90-99 only; the kernels' own macros use lower numbers, so
 * that a reference across one of these never meets a label of the same number.
 */
#ifndef SIMDOT_AARCH64_VEC_H
#define SIMDOT_AARCH64_VEC_H

/* L(vreg_v0) .. L(vreg_v31) = 0 .. 31: the number of a vector register named in a macro
 * argument, for the instructions a file spells as .inst words (SDOT, SMMLA: no directive makes
 * clang 14 accept them, see dot_neondot.S). Assembler-local symbols: nothing reaches the object's
 * symbol table. Needs asm.h's L(). */
.irp r, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .set    L(vreg_v\r), \r
.endr
.irp r, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    .set    L(vreg_v\r), \r
.endr

/* \vd = the r bytes at \p (r = the low 4 bits of \r, 0..15), in lanes 0-7 (8 bytes), 8-11 (4),
 * 12-13 (2), 14 (1) as the bits of r say, every other lane 0. Advances \p past them. */
.macro LOAD_PART_I8 vd, p, r
    movi    \vd\().16b, #0
    tbz     \r, #3, 91f
    ld1     {\vd\().d}[0], [\p], #8
91: tbz     \r, #2, 92f
    ld1     {\vd\().s}[2], [\p], #4
92: tbz     \r, #1, 93f
    ld1     {\vd\().h}[6], [\p], #2
93: tbz     \r, #0, 94f
    ld1     {\vd\().b}[14], [\p]
94:
.endm

/* \vd = the r floats at \p (r = the low 2 bits of \r, 0..3): lanes 0-1 when bit 1 is set, lane 2
 * when bit 0 is, every other lane 0. Advances \p past the first piece. */
.macro LOAD_PART_F32 vd, p, r
    movi    \vd\().16b, #0
    tbz     \r, #1, 95f
    ld1     {\vd\().d}[0], [\p], #8
95: tbz     \r, #0, 96f
    ld1     {\vd\().s}[2], [\p]
96:
.endm

/* \vd = a byte mask that keeps the last r of 16 lanes (r = \r, 1..15) and zeroes the others:
 * the bytes of an overlapped last-16-byte load that the loops before it have not counted.
 * Built in general registers (\t0-\t2 clobbered, flags too): 8 * (16 - r) low bits cleared. */
.macro I8_TAIL_MASK vd, r, t0, t1, t2
    mov     \t0, #128
    sub     \t0, \t0, \r, lsl #3        // bits to clear, 8..120
    mov     \t1, #-1
    lsl     \t2, \t1, \t0               // the shift is taken mod 64
    cmp     \t0, #64
    csel    \t1, \t2, \t1, hs           // high half: kept whole below 64 bits
    csel    \t2, xzr, \t2, hs           // low half: cleared whole from 64 bits on
    mov     \vd\().d[0], \t2
    mov     \vd\().d[1], \t1
.endm

#endif
