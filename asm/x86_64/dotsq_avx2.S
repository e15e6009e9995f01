/*
 * dotsq_avx2.S - the AVX2 tier's multi-query kernels: int8 and float32 dotsq, up to
 * SIMDOT_MAX_BATCH (8) queries scored against the same rows in one pass over them.
 *
 * Contract (native/kernels.h): any dim, nrows >= 0, any alignment; nothing is read outside the
 * nq queries and the nrows rows, nothing written outside out[0, nq * nrows), not even within a
 * page: the tails are those of dot_avx2.S (an overlapped last 16 bytes for int8, VMASKMOVPS for
 * float32). float32 follows this tier's canonical summation order (dot_avx2.S, "float32"), so a
 * score is bit-identical to dot_f32's and dots_f32's.
 *
 * ISA: AVX2 + FMA. Every exported kernel ends with VZEROUPPER.
 *
 * Registers: written against the SysV argument registers, asm.h's PROLOGUE 6 maps Win64 onto
 * them (nrows and out from the stack) and saves what Win64 declares callee-saved; both kernels
 * also push and pop rbx, rbp and r12-r15 and keep a frame on the stack. The rows and queries
 * their blocks leave over go to dot_avx2.S's simdot_dots_i8_body_avx2 and
 * simdot_dots_f32_body_avx2, called with their private contracts.
 */
#include "asm.h"

#include "x86_64_tuning.h"
#include "x86_64_vec.h"

    AVX2_TAIL_TABLES

/* -------------------------------------------------------------- multi-query kernels ----
 *
 * dotsq: out[j * nrows + r] = dot(queries + j*dim, rows + r*dim) for nq = 1..8 queries, each
 * row chunk read from memory once for the queries of the call (or of its group, see below), so
 * a batch of queries is not bound by memory bandwidth the way nq calls of dots are.
 *
 * The register blocking depends on nq, so each kernel dispatches once per call to a variant
 * generated for its nq; nq outside 1..8 writes nothing. A block of nr rows is scored by groups
 * of at most four queries (nq = 5..8: 3 + 2, 3 + 3, 4 + 3, 4 + 4), nr * group <= 8 accumulators;
 * the second group finds the block's rows in L1 or L2.
 *
 * One query is dots; rows that fill no block go to dots one query at a time (the bodies of
 * dots in dot_avx2.S, called: same order, same bits).
 *
 * Registers of both dotsq kernels: rdi = query 0, rsi = s (the stride of queries and rows in
 * bytes), rbx = 3s, rdx = the first row of the block, rcx = rows left, r8 = os (nrows * 4, the
 * stride of out between queries), r9 = out + (index of the block's first row) * 4, rbp = our
 * caller's rsp; r10 = cursor of the group's first query (query j at r10 + j*s), rax = cursor of
 * row 0 (row r at rax + r*s), r12 = loop counter, r13 = out + j*os when storing; dotsq_f32 also
 * r11 = prefetch cursor, r13 = spill of the unit, r14 = first row of the unit, r15 = units
 * left. rbx, rbp, r12-r15 are pushed and popped by the kernel.
 */

/* \insn on query j (< 4) of the group at byte offset off of the q cursor: \insn off(addr),
 * %ymm\dst. */
.macro Q_OP insn, j, dst, off=0, pad=0
    .if \j == 0
    \insn \off(%r10), %ymm\dst
    .elseif \j == 1
    \insn \off+\pad(%r10,%rsi), %ymm\dst
    .elseif \j == 2
    \insn \off+2*\pad(%r10,%rsi,2), %ymm\dst
    .else
    \insn \off+3*\pad(%r10,%rbx), %ymm\dst
    .endif
.endm

/* \insn on row r's chunk at byte offset off of the row cursor: \insn off(addr), %ymm\dst. */
.macro R_OP insn, r, dst, off=0
    .if \r == 0
    \insn \off(%rax), %ymm\dst
    .elseif \r == 1
    \insn \off(%rax,%rsi), %ymm\dst
    .elseif \r == 2
    \insn \off(%rax,%rsi,2), %ymm\dst
    .else
    \insn \off(%rax,%rbx), %ymm\dst
    .endif
.endm

/* Prefetch of row r, SIMDOT_AVX2_DOTSQ_I8_PREFETCH bytes ahead of the row cursor. */
.macro R_PREFETCH r
    .if \r == 0
    prefetcht0 SIMDOT_AVX2_DOTSQ_I8_PREFETCH(%rax)
    .elseif \r == 1
    prefetcht0 SIMDOT_AVX2_DOTSQ_I8_PREFETCH(%rax,%rsi)
    .elseif \r == 2
    prefetcht0 SIMDOT_AVX2_DOTSQ_I8_PREFETCH(%rax,%rsi,2)
    .else
    prefetcht0 SIMDOT_AVX2_DOTSQ_I8_PREFETCH(%rax,%rbx)
    .endif
