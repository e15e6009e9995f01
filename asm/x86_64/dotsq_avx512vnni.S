/*
 * dotsq_avx512vnni.S - the AVX-512 VNNI tier's multi-query kernels: int8 and float32 dotsq, up
 * to SIMDOT_MAX_BATCH (8) queries scored against the same rows in one pass over them.
 *
 * Contract (native/kernels.h): any dim, nrows >= 0, any alignment; nothing is read outside the
 * nq queries and the nrows rows, nothing written outside out[0, nq * nrows), not even within a
 * page: tails are zero-masking loads, as in dot_avx512vnni.S, whose header also explains the
 * biased VPDPBUSD of the int8 kernel. float32 follows this tier's canonical summation order
 * (dot_avx512vnni.S, "float32"), so a score is bit-identical to dot_f32's and dots_f32's.
 *
 * ISA: AVX-512 F, BW, VL, VNNI. Every exported kernel ends with VZEROUPPER. Registers: written
 * against the SysV argument registers, asm.h's PROLOGUE 6 maps Win64 onto them (nrows and out
 * from the stack) and saves what Win64 declares callee-saved; both kernels also push and pop
 * rbx, rbp and r12-r15 and keep a frame on the stack. The rows and queries their blocks leave
 * over go to dot_avx512vnni.S's simdot_dots_i8_body_avx512vnni and
 * simdot_dots_f32_body_avx512vnni, called with their private contracts.
 */
#include "asm.h"

#include "x86_64_tuning.h"
#include "x86_64_vec.h"

/* -------------------------------------------------------------- multi-query kernels ----
 *
 * dotsq: out[j * nrows + r] = dot(queries + j*dim, rows + r*dim) for nq = 1..8 queries, each
 * row chunk read from memory once for all nq queries, so a batch of queries is not bound by
 * memory bandwidth the way nq calls of dots are. Each kernel dispatches once per call to a
 * variant generated for its nq (nq outside 1..8 writes nothing): a block of nr rows, 4 when
 * nq <= 4 and 2 above, against all nq queries is nq * nr <= 16 accumulators, zmm16-31
 * (query j, row r in zmm(16 + j*nr + r)). One query is dots; rows that fill no block go to
 * dots one query at a time (the bodies of dots in dot_avx512vnni.S, called: same order, same
 * bits).
 *
 * Registers of both dotsq kernels: rdi = query 0, rsi = s (the stride of queries and rows in
 * bytes), rbx = 3s, rdx = the block's first row, rcx = rows left, r8 = os (nrows * 4, the
 * stride of out between queries), r9 = out + (index of the block's first row) * 4, rbp = our
 * caller's rsp; r10 = cursor of query 0 (query j at r10 + j*s for j < 4), r11 = cursor of
 * query 4, rax = cursor of row 0 (row r at rax + r*s), r12 = loop counter, r13 = out + j*os
 * when storing, r15 = prefetch cursor. rbx, rbp, r12-r15 are pushed and popped by the kernel.
 */

/* Frame of simdot_dotsq_i8_avx512vnni (rsp 64-byte aligned); REDUCE_STORE reads QI_CORR. */
#define QI_CORR     0       /* [8] x 4: 128 * sum(query j), wrapping like the dot */
#define QI_NQ       64
#define QI_S        72
#define QI_OS       80
#define QI_FRAME    128

/* Prefetch of row r at \off bytes from the cursor \base (r15 or rax). */
.macro R_PREFETCH r, off, base
    .if \r == 0
    prefetcht0 \off(%\base)
    .elseif \r == 1
    prefetcht0 \off(%\base,%rsi)
    .elseif \r == 2
    prefetcht0 \off(%\base,%rsi,2)
    .else
    prefetcht0 \off(%\base,%rbx)
    .endif
.endm

/* Reduces accumulators zmm16..zmm(16 + P - 1), P = nq * nr, four at a time (FOLD into ymm0-3,
 * HSUM4), optionally subtracts the int8 corrections, and stores them (STORE4). */
