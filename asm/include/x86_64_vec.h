/*
 * x86_64_vec.h - vector macros shared by the x86-64 kernels (dot_avx2.S, dot_avx512vnni.S), so
 * that both tiers reduce and store with one tree and one store pattern.
 *
 * Registers are named by number (Y3 vaddps, 1, 2, 3 is vaddps %ymm1, %ymm2, %ymm3) so that
 * .altmacro's %(expr) can count them: callers switch .altmacro on around the kernels that use
 * it. Immediates inside macros are written $(n): Apple's assembler reads "$1" in a macro body as
 * a positional argument. Needs asm.h's L().
 */
#ifndef SIMDOT_X86_64_VEC_H
#define SIMDOT_X86_64_VEC_H

/* Three-register instruction with numbered ymm operands (AT&T order). */
.macro Y3 insn, a, b, c
    \insn %ymm\a, %ymm\b, %ymm\c
.endm

/* xmm12[0..n-1] = the horizontal sums of ymm\a, ymm\b, ymm\c, ymm\d (the first n of them) by
 * one VHADDPS (or VPHADDD) tree: \hadd, \extract and \add name the float or integer forms.
 * Lane i of the result is ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) of its vector
 * whatever n is, because VHADDPS of a vector with itself repeats the pairs it would form with
 * another one. Clobbers ymm13. AVX (VHADDPS) or AVX2 (VPHADDD, VEXTRACTI128). */
.macro HSUM4 n, a, b, c, d, hadd=vhaddps, extract=vextractf128, add=vaddps
    .if \n == 1
    Y3      \hadd, \a, \a, 12
    Y3      \hadd, 12, 12, 12
    .elseif \n == 2
    Y3      \hadd, \b, \a, 12
    Y3      \hadd, 12, 12, 12
    .else
    Y3      \hadd, \b, \a, 12
    .if \n == 3
    Y3      \hadd, \c, \c, 13
    .else
    Y3      \hadd, \d, \c, 13
    .endif
    Y3      \hadd, 13, 12, 12
    .endif
    \extract $(1), %ymm12, %xmm13
    \add    %xmm13, %xmm12, %xmm12
.endm

/* r13 = r10 + j*os (os in r8), from r13 = r10 + OUTJ_AT*os (an assembly-time counter reset by
 * OUTJ_RESET): out's address for query j of the rows whose out address is r10. */
.macro OUTJ_RESET
    movq    %r10, %r13
    .set    L(outj_at), 0
.endm
.macro OUTJ j
    .rept \j - L(outj_at)
    addq    %r8, %r13
    .endr
    .set    L(outj_at), \j
.endm

/* Stores the n lanes of xmm12, the sums of accumulators p0..p0+n-1, where accumulator p holds
 * query g + p / nr and row p % nr of the rows at r10. */
.macro STORE4 n, p0, nr, g=0
    .if \nr == 4
    OUTJ    %(\g + \p0 / 4)
    vmovups %xmm12, (%r13)
    .elseif \nr == 2
    OUTJ    %(\g + \p0 / 2)
    vmovlps %xmm12, (%r13)
    .if \n > 2
    OUTJ    %(\g + \p0 / 2 + 1)
    vmovhps %xmm12, (%r13)
    .endif
    .else
    OUTJ    %(\g + \p0)
    vmovss  %xmm12, (%r13)
    .irp i, 1, 2, 3
    .if \i < \n
    OUTJ    %(\g + \p0 + \i)
    vextractps $(\i), %xmm12, (%r13)
    .endif
    .endr
    .endif
.endm

/* The streaming dots_i8 paths (both tiers) keep the folded sums of up to four rows in
 * ymm7..ymm4, the oldest in ymm7, and reduce a whole group with one HSUM4 and one store.
 * ROWS4_PUSH moves the group along one row and puts ymm\src in ymm4 (register moves cost
 * nothing). */
.macro ROWS4_PUSH src
    vmovdqa %ymm6, %ymm7
    vmovdqa %ymm5, %ymm6
    vmovdqa %ymm4, %ymm5
    vmovdqa %ymm\src, %ymm4
.endm

/* eax = the rows of the next group: four, or the last 1..3 of the rcx >= 1 left. */
.macro ROWS4_COUNT
    movl    $(4), %eax
    cmpq    $(4), %rcx
    cmovbl  %ecx, %eax
.endm

/* Stores the four sums of ymm7..ymm4 at r8, minus \corr in every lane when one is named (an
 * xmm register). Clobbers ymm12, ymm13. */
.macro ROWS4_STORE corr
    HSUM4   4, 7, 6, 5, 4, vphaddd, vextracti128, vpaddd
    .ifnb \corr
    vpsubd  \corr, %xmm12, %xmm12
    .endif
    vmovdqu %xmm12, (%r8)
.endm

/* The same for the last ecx = 1..3 rows of a call, the newest in ymm4: zeros move in behind
 * them until the oldest is in ymm7, so that they come out in lanes 0..ecx-1, and only ecx sums
 * are stored. Clobbers eax, ymm4-7, ymm12, ymm13. */
.macro ROWS4_STORE_PARTIAL corr
    movl    %ecx, %eax
L(rows4_pad\@):
    vmovdqa %ymm6, %ymm7
    vmovdqa %ymm5, %ymm6
    vmovdqa %ymm4, %ymm5
    vpxor   %xmm4, %xmm4, %xmm4
    incl    %eax
    cmpl    $(4), %eax
    jb      L(rows4_pad\@)
    HSUM4   4, 7, 6, 5, 4, vphaddd, vextracti128, vpaddd
    .ifnb \corr
    vpsubd  \corr, %xmm12, %xmm12
    .endif
    vmovd   %xmm12, (%r8)
    cmpl    $(2), %ecx
    jb      L(rows4_stored\@)
    vpextrd $(1), %xmm12, 4(%r8)
    je      L(rows4_stored\@)
    vpextrd $(2), %xmm12, 8(%r8)
L(rows4_stored\@):
.endm

#endif