.endm

/* VMASKMOVPS of row r at the row cursor under the mask in ymm14. */
.macro R_MASKLD r, dst
    .if \r == 0
    vmaskmovps (%rax), %ymm14, %ymm\dst
    .elseif \r == 1
    vmaskmovps (%rax,%rsi), %ymm14, %ymm\dst
    .elseif \r == 2
    vmaskmovps (%rax,%rsi,2), %ymm14, %ymm\dst
    .else
    vmaskmovps (%rax,%rbx), %ymm14, %ymm\dst
    .endif
.endm

/* Row r's 32-byte chunk at byte offset off of the row cursor as two 16-byte loads (the same
 * lanes as one VMOVUPS), for rows that are not 32-byte aligned: see QF_PASS. */
.macro R_LDHALF r, dst, off=0
    .if \r == 0
    vmovups \off(%rax), %xmm\dst
    vinsertf128 $1, \off+16(%rax), %ymm\dst, %ymm\dst
    .elseif \r == 1
    vmovups \off(%rax,%rsi), %xmm\dst
    vinsertf128 $1, \off+16(%rax,%rsi), %ymm\dst, %ymm\dst
    .elseif \r == 2
    vmovups \off(%rax,%rsi,2), %xmm\dst
    vinsertf128 $1, \off+16(%rax,%rsi,2), %ymm\dst, %ymm\dst
    .else
    vmovups \off(%rax,%rbx), %xmm\dst
    vinsertf128 $1, \off+16(%rax,%rbx), %ymm\dst, %ymm\dst
    .endif
.endm

/* Reduces accumulators ymm0..ymm(P-1), P = nq * nr, four at a time, and stores them (STORE4)
 * for the rows whose out address is r10. */
.macro REDUCE_STORE nq, nr, g, hadd, extract, add
    OUTJ_RESET
    .irp p0, 0, 4
    .if \p0 < \nq * \nr
    .if \nq * \nr - \p0 >= 4
    HSUM4   4, %(\p0), %(\p0 + 1), %(\p0 + 2), %(\p0 + 3), \hadd, \extract, \add
    STORE4  4, \p0, \nr, \g
    .else
    HSUM4   %(\nq * \nr - \p0), %(\p0), %(\p0 + 1), %(\p0 + 2), %(\p0 + 3), \hadd, \extract, \add
    STORE4  %(\nq * \nr - \p0), \p0, \nr, \g
    .endif
    .endif
    .endr
.endm

/* ---- float32 ----------------------------------------------------------------------------
 * Frame of simdot_dotsq_f32_avx2 (rsp 32-byte aligned). */
#define QF_SPILL      0     /* [2 units][4 passes][8] x 32: every accumulator of a block */
#define QF_QTAIL      2048  /* [8] x 32: each query's partial chunk, 0 past dim */
#define QF_MASK       2304  /* the partial chunk's lane mask */
#define QF_NK         2336  /* [4] x 64: whole line pairs of pass k (chunks 8i + 2k, 8i + 2k + 1) */
#define QF_SINGLEOFF  2592  /* byte offset of the last whole chunk, when it starts a pair */
#define QF_TAILOFF    2600  /* byte offset of the partial chunk: dim * 4 rounded down to 32 */
#define QF_UNITS      2608  /* units of nr rows in the current block: 1 or 2 */
#define QF_KOFF       2616  /* 64 * the current pass */
#define QF_NQ         2624
#define QF_ROWS       2632  /* where the leftover rows start, across calls of dots */
#define QF_OS         2640
#define QF_LASTPASS   2648  /* pass of those two chunks ((dim / 8) % 8 / 2), 4 if neither */
#define QF_SINGLE     2652  /* 1 when (dim / 8) % 8 is odd */
#define QF_PARTIAL    2656  /* 1 when dim % 8 != 0 */
#define QF_QSTRIDE    2664  /* bytes from one query to the next: s, or s + 64 when staged */
#define QF_STAGED     2672  /* 1 when the queries were staged (see the entry point) */
#define QF_FRAME      2688

/* r10 = query g at byte offset rax: queries are qpad bytes apart beyond s (see the entry
 * point). */
.macro QF_QCURSOR g, qpad
    .if \g == 0
    leaq    (%rdi,%rax), %r10
    .elseif \g == 3
    leaq    3*\qpad(%rbx,%rax), %r10
    addq    %rdi, %r10
    .else
    leaq    4*\qpad(%rdi,%rsi,4), %r10
    addq    %rax, %r10
    .endif
.endm