.macro REDUCE_STORE nq, nr, i8
    movq    %r9, %r10
    OUTJ_RESET
    .irp p0, 0, 4, 8, 12
    .if \p0 < \nq * \nr
    .irp i, 0, 1, 2, 3
    .if \p0 + \i < \nq * \nr
    .if \i8
    FOLD    %(16 + \p0 + \i), \i, vextracti64x4, vpaddd
    .else
    FOLD    %(16 + \p0 + \i), \i
    .endif
    .endif
    .endr
    .if \i8
    HSUM4   %(\nq * \nr - \p0), 0, 1, 2, 3, vphaddd, vextracti128, vpaddd
    .if \nr == 4
    vpbroadcastd QI_CORR + \p0(%rsp), %xmm13
    .else
    vpshufd $(0x50), QI_CORR + 2 * \p0(%rsp), %xmm13
    .endif
    vpsubd  %xmm13, %xmm12, %xmm12
    .else
    HSUM4   %(\nq * \nr - \p0), 0, 1, 2, 3
    .endif
    STORE4  %(\nq * \nr - \p0), \p0, \nr
    .endif
    .endr
.endm

/* ---- float32 ----------------------------------------------------------------------------
 * Frame of simdot_dotsq_f32_avx512vnni (rsp 64-byte aligned). */
#define QF_SPILL      0     /* [3 passes][16] x 64: accumulators 0-2 of every pair */
#define QF_NK         3072  /* [4] x 64: whole chunks c < dim/16 with c % 4 == k */
#define QF_TAILOFF    3328  /* byte offset of the partial chunk: dim * 4 rounded down to 64 */
#define QF_KOFF       3336  /* 64 * the current pass */
#define QF_NQ         3344
#define QF_ROWS       3352  /* where the leftover rows start, across calls of dots */
#define QF_OS         3360
#define QF_LASTPASS   3368  /* 64 * (dim / 16) % 4 when dim % 16 != 0, else 256 (none) */
#define QF_FRAME      3392

/* Accumulator zmm\reg (pair p) to pass r12 / 1024's spill. */
.macro SPILL reg, p
    vmovaps %zmm\reg, QF_SPILL + 64 * \p(%rsp,%r12)
.endm

/* Pass k (QF_KOFF = 64k) of a block of nr rows against nq queries: accumulator k of every
 * pair, from chunks k, k + 4, ... and the partial chunk if it is one of those. Each row chunk
 * is loaded once (zmm8 + r) and meets every query chunk (zmm12/13, the FMA's second operand as
 * in dot); r15 walks the next block, one line per row per chunk step, so that the block the
 * passes will read next is on its way while this one is scored. Passes 0-2 are spilled. */
.macro QF_PASS nq, nr
    ZERO_ZMM16 %(\nq * \nr)
    movq    QF_KOFF(%rsp), %rax
    movq    QF_NK(%rsp,%rax), %r12
    testq   %r12, %r12
    jz      31f
    leaq    (%rdi,%rax), %r10
    .if \nq > 4
    leaq    (%r10,%rsi,4), %r11
    .endif
    addq    %rdx, %rax
    .p2align 4
30:
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    R_PREFETCH \r, 0, r15
    ZR_OP    vmovups, \r, %(8 + \r)
    .endif
    .endr
    .irp j, 0, 1, 2, 3, 4, 5, 6, 7
    .if \j < \nq
    ZQ_OP    vmovups, \j, %(12 + \j - \j / 2 * 2)
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    Z3      vfmadd231ps, %(8 + \r), %(12 + \j - \j / 2 * 2), %(16 + \j * \nr + \r)
    .endif
    .endr
    .endif
    .endr
    addq    $(64), %r15
    addq    $(256), %r10
    .if \nq > 4
    addq    $(256), %r11
    .endif
    addq    $(256), %rax
    decq    %r12
    jnz     30b
31:
    movq    QF_KOFF(%rsp), %r12
    cmpq    %r12, QF_LASTPASS(%rsp)
    jne     32f
    movq    QF_TAILOFF(%rsp), %rax
    leaq    (%rdi,%rax), %r10
    .if \nq > 4
    leaq    (%r10,%rsi,4), %r11
    .endif
    addq    %rdx, %rax
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    ZR_MASKLD vmovups, \r, %(8 + \r)
    .endif
    .endr
    .irp j, 0, 1, 2, 3, 4, 5, 6, 7
    .if \j < \nq
    ZQ_MASKLD vmovups, \j, %(12 + \j - \j / 2 * 2)
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    Z3      vfmadd231ps, %(8 + \r), %(12 + \j - \j / 2 * 2), %(16 + \j * \nr + \r)
    .endif
    .endr
    .endif
    .endr
