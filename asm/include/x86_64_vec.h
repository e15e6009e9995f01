/*
 * x86_64_vec.h - vector macros shared by the x86-64 kernels (the .S files of asm/x86_64): both
 * tiers reduce and store with one tree and one store pattern, and the two files of a tier
 * (dot_<tier>.S, dotsq_<tier>.S) build their accumulators and tails with the same macros.
 *
 * Registers are named by number (Y3 vaddps, 1, 2, 3 is vaddps %ymm1, %ymm2, %ymm3) so that
 * .altmacro's %(expr) can count them: callers switch .altmacro on around the kernels that use
 * it. Immediates inside macros are written $(n): Apple's assembler reads "$1" in a macro body as
 * a positional argument. Needs asm.h's L() and RODATA.
 */
#ifndef SIMDOT_X86_64_VEC_H
#define SIMDOT_X86_64_VEC_H

/* ---- avx2 ------------------------------------------------------------------------------------ */

/* Zero ymm0..ymm(n-1), n <= 12: the avx2 kernels' accumulators. */
.macro ZERO_YMM n
    .irp p, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    .if \p < \n
    vpxor   %xmm\p, %xmm\p, %xmm\p
    .endif
    .endr
.endm

/* The avx2 kernels' tail tables, in the read-only data section; each .S file that reads them
 * emits its own copy (96 bytes), so that only functions cross files. Leaves the section changed:
 * FUNC_BEGIN switches back to .text.
 * L(avx2_tail_bytes): 16 bytes 0x00 then 16 bytes 0xff. The 16 bytes loaded at offset r (1..15)
 * keep the last r lanes, i.e. the not-yet-counted bytes of an overlapped int8 tail.
 * L(avx2_tail_dwords): 8 dwords all-ones then 8 zero dwords. The 8 dwords loaded ending 4*r
 * bytes before the end of the ones (offset 32 - 4r) select the first r lanes for VMASKMOVPS. */
.macro AVX2_TAIL_TABLES
    RODATA
    .p2align 5
L(avx2_tail_bytes):
    .fill 16, 1, 0x00
    .fill 16, 1, 0xff
L(avx2_tail_dwords):
    .fill 8, 4, 0xffffffff
    .fill 8, 4, 0x00000000
.endm

/* ---- avx512vnni ------------------------------------------------------------------------------ */

/* Three-register instruction with numbered zmm operands (AT&T order). */
.macro Z3 insn, a, b, c
    \insn %zmm\a, %zmm\b, %zmm\c
.endm

/* Zero zmm16..zmm(16 + n - 1): the avx512vnni kernels' accumulators. */
.macro ZERO_ZMM16 n
    .irp p, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    .if \p < 16 + \n
    vpxord  %zmm\p, %zmm\p, %zmm\p
    .endif
    .endr
.endm

/* ymm\dst = low 256 bits of zmm\src + its high 256 bits, the first step of every avx512vnni
 * reduction; \extract and \add name the float or integer forms. Clobbers ymm13. (ymm\dst is
 * one of ymm0-15, where the VEX-only VHADDPS / VPHADDD of HSUM4 can reach it.) */
.macro FOLD src, dst, extract=vextractf64x4, add=vaddps
    \extract $(1), %zmm\src, %ymm13
    \add    %ymm13, %ymm\src, %ymm\dst
.endm

/* The cursors of the multi-query kernels (dotsq_avx512vnni.S, hamming_avx512vnni.S): rsi = s,
 * the stride of queries and rows, rbx = 3s; r10 = cursor of query 0 (query j < 4 at r10 + j*s),
 * r11 = cursor of query 4 (query j >= 4 at r11 + (j - 4)*s); rax = cursor of row 0 (row r < 4 at
 * rax + r*s). ZQ_OP/ZR_OP: \insn (addr), %zmm\dst, a load when src is omitted, else
 * \insn (addr), %zmm\src, %zmm\dst. ZQ_MASKLD/ZR_MASKLD: the load zero-masked by k1. */
.macro ZQ_OP insn, j, dst, src
    .ifb \src
    .if \j == 0
    \insn (%r10), %zmm\dst
    .elseif \j == 1
    \insn (%r10,%rsi), %zmm\dst
    .elseif \j == 2
    \insn (%r10,%rsi,2), %zmm\dst
    .elseif \j == 3
    \insn (%r10,%rbx), %zmm\dst
    .elseif \j == 4
    \insn (%r11), %zmm\dst
    .elseif \j == 5
    \insn (%r11,%rsi), %zmm\dst
    .elseif \j == 6
    \insn (%r11,%rsi,2), %zmm\dst
    .else
    \insn (%r11,%rbx), %zmm\dst
    .endif
    .else
    .if \j == 0
    \insn (%r10), %zmm\src, %zmm\dst
    .elseif \j == 1
    \insn (%r10,%rsi), %zmm\src, %zmm\dst
    .elseif \j == 2
    \insn (%r10,%rsi,2), %zmm\src, %zmm\dst
    .elseif \j == 3
    \insn (%r10,%rbx), %zmm\src, %zmm\dst
    .elseif \j == 4
    \insn (%r11), %zmm\src, %zmm\dst
    .elseif \j == 5
    \insn (%r11,%rsi), %zmm\src, %zmm\dst
    .elseif \j == 6
    \insn (%r11,%rsi,2), %zmm\src, %zmm\dst
    .else
    \insn (%r11,%rbx), %zmm\src, %zmm\dst
    .endif
    .endif
.endm
.macro ZQ_MASKLD insn, j, dst
    .if \j == 0
    \insn (%r10), %zmm\dst{%k1}{z}
    .elseif \j == 1
    \insn (%r10,%rsi), %zmm\dst{%k1}{z}
    .elseif \j == 2
    \insn (%r10,%rsi,2), %zmm\dst{%k1}{z}
    .elseif \j == 3
    \insn (%r10,%rbx), %zmm\dst{%k1}{z}
    .elseif \j == 4
    \insn (%r11), %zmm\dst{%k1}{z}
    .elseif \j == 5
    \insn (%r11,%rsi), %zmm\dst{%k1}{z}
    .elseif \j == 6
    \insn (%r11,%rsi,2), %zmm\dst{%k1}{z}
    .else
    \insn (%r11,%rbx), %zmm\dst{%k1}{z}
    .endif
.endm
.macro ZR_OP insn, r, dst, src
    .ifb \src
    .if \r == 0
    \insn (%rax), %zmm\dst
    .elseif \r == 1
    \insn (%rax,%rsi), %zmm\dst
    .elseif \r == 2
    \insn (%rax,%rsi,2), %zmm\dst
    .else
    \insn (%rax,%rbx), %zmm\dst
    .endif
    .else
    .if \r == 0
    \insn (%rax), %zmm\src, %zmm\dst
    .elseif \r == 1
    \insn (%rax,%rsi), %zmm\src, %zmm\dst
    .elseif \r == 2
    \insn (%rax,%rsi,2), %zmm\src, %zmm\dst
    .else
    \insn (%rax,%rbx), %zmm\src, %zmm\dst
    .endif
    .endif
.endm
.macro ZR_MASKLD insn, r, dst
    .if \r == 0
    \insn (%rax), %zmm\dst{%k1}{z}
    .elseif \r == 1
    \insn (%rax,%rsi), %zmm\dst{%k1}{z}
    .elseif \r == 2
    \insn (%rax,%rsi,2), %zmm\dst{%k1}{z}
    .else
    \insn (%rax,%rbx), %zmm\dst{%k1}{z}
    .endif
.endm

/* ---- both tiers ------------------------------------------------------------------------------ */

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