/* Pass k over one unit of nr rows (r14) for a group of nq queries (query g onwards), spilled
 * at r13: accumulator k of every (query j, row r) pair, in ymm(j*nr + r), from the line pairs
 * k of every 64-float step (QF_EXTRAS adds what follows them). Each row chunk is loaded once
 * (ymm8 + r) and meets the group's query chunks (ymm12/13) with the query as the FMA's second
 * operand, as in dot. */
.macro QF_PASS nq, nr, g, pf2, half, qpad
    ZERO_YMM %(\nq * \nr)
    movq    QF_KOFF(%rsp), %rax
    movq    QF_NK(%rsp,%rax), %r12
    testq   %r12, %r12
    jz      31f
    QF_QCURSOR \g, \qpad
    addq    %r14, %rax
    .p2align 4
30:
    prefetcht0 (%r11)
    .if \pf2
    prefetcht0 64(%r11)
    .endif
    addq    $(64 + 64 * \pf2), %r11
    .irp h, 0, 32
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    .if \half
    R_LDHALF \r, %(8 + \r), \h
    .else
    R_OP    vmovups, \r, %(8 + \r), \h
    .endif
    .endif
    .endr
    .irp j, 0, 1, 2, 3
    .if \j < \nq
    Q_OP    vmovups, \j, %(12 + \j - \j / 2 * 2), \h, \qpad
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    Y3      vfmadd231ps, %(8 + \r), %(12 + \j - \j / 2 * 2), %(\j * \nr + \r)
    .endif
    .endr
    .endif
    .endr
    .endr
    addq    $(256), %r10
    addq    $(256), %rax
    decq    %r12
    jnz     30b
31:
    movq    QF_KOFF(%rsp), %r12
    .irp p, 0, 1, 2, 3, 4, 5, 6, 7
    .if \p < \nq * \nr
    vmovaps %ymm\p, 32 * \p(%r13,%r12,4)
    .endif
    .endr
.endm

/* The odd last whole chunk and the partial chunk, if any, for one unit (r14) of a group: they
 * end the chain of accumulator QF_LASTPASS, so that accumulator is reloaded from the unit's
 * spill (r13), completed and stored back. */
.macro QF_EXTRAS nq, nr, g, qpad
    movl    QF_LASTPASS(%rsp), %r12d
    cmpl    $(4), %r12d
    je      39f
    shll    $(8), %r12d
    addq    %r13, %r12                  /* the unit's spill of that pass */
    .irp p, 0, 1, 2, 3, 4, 5, 6, 7
    .if \p < \nq * \nr
    vmovaps 32 * \p(%r12), %ymm\p
    .endif
    .endr
    cmpl    $(0), QF_SINGLE(%rsp)
    je      38f
    movq    QF_SINGLEOFF(%rsp), %rax
    QF_QCURSOR \g, \qpad
    addq    %r14, %rax
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    R_OP    vmovups, \r, %(8 + \r)
    .endif
    .endr
    .irp j, 0, 1, 2, 3
    .if \j < \nq
    Q_OP    vmovups, \j, %(12 + \j - \j / 2 * 2), 0, \qpad
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    Y3      vfmadd231ps, %(8 + \r), %(12 + \j - \j / 2 * 2), %(\j * \nr + \r)
    .endif
    .endr
    .endif
    .endr
38:
    cmpl    $(0), QF_PARTIAL(%rsp)
    je      37f
    vmovaps QF_MASK(%rsp), %ymm14
    movq    QF_TAILOFF(%rsp), %rax
    addq    %r14, %rax
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    R_MASKLD \r, %(8 + \r)
    .endif
    .endr
    .irp j, 0, 1, 2, 3
    .if \j < \nq
    vmovaps QF_QTAIL + 32 * \g + 32 * \j(%rsp), %ymm12
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    Y3      vfmadd231ps, %(8 + \r), 12, %(\j * \nr + \r)
    .endif
    .endr
    .endif
    .endr
37:
    .irp p, 0, 1, 2, 3, 4, 5, 6, 7
    .if \p < \nq * \nr
    vmovaps %ymm\p, 32 * \p(%r12)
    .endif
    .endr
39:
.endm

/* One group of nq queries (query g onwards) against the block at rdx: pass k for every unit of
 * the block before pass k + 1, so that the quarter of the group's query lines a pass reads is
 * read once per block, not once per unit; then, per unit, (acc0 + acc1) + (acc2 + acc3), the
 * canonical VHADDPS tree and the stores. */
.macro QF_GROUP nq, nr, g, pf2, half, qpad
    movq    $(0), QF_KOFF(%rsp)
45:
    movq    %rdx, %r14
    leaq    QF_SPILL(%rsp), %r13
    movq    QF_UNITS(%rsp), %r15