32:
    cmpq    $(192), %r12
    je      33f
    shlq    $(4), %r12                  /* 1024 * k */
    .irp p, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .if \p < \nq * \nr
    SPILL   %(16 + \p), \p
    .endif
    .endr
33:
.endm

/* One block of nr rows (rdx) against all nq queries: four passes, (acc0 + acc1) + (acc2 +
 * acc3), the canonical FOLD and HSUM4 tree, the stores. */
.macro QF_BLOCK nq, nr
    .if \nr == 2
    leaq    (%rdx,%rsi,2), %r15
    .else
    leaq    (%rdx,%rsi,4), %r15
    .endif
    movq    $(0), QF_KOFF(%rsp)
45:
    QF_PASS \nq, \nr
    movq    QF_KOFF(%rsp), %rax
    addq    $(64), %rax
    movq    %rax, QF_KOFF(%rsp)
    cmpq    $(256), %rax
    jb      45b
    .irp p, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .if \p < \nq * \nr
    vmovaps QF_SPILL + 64 * \p(%rsp), %zmm12
    vaddps  QF_SPILL + 1024 + 64 * \p(%rsp), %zmm12, %zmm12
    vmovaps QF_SPILL + 2048 + 64 * \p(%rsp), %zmm13
    Z3      vaddps, %(16 + \p), 13, 13
    Z3      vaddps, 13, 12, %(16 + \p)
    .endif
    .endr
    REDUCE_STORE \nq, \nr, 0
.endm

/* All rows for one nq: blocks of nr rows, then the rows left over (fewer than nr) by dots. */
.macro QF_VARIANT nq, nr
41:
    cmpq    $(\nr), %rcx
    jb      L(dotsq_f32_left)
    QF_BLOCK \nq, \nr
    leaq    (%rdx,%rsi,\nr), %rdx
    addq    $(4 * \nr), %r9
    subq    $(\nr), %rcx
    jmp     41b
.endm

/*
 * void simdot_dotsq_f32_avx512vnni(const float *queries, size_t nq, const float *rows,
 *                                  size_t dim, size_t nrows, float *out);
 *
 * In: rdi = queries, rsi = nq, rdx = rows, rcx = dim, r8 = nrows, r9 = out (Win64: the fifth
 * and sixth from the stack, by PROLOGUE 6). out[j*nrows + r] = dot(queries + j*dim, rows +
 * r*dim) for j < nq <= 8. Clobbers rax, rcx, rdx, rsi, rdi, r8-r11, zmm0-31, k1; saves and
 * restores rbx, rbp, r12-r15; 3.4 KB of stack. Needs AVX-512 F, VL.
 *
 * Bit-identical to dot_f32 / dots_f32 of this tier. Four accumulators per (query, row) pair
 * would be 64 for eight queries by two rows, twice the register file; but accumulator k only
 * ever sees chunks c with c % 4 == k, so the four are built one after the other (pass k,
 * QF_PASS, reading every fourth cache line) with one accumulator per pair live: up to 16
 * independent FMA chains, each row chunk loaded once for all nq queries and each query chunk
 * once for the nr rows of the block.
 */