35:
    QF_PASS \nq, \nr, \g, \pf2, \half, \qpad
    .if \nr == 2
    leaq    (%r14,%rsi,2), %r14
    .else
    leaq    (%r14,%rsi,4), %r14
    .endif
    addq    $(1024), %r13
    decq    %r15
    jnz     35b
    movq    QF_KOFF(%rsp), %rax
    addq    $(64), %rax
    movq    %rax, QF_KOFF(%rsp)
    cmpq    $(256), %rax
    jb      45b
    movq    %rdx, %r14
    leaq    QF_SPILL(%rsp), %r13
    movq    QF_UNITS(%rsp), %r15
34:
    QF_EXTRAS \nq, \nr, \g, \qpad
    .if \nr == 2
    leaq    (%r14,%rsi,2), %r14
    .else
    leaq    (%r14,%rsi,4), %r14
    .endif
    addq    $(1024), %r13
    decq    %r15
    jnz     34b
    movq    %r9, %r10
    leaq    QF_SPILL(%rsp), %r14
    movq    QF_UNITS(%rsp), %r15
36:
    .irp p, 0, 1, 2, 3, 4, 5, 6, 7
    .if \p < \nq * \nr
    vmovaps 32 * \p(%r14), %ymm14
    vaddps  256 + 32 * \p(%r14), %ymm14, %ymm14
    vmovaps 512 + 32 * \p(%r14), %ymm15
    vaddps  768 + 32 * \p(%r14), %ymm15, %ymm15
    Y3      vaddps, 15, 14, \p
    .endif
    .endr
    REDUCE_STORE \nq, \nr, \g, vhaddps, vextractf128, vaddps
    addq    $(4 * \nr), %r10
    addq    $(1024), %r14
    decq    %r15
    jnz     36b
.endm

/* All rows for one nq: blocks of two units of nr rows (or one) scored by a group of q1
 * queries, then one of q2 (if not 0); the rows left over (fewer than nr) by dots. */
.macro QF_VARIANT nr, q1, q2, half, qpad
41:
    cmpq    $(\nr), %rcx
    jb      L(dotsq_f32_left)
    movq    $(1), QF_UNITS(%rsp)
    cmpq    $(2 * \nr), %rcx
    jb      42f
    movq    $(2), QF_UNITS(%rsp)
42:
    /* r11 walks the next block (prefetch hints, harmless past the rows) */
    movq    QF_UNITS(%rsp), %r11
    imulq   %rsi, %r11
    .if \nr == 2
    leaq    (%rdx,%r11,2), %r11
    .else
    leaq    (%rdx,%r11,4), %r11
    .endif
    .if \q2
    QF_GROUP \q1, \nr, 0, 0, \half, \qpad
    QF_GROUP \q2, \nr, \q1, 0, \half, \qpad
    .else
    QF_GROUP \q1, \nr, 0, 1, \half, \qpad
    .endif
    movq    QF_UNITS(%rsp), %rax
    .if \nr == 2
    addq    %rax, %rax
    .else
    shlq    $(2), %rax
    .endif
    subq    %rax, %rcx
    leaq    (%r9,%rax,4), %r9
    imulq   %rsi, %rax
    addq    %rax, %rdx
    jmp     41b
.endm

/* Every QF_VARIANT, dispatched on nq = 2..8 (r10d), with rows loaded whole (half = 0) or in
 * 16-byte halves (half = 1), and queries s (qpad = 0) or s + 64 (qpad = 64, staged) apart. */
.macro QF_VARIANTS half, qpad
    cmpl    $4, %r10d
    je      64f
    ja      65f
    cmpl    $2, %r10d
    je      62f
    jmp     63f
62:
    QF_VARIANT 4, 2, 0, \half, \qpad
63:
    QF_VARIANT 2, 3, 0, \half, \qpad
64:
    QF_VARIANT 2, 4, 0, \half, \qpad
65:
    cmpl    $6, %r10d
    je      66f
    jb      67f
    cmpl    $8, %r10d
    je      68f
    QF_VARIANT 2, 4, 3, \half, \qpad
67:
    QF_VARIANT 2, 3, 2, \half, \qpad
66:
    QF_VARIANT 2, 3, 3, \half, \qpad
68:
    QF_VARIANT 2, 4, 4, \half, \qpad
.endm

/* The variants for queries qpad bytes apart beyond s (see QF_VARIANTS). Rows that are not all
 * 32-byte aligned (a Float32Array at 16 mod 64, as Node's allocator hands them out) take the
 * variants that load row chunks 16 bytes at a time: a 32-byte load across two cache lines made
 * the batch ~10% slower from DRAM on Zen 3 (no change in L2), and aligned rows lose ~5% in L2
 * with the 16-byte loads. Same lanes, same bits. */
.macro QF_DISPATCH qpad
    movq    %rdx, %rax
    orq     %rsi, %rax
    testb   $31, %al
    jnz     69f
    QF_VARIANTS 0, \qpad
69:
    QF_VARIANTS 1, \qpad
.endm

/*
 * void simdot_dotsq_f32_avx2(const float *queries, size_t nq, const float *rows, size_t dim,
 *                            size_t nrows, float *out);
 *
 * In: rdi = queries, rsi = nq, rdx = rows, rcx = dim, r8 = nrows, r9 = out (Win64: the fifth
 * and sixth from the stack, by PROLOGUE 6). out[j*nrows + r] = dot(queries + j*dim, rows +
 * r*dim) for j < nq <= 8. Clobbers rax, rcx, rdx, rsi, rdi, r8-r11, ymm0-15; saves and
 * restores rbx, rbp, r12-r15; 2.7 KB of stack, and up to 56 KiB more when it stages the
 * queries (nq >= 2, dim a multiple of 64, nq * (dim * 4 + 64) <= SIMDOT_AVX2_DOTSQ_F32_STAGE_MAX).
 * Needs AVX2 and FMA.
 *
 * Bit-identical to dot_f32 / dots_f32 of this tier. The canonical order needs four
 * accumulators per (query, row) pair, 32 for eight queries, far more than 16 registers; but
 * accumulator k only ever sees line pairs k, so the four are built one after the other (pass
 * k, QF_PASS) with one accumulator per pair live: a unit of 2 rows (4 for nq <= 2) by a group
 * of up to 4 queries is 8 independent FMA chains, each row chunk loaded once for the group and
 * each query chunk once for the unit, 3/4 loads per FMA. A block is two units; a pass runs over
 * both before the next pass so that the query lines it needs stay in L1 (the queries alone are
 * 48 KB at dim 1536), helped by the staged copy of the queries where their lines would share
 * L1 sets. Rows that do not fill a unit go one at a time with all nq queries.
 */
FUNC_BEGIN(simdot_dotsq_f32_avx2)
    PROLOGUE 6
    testq   %r8, %r8
    jz      L(dotsq_f32_ret)
    leaq    -1(%rsi), %rax
    cmpq    $7, %rax
    ja      L(dotsq_f32_ret)            /* nq outside 1..8: not ours to score */
    SAVE_GPRS
    movq    %rsp, %rbp
    /* Staging: when s is a multiple of 256 bytes, every query's line k of each 256-byte step
     * falls in the same quarter of the L1 sets, and pass k (QF_PASS) reads only those lines,
     * so a group's queries and the streamed rows crowd one quarter of L1. Copying the queries
     * s + 64 bytes apart spreads them over all four quarters: in L2, dim 1536 took 15.2 ms per
     * query for a batch of 8 against 12.0 at dim 1552, and 13.2 staged (Zen 3). The copy goes
     * on the stack, claimed a page at a time (Windows commits its stack one guard page at a
     * time). */
    xorl    %r15d, %r15d                /* staged? */
    cmpq    $1, %rsi
    je      L(dotsq_f32_frame)          /* one query: that is dots */
    leaq    (,%rcx,4), %rax             /* s */
    testl   $255, %eax
    jnz     L(dotsq_f32_frame)
    testq   %rax, %rax
    jz      L(dotsq_f32_frame)
    cmpq    $SIMDOT_AVX2_DOTSQ_F32_STAGE_MAX, %rax
    ja      L(dotsq_f32_frame)          /* guards the product below against overflow */
    leaq    64(%rax), %r10
    imulq   %rsi, %r10                  /* nq * (s + 64) */
    cmpq    $SIMDOT_AVX2_DOTSQ_F32_STAGE_MAX, %r10
    ja      L(dotsq_f32_frame)
    movq    %rsp, %r11
    subq    %r10, %r11
    andq    $-64, %r11                  /* the stage */
L(dotsq_f32_probe):
    subq    $4096, %rsp
    orq     $0, (%rsp)
    cmpq    %r11, %rsp
    ja      L(dotsq_f32_probe)
    movq    %r11, %rsp
    movq    %rdi, %r14                  /* query j */
    movq    %rsp, %r13                  /* its copy */
    movq    %rsi, %r10
L(dotsq_f32_stage_q):
    xorl    %r12d, %r12d
L(dotsq_f32_stage_64):
    vmovups (%r14,%r12), %ymm0
    vmovups 32(%r14,%r12), %ymm1
    vmovaps %ymm0, (%r13,%r12)
    vmovaps %ymm1, 32(%r13,%r12)
    addq    $64, %r12
    cmpq    %rax, %r12
    jb      L(dotsq_f32_stage_64)
    addq    %rax, %r14
    leaq    64(%r13,%rax), %r13
    decq    %r10
    jnz     L(dotsq_f32_stage_q)
    movq    %rsp, %rdi
    movl    $1, %r15d