FUNC_BEGIN(simdot_dotsq_f32_avx512vnni)
    PROLOGUE 6
    testq   %r8, %r8
    jz      L(dotsq_f32_ret)
    leaq    -1(%rsi), %rax
    cmpq    $7, %rax
    ja      L(dotsq_f32_ret)            /* nq outside 1..8: not ours to score */
    SAVE_GPRS
    movq    %rsp, %rbp
    subq    $QF_FRAME, %rsp
    andq    $-64, %rsp
    movq    %rsi, QF_NQ(%rsp)
    movq    %rsi, %r10                  /* nq, until the dispatch */
    leaq    (,%rcx,4), %rsi             /* s */
    leaq    (%rsi,%rsi,2), %rbx
    movq    %r8, %rcx
    shlq    $2, %r8                     /* os */
    /* whole chunks C = dim / 16: pass k has (C + 3 - k) / 4 of them; the partial chunk, if
     * any, is chunk C and goes to pass C % 4 */
    movq    %rsi, %rax
    shrq    $6, %rax
    leaq    3(%rax), %r11
    shrq    $2, %r11
    movq    %r11, QF_NK(%rsp)
    leaq    2(%rax), %r11
    shrq    $2, %r11
    movq    %r11, QF_NK + 64(%rsp)
    leaq    1(%rax), %r11
    shrq    $2, %r11
    movq    %r11, QF_NK + 128(%rsp)
    movq    %rax, %r11
    shrq    $2, %r11
    movq    %r11, QF_NK + 192(%rsp)
    movq    %rsi, %r11
    andq    $-64, %r11
    movq    %r11, QF_TAILOFF(%rsp)
    andl    $3, %eax
    shll    $6, %eax
    movl    $256, %r11d
    testl   $60, %esi
    cmovzl  %r11d, %eax
    movq    %rax, QF_LASTPASS(%rsp)
    /* k1: the partial chunk's lanes */
    movl    %esi, %ecx
    shrl    $2, %ecx
    andl    $15, %ecx
    movl    $1, %eax
    shll    %cl, %eax
    decl    %eax
    kmovw   %eax, %k1
    movq    %r8, %rcx
    shrq    $2, %rcx                    /* nrows again */
    cmpl    $4, %r10d
    je      L(dotsq_f32_nq4)
    ja      L(dotsq_f32_above4)
    cmpl    $2, %r10d
    je      L(dotsq_f32_nq2)
    ja      L(dotsq_f32_nq3)
    jmp     L(dotsq_f32_left)           /* one query: that is dots */
    .altmacro
L(dotsq_f32_nq2):
    QF_VARIANT 2, 4
L(dotsq_f32_nq3):
    QF_VARIANT 3, 4
L(dotsq_f32_nq4):
    QF_VARIANT 4, 4
L(dotsq_f32_above4):
    cmpl    $6, %r10d
    je      L(dotsq_f32_nq6)
    jb      L(dotsq_f32_nq5)
    cmpl    $8, %r10d
    je      L(dotsq_f32_nq8)
L(dotsq_f32_nq7):
    QF_VARIANT 7, 2
L(dotsq_f32_nq5):
    QF_VARIANT 5, 2
L(dotsq_f32_nq6):
    QF_VARIANT 6, 2
L(dotsq_f32_nq8):
    QF_VARIANT 8, 2
    .noaltmacro
    /* Rows that fill no block (or all of them when nq = 1): dots for each query, the same
     * canonical order. simdot_dots_f32_body_avx512vnni keeps rbx, rbp and r12-r15. */
L(dotsq_f32_left):
    testq   %rcx, %rcx
    jz      L(dotsq_f32_done)
    movq    %rsi, %rbx                  /* s */
    movq    %rcx, %r12
    movq    %rdi, %r14                  /* query j */
    movq    %r9, %r13                   /* out + j*os */
    movq    QF_NQ(%rsp), %r15
    movq    %rdx, QF_ROWS(%rsp)
    movq    %r8, QF_OS(%rsp)
L(dotsq_f32_left_query):
    movq    %r14, %rdi
    movq    QF_ROWS(%rsp), %rsi
    movq    %rbx, %rdx
    shrq    $2, %rdx
    movq    %r12, %rcx
    movq    %r13, %r8
    call    SYM(simdot_dots_f32_body_avx512vnni)
    addq    %rbx, %r14
    addq    QF_OS(%rsp), %r13
    decq    %r15
    jnz     L(dotsq_f32_left_query)
L(dotsq_f32_done):
    movq    %rbp, %rsp
    RESTORE_GPRS
L(dotsq_f32_ret):
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_dotsq_f32_avx512vnni)

/* ---- int8 ---------------------------------------------------------------------------------
 * (The frame of simdot_dotsq_i8_avx512vnni is defined with the shared macros above.) */

/* One block of nr rows (rdx) against all nq queries: the row chunk biased once (XOR 0x80 in
 * zmm15: row + 128 as an unsigned byte) into zmm8 + r and shared by all queries, each query
 * chunk loaded once (zmm12/13) and shared by the block's rows, VPDPBUSD into zmm(16 + j*nr + r).
 * The partial chunk is zero-masked (k1) in both; the biased row's masked lanes become 0x80 but
 * meet the query's 0. The correction 128 * sum(query j) is subtracted in REDUCE_STORE. */