L(dotsq_f32_frame):
    /* The frame's 2.7 KB lie within a page of the last probe, or of the caller's rsp. */
    subq    $QF_FRAME, %rsp
    andq    $-32, %rsp
    movq    %r15, QF_STAGED(%rsp)
    movq    %rsi, %r10                  /* nq, until the dispatch */
    leaq    (,%rcx,4), %rsi             /* s */
    shlq    $6, %r15
    addq    %rsi, %r15
    movq    %r15, QF_QSTRIDE(%rsp)
    leaq    (%rsi,%rsi,2), %rbx
    movq    %r8, %rcx
    shlq    $2, %r8                     /* os */
    /* Whole chunks C = dim / 8; pass k has (C + 6 - 2k) / 8 whole line pairs; the last
     * (C % 8) % 2 whole chunk and the partial one, if any, go to pass (C % 8) / 2. */
    movq    %rsi, %rax
    shrq    $5, %rax
    leaq    6(%rax), %r11
    shrq    $3, %r11
    movq    %r11, QF_NK(%rsp)
    leaq    4(%rax), %r11
    shrq    $3, %r11
    movq    %r11, QF_NK + 64(%rsp)
    leaq    2(%rax), %r11
    shrq    $3, %r11
    movq    %r11, QF_NK + 128(%rsp)
    movq    %rax, %r11
    shrq    $3, %r11
    movq    %r11, QF_NK + 192(%rsp)
    movq    %rsi, %r11
    andq    $-32, %r11
    movq    %r11, QF_TAILOFF(%rsp)
    subq    $32, %r11
    movq    %r11, QF_SINGLEOFF(%rsp)
    movl    %eax, %r11d
    andl    $1, %r11d
    movl    %r11d, QF_SINGLE(%rsp)
    xorl    %r11d, %r11d
    testl   $28, %esi
    setnz   %r11b
    movl    %r11d, QF_PARTIAL(%rsp)
    orl     QF_SINGLE(%rsp), %r11d
    andl    $7, %eax
    shrl    $1, %eax
    movl    $4, %r12d
    testl   %r11d, %r11d
    cmovzl  %r12d, %eax
    movl    %eax, QF_LASTPASS(%rsp)
    testl   $28, %esi
    jz      L(dotsq_f32_dispatch)
    /* The partial chunk's mask, and each query's partial chunk (VMASKMOVPS: nothing read past
     * dim), kept in the frame for every block. */
    movl    %esi, %eax
    andl    $28, %eax
    negq    %rax
    leaq    L(avx2_tail_dwords)(%rip), %r11
    vmovdqu 32(%r11,%rax), %ymm14
    vmovaps %ymm14, QF_MASK(%rsp)
    movq    QF_TAILOFF(%rsp), %r11
    addq    %rdi, %r11
    leaq    QF_QTAIL(%rsp), %rax
    movq    %r10, %r12
L(dotsq_f32_qtail):
    vmaskmovps (%r11), %ymm14, %ymm15
    vmovaps %ymm15, (%rax)
    addq    %rsi, %r11
    addq    $32, %rax
    decq    %r12
    jnz     L(dotsq_f32_qtail)
L(dotsq_f32_dispatch):
    movq    %r10, QF_NQ(%rsp)
    cmpl    $1, %r10d
    je      L(dotsq_f32_left)           /* one query: that is dots */
    cmpq    $0, QF_STAGED(%rsp)
    jne     L(dotsq_f32_staged)
    .altmacro
    QF_DISPATCH 0
L(dotsq_f32_staged):
    QF_DISPATCH 64
    .noaltmacro
    /* Rows that fill no unit (rcx < nr, or all of them when nq = 1): dots for each query, the
     * same canonical order. simdot_dots_f32_body_avx2 keeps rbx, rbp and r12-r15. */
L(dotsq_f32_left):
    testq   %rcx, %rcx
    jz      L(dotsq_f32_done)
    movq    %rsi, %rbx                  /* s */
    movq    %rcx, %r12
    movq    %rdi, %r14                  /* query j, QF_QSTRIDE apart */
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
    call    SYM(simdot_dots_f32_body_avx2)
    addq    QF_QSTRIDE(%rsp), %r14
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
FUNC_END(simdot_dotsq_f32_avx2)
/* ---- int8 ---------------------------------------------------------------------------------
 * Frame of simdot_dotsq_i8_avx2 (rsp 32-byte aligned): each query's last 16 bytes with the
 * lanes before its partial chunk zeroed, widened to int16 (see dots_i8's q tail). */
#define QI_QTAIL    0       /* [8] x 32 */
#define QI_NQ       256
#define QI_S        264
#define QI_OS       272
#define QI_FRAME    288

/* One 16-byte chunk at byte offset off of the cursors for a group of nq queries and nr rows. */
.macro QI_CHUNK nq, nr, off
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    R_OP    vpmovsxbw, \r, %(8 + \r), \off
    .endif
    .endr
    .irp j, 0, 1, 2, 3
    .if \j < \nq
    Q_OP    vpmovsxbw, \j, %(12 + (\j - \j / 2 * 2)), \off
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    Y3      vpmaddwd, %(8 + \r), %(12 + (\j - \j / 2 * 2)), %(14 + (\r - \r / 2 * 2))
    Y3      vpaddd, %(14 + (\r - \r / 2 * 2)), %(\j * \nr + \r), %(\j * \nr + \r)
    .endif
    .endr
    .endif
    .endr
.endm

/* One group of nq queries (query g onwards) against a block of nr rows: 16-byte row chunks
 * widened once (VPMOVSXBW, ymm8 + r) and shared by the group's queries, each query chunk widened
 * once (ymm12/13) and shared by the block's rows; VPMADDWD + VPADDD into ymm(j*nr + r), the
 * same exact int32 arithmetic as dot_i8. The partial chunk is the overlapped last 16 bytes of
 * each row against the frame's q tails. Needs dim >= 16. */
.macro QI_GROUP nq, nr, g, split=0
    ZERO_YMM %(\nq * \nr)
    .if \g == 0
    movq    %rdi, %r10
    .elseif \g == 3
    leaq    (%rdi,%rbx), %r10
    .else
    leaq    (%rdi,%rsi,4), %r10
    .endif
    movq    %rdx, %rax
    movq    %rsi, %r12
    shrq    $(6), %r12                  /* 64-byte steps */
    jz      56f
    .p2align 4
55:
    /* Prefetch SIMDOT_AVX2_DOTSQ_I8_PREFETCH ahead of the row cursors, one line per row per
     * step (hints: they cannot fault). With two groups the first prefetches row 0 and the
     * second row 1: when the first group asked for both rows' lines, memory idled while the
     * second group ran from L1, and nq = 5..8 ran 13-20% slower from DRAM (Zen 3, dim
     * 1024/1536); no change in L2 or L3. */
    .if \split
    .if \g == 0
    R_PREFETCH 0
    .else
    R_PREFETCH 1
    .endif
    .else
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    R_PREFETCH \r
    .endif
    .endr
    .endif
    QI_CHUNK \nq, \nr, 0
    QI_CHUNK \nq, \nr, 16
    QI_CHUNK \nq, \nr, 32
    QI_CHUNK \nq, \nr, 48
    addq    $(64), %r10
    addq    $(64), %rax
    decq    %r12
    jnz     55b
56:
    movl    %esi, %r12d
    andl    $(48), %r12d                /* 16-byte chunks left, times 16 */
    jz      58f
57:
    QI_CHUNK \nq, \nr, 0
    addq    $(16), %r10
    addq    $(16), %rax
    subl    $(16), %r12d
    jnz     57b
58:
    testl   $(15), %esi
    jz      51f
    leaq    -16(%rdx,%rsi), %rax
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    R_OP    vpmovsxbw, \r, %(8 + \r)
    .endif
    .endr
    .irp j, 0, 1, 2, 3
    .if \j < \nq
    vmovdqa QI_QTAIL + 32 * \g + 32 * \j(%rsp), %ymm12
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    Y3      vpmaddwd, %(8 + \r), 12, %(14 + (\r - \r / 2 * 2))
    Y3      vpaddd, %(14 + (\r - \r / 2 * 2)), %(\j * \nr + \r), %(\j * \nr + \r)
    .endif
    .endr
    .endif
    .endr
51:
    movq    %r9, %r10
    REDUCE_STORE \nq, \nr, \g, vphaddd, vextracti128, vpaddd
.endm

/* All rows for one nq: blocks of nr rows scored by a group of q1 queries, then one of q2 (if
 * not 0); a row left over by dots. */
.macro QI_VARIANT nr, q1, q2
53:
    cmpq    $(\nr), %rcx
    jb      L(dotsq_i8_left)
    .if \q2
    .if \nr != 2
    .error "QI_VARIANT: two groups split their prefetches over exactly two rows"
    .endif
    QI_GROUP \q1, \nr, 0, 1
    QI_GROUP \q2, \nr, \q1, 1
    .else
    QI_GROUP \q1, \nr, 0
    .endif
    leaq    (%rdx,%rsi,\nr), %rdx
    addq    $(4 * \nr), %r9
    subq    $(\nr), %rcx
    jmp     53b