.macro QI_BLOCK nq, nr
    ZERO_ZMM16 %(\nq * \nr)
    movq    %rdi, %r10
    .if \nq > 4
    leaq    (%rdi,%rsi,4), %r11
    .endif
    movq    %rdx, %rax
    movq    %rsi, %r12
    shrq    $(6), %r12
    jz      51f
    .p2align 4
50:
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    R_PREFETCH \r, SIMDOT_AVX512VNNI_DOTSQ_I8_PREFETCH, rax
    ZR_OP    vpxord, \r, %(8 + \r), 15
    .endif
    .endr
    .irp j, 0, 1, 2, 3, 4, 5, 6, 7
    .if \j < \nq
    ZQ_OP    vmovdqu64, \j, %(12 + \j - \j / 2 * 2)
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    Z3      vpdpbusd, %(12 + \j - \j / 2 * 2), %(8 + \r), %(16 + \j * \nr + \r)
    .endif
    .endr
    .endif
    .endr
    addq    $(64), %r10
    .if \nq > 4
    addq    $(64), %r11
    .endif
    addq    $(64), %rax
    decq    %r12
    jnz     50b
51:
    testl   $(63), %esi
    jz      52f
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    ZR_MASKLD vmovdqu8, \r, %(8 + \r)
    Z3      vpxord, 15, %(8 + \r), %(8 + \r)
    .endif
    .endr
    .irp j, 0, 1, 2, 3, 4, 5, 6, 7
    .if \j < \nq
    ZQ_MASKLD vmovdqu8, \j, %(12 + \j - \j / 2 * 2)
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    Z3      vpdpbusd, %(12 + \j - \j / 2 * 2), %(8 + \r), %(16 + \j * \nr + \r)
    .endif
    .endr
    .endif
    .endr
52:
    REDUCE_STORE \nq, \nr, 1
.endm

/* All rows for one nq: blocks of nr rows, then the rows left over by dots. */
.macro QI_VARIANT nq, nr
53:
    cmpq    $(\nr), %rcx
    jb      L(dotsq_i8_left)
    QI_BLOCK \nq, \nr
    leaq    (%rdx,%rsi,\nr), %rdx
    addq    $(4 * \nr), %r9
    subq    $(\nr), %rcx
    jmp     53b
.endm

/*
 * void simdot_dotsq_i8_avx512vnni(const int8_t *queries, size_t nq, const int8_t *rows,
 *                                 size_t dim, size_t nrows, int32_t *out);
 *
 * In: rdi = queries, rsi = nq, rdx = rows, rcx = dim, r8 = nrows, r9 = out (Win64: the fifth
 * and sixth from the stack). out[j*nrows + r] = dot(queries + j*dim, rows + r*dim) for
 * j < nq <= 8, exact for dim <= 65536 and wrapping beyond, like dot_i8. Clobbers rax, rcx,
 * rdx, rsi, rdi, r8-r11, zmm0-31, k1; saves and restores rbx, rbp, r12-r15; 128 bytes of
 * stack. Needs AVX-512 F, BW, VL, VNNI.
 *
 * VPDPBUSD with the ROW as the biased (unsigned) operand, so that the XOR of a row chunk is
 * done once for all queries, and the correction 128 * sum(query j) (VPDPBUSD of 0x80 with the
 * query) computed once per call per query. A block of nr rows by nq queries (QI_BLOCK): each
 * 64-byte row chunk loaded and biased once, each query chunk loaded once for the block's rows.
 */