.endm

/*
 * void simdot_dotsq_i8_avx2(const int8_t *queries, size_t nq, const int8_t *rows, size_t dim,
 *                           size_t nrows, int32_t *out);
 *
 * In: rdi = queries, rsi = nq, rdx = rows, rcx = dim, r8 = nrows, r9 = out (Win64: the fifth
 * and sixth from the stack). out[j*nrows + r] = dot(queries + j*dim, rows + r*dim) for
 * j < nq <= 8, exact for dim <= 65536 and wrapping beyond, like dot_i8. Clobbers rax, rcx,
 * rdx, rsi, rdi, r8-r11, ymm0-15; saves and restores rbx, rbp, r12-r15; 256 bytes of stack.
 * Needs AVX2.
 *
 * Blocks of two rows: each 16-byte row chunk is widened once and serves a group of up to four
 * queries, each query chunk is widened once and serves both rows (two rows by four queries is
 * eight accumulators, and with the two widened rows, two query and two product temporaries, all
 * 16 registers). Five to eight queries are two groups, 3 + 2, 3 + 3, 4 + 3 or 4 + 4, the second
 * reading the block's rows again from L1. VPMADDWD and VPADDD are the floor here (two per query
 * per 16 bytes); the widening costs one shuffle per row chunk per group and one per query chunk
 * per two rows. An odd last row is one group of all nq. dim < 16 is a scalar loop.
 */
FUNC_BEGIN(simdot_dotsq_i8_avx2)
    PROLOGUE 6
    testq   %r8, %r8
    jz      L(dotsq_i8_ret)
    leaq    -1(%rsi), %rax
    cmpq    $7, %rax
    ja      L(dotsq_i8_ret)             /* nq outside 1..8: not ours to score */
    SAVE_GPRS
    movq    %rsp, %rbp
    subq    $QI_FRAME, %rsp
    andq    $-32, %rsp
    movq    %rsi, %r10                  /* nq, until the dispatch */
    movq    %rcx, %rsi                  /* s = dim */
    leaq    (%rsi,%rsi,2), %rbx
    movq    %r8, %rcx
    shlq    $2, %r8                     /* os */
    movq    %r10, QI_NQ(%rsp)
    cmpq    $16, %rsi
    jb      L(dotsq_i8_left)            /* dim < 16: dots' scalar loop */
    /* q tails, as in dots_i8 (all zero when dim % 16 == 0, and then unused). */
    movl    %esi, %eax
    andl    $15, %eax
    leaq    L(avx2_tail_bytes)(%rip), %r11
    vmovdqu (%r11,%rax), %xmm14
    leaq    -16(%rdi,%rsi), %r11
    leaq    QI_QTAIL(%rsp), %rax
    movq    %r10, %r12
L(dotsq_i8_qtail):
    vpand   (%r11), %xmm14, %xmm15
    vpmovsxbw %xmm15, %ymm15
    vmovdqa %ymm15, (%rax)
    addq    %rsi, %r11
    addq    $32, %rax
    decq    %r12
    jnz     L(dotsq_i8_qtail)
    cmpl    $4, %r10d
    je      L(dotsq_i8_nq4)
    ja      L(dotsq_i8_above4)
    cmpl    $2, %r10d
    je      L(dotsq_i8_nq2)
    ja      L(dotsq_i8_nq3)
    jmp     L(dotsq_i8_left)            /* one query: that is dots */
    .altmacro
L(dotsq_i8_nq2):
    QI_VARIANT 2, 2, 0
L(dotsq_i8_nq3):
    QI_VARIANT 2, 3, 0
L(dotsq_i8_nq4):
    QI_VARIANT 2, 4, 0
L(dotsq_i8_above4):
    cmpl    $6, %r10d
    je      L(dotsq_i8_nq6)
    jb      L(dotsq_i8_nq5)
    cmpl    $8, %r10d
    je      L(dotsq_i8_nq8)
L(dotsq_i8_nq7):
    QI_VARIANT 2, 4, 3
L(dotsq_i8_nq5):
    QI_VARIANT 2, 3, 2
L(dotsq_i8_nq6):
    QI_VARIANT 2, 3, 3
L(dotsq_i8_nq8):
    QI_VARIANT 2, 4, 4
    .noaltmacro
    /* A row that fills no block (or all rows, for one query or dim < 16): dots for each
     * query. simdot_dots_i8_body_avx2 keeps rbx, rbp and r12-r15. */
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
    movl    $SIMDOT_AVX2_DOTS_I8_STREAM_PREFETCH, %r9d
    call    SYM(simdot_dots_i8_body_avx2)
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
FUNC_END(simdot_dotsq_i8_avx2)