FUNC_BEGIN(simdot_dotsq_i8_avx512vnni)
    PROLOGUE 6
    testq   %r8, %r8
    jz      L(dotsq_i8_ret)
    leaq    -1(%rsi), %rax
    cmpq    $7, %rax
    ja      L(dotsq_i8_ret)             /* nq outside 1..8: not ours to score */
    SAVE_GPRS
    movq    %rsp, %rbp
    subq    $QI_FRAME, %rsp
    andq    $-64, %rsp
    movq    %rsi, QI_NQ(%rsp)
    movq    %rsi, %r10                  /* nq, until the dispatch */
    movq    %rcx, %rsi                  /* s = dim */
    leaq    (%rsi,%rsi,2), %rbx
    movq    %r8, %rcx
    shlq    $2, %r8                     /* os */
    cmpl    $1, %r10d
    je      L(dotsq_i8_left)            /* one query: that is dots */
    movl    $0x80808080, %eax
    vpbroadcastd %eax, %zmm15
    /* k1: the last dim % 64 bytes (none when dim % 64 == 0) */
    movq    %rcx, %r11
    movl    %esi, %ecx
    andl    $63, %ecx
    movl    $1, %eax
    shlq    %cl, %rax
    decq    %rax
    kmovq   %rax, %k1
    movq    %r11, %rcx
    /* QI_CORR[j] = 128 * sum(query j): VPDPBUSD of the 0x80 bytes with the query. Once per
     * call; exact for dim <= 65536 and wrapping like the dot beyond. */
    movq    %rdi, %r11
    leaq    QI_CORR(%rsp), %r13
    movq    %r10, %r14
L(dotsq_i8_corr):
    vpxord  %zmm0, %zmm0, %zmm0
    movq    %r11, %rax
    movq    %rsi, %r12
    shrq    $6, %r12
    jz      L(dotsq_i8_corr_tail)
L(dotsq_i8_corr_64):
    vpdpbusd (%rax), %zmm15, %zmm0
    addq    $64, %rax
    decq    %r12
    jnz     L(dotsq_i8_corr_64)
L(dotsq_i8_corr_tail):
    vmovdqu8 (%rax), %zmm1{%k1}{z}
    vpdpbusd %zmm1, %zmm15, %zmm0
    vextracti64x4 $1, %zmm0, %ymm1
    vpaddd  %ymm1, %ymm0, %ymm0
    vextracti128 $1, %ymm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vpshufd $0x4e, %xmm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vpshufd $0xb1, %xmm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vmovd   %xmm0, (%r13)
    addq    %rsi, %r11
    addq    $4, %r13
    decq    %r14
    jnz     L(dotsq_i8_corr)
    cmpl    $4, %r10d
    je      L(dotsq_i8_nq4)
    ja      L(dotsq_i8_above4)
    cmpl    $2, %r10d
    je      L(dotsq_i8_nq2)
    .altmacro
L(dotsq_i8_nq3):
    QI_VARIANT 3, 4
L(dotsq_i8_nq2):
    QI_VARIANT 2, 4
L(dotsq_i8_nq4):
    QI_VARIANT 4, 4
L(dotsq_i8_above4):
    cmpl    $6, %r10d
    je      L(dotsq_i8_nq6)
    jb      L(dotsq_i8_nq5)
    cmpl    $8, %r10d
    je      L(dotsq_i8_nq8)
L(dotsq_i8_nq7):
    QI_VARIANT 7, 2
L(dotsq_i8_nq5):
    QI_VARIANT 5, 2
L(dotsq_i8_nq6):
    QI_VARIANT 6, 2
L(dotsq_i8_nq8):
    QI_VARIANT 8, 2
    .noaltmacro
    /* Rows that fill no block (or all of them for one query): dots for each query.
     * simdot_dots_i8_body_avx512vnni keeps rbx, rbp and r12-r15. */
L(dotsq_i8_left):
    testq   %rcx, %rcx
    jz      L(dotsq_i8_done)
    movq    %rcx, %r12
    movq    %rdi, %r14                  /* query j */
    movq    %r9, %r13                   /* out + j*os */
    movq    QI_NQ(%rsp), %r15
    movq    %rdx, %rbx                  /* the rows */
    movq    %r8, QI_OS(%rsp)
    movq    %rsi, QI_S(%rsp)
L(dotsq_i8_left_query):
    movq    %r14, %rdi
    movq    %rbx, %rsi
    movq    QI_S(%rsp), %rdx
    movq    %r12, %rcx
    movq    %r13, %r8
    call    SYM(simdot_dots_i8_body_avx512vnni)
    addq    QI_S(%rsp), %r14
    addq    QI_OS(%rsp), %r13
    decq    %r15
    jnz     L(dotsq_i8_left_query)
L(dotsq_i8_done):
    movq    %rbp, %rsp
    RESTORE_GPRS
L(dotsq_i8_ret):
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_dotsq_i8_avx512vnni)

