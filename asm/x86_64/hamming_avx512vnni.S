/*
 * hamming_avx512vnni.S - the AVX-512 tier's Hamming kernels: hamming, hammings and hammingsq,
 * popcount(a XOR b) over n bytes, counted with VPOPCNTQ.
 *
 * VPOPCNTQ is AVX512_VPOPCNTDQ, which is not part of the avx512vnni tier's bundle: Ice Lake,
 * Sapphire Rapids and Zen 4 have it, Cascade Lake does not. The table (kernels_x86_64.def)
 * lists these kernels with that extra feature, so a CPU without it runs the avx2 ones
 * (hamming_avx2.S), and scripts/check-isa.mjs allows VPOPCNTQ in this file only in the
 * functions that the table lists with it, and in what only they call.
 *
 * Contract (native/kernels.h): any n >= 0, any alignment; nothing is read outside the inputs
 * and nothing written outside out[0, nq * nrows), not even within a page: the last n % 64
 * bytes are zero-masking byte loads ({z}), whose masked-off bytes are not accessed and cannot
 * fault. Both operands of a masked chunk load zeros there, whose XOR counts nothing. Results
 * are exact: every lane sums its own qword's counts (at most n bits each), and the lanes are
 * added with wrapping 32-bit adds, so the result is the uint32 sum of the scalar kernel
 * (exact for n < 2^29, mod 2^32 beyond, like it).
 *
 * ISA: AVX-512 F, BW (byte masks, VMOVDQU8, KMOVQ), VL, AVX512_VPOPCNTDQ; the reductions use
 * AVX2's VPHADDD and VEXTRACTI128 on ymm0-15. Every exported kernel ends with VZEROUPPER.
 * Registers: the exported kernels are written against the SysV argument registers; asm.h's
 * PROLOGUE maps Win64 onto them and saves xmm6-15, rdi, rsi (and, on Win64, rbx, rbp,
 * r12-r15, which SAVE_GPRS saves elsewhere). hammings and hammingsq are entry points around
 * one hidden body with a private register contract (simdot_hammingsq_body_avx512vnni).
 */
#include "asm.h"

#include "x86_64_tuning.h"
#include "x86_64_vec.h"

/*
 * uint32_t simdot_hamming_avx512vnni(const uint8_t *a, const uint8_t *b, size_t n);
 *
 * In: rdi = a, rsi = b, rdx = n. Out: eax. Clobbers rax, rcx, rdx, rsi, rdi, zmm0-3,
 * zmm16-19, k1. Needs AVX-512 F, BW, AVX512_VPOPCNTDQ.
 *
 * 256 bytes per iteration into four accumulators, so that each VPADDQ chain waits on its
 * predecessor once every four chunks: per 64 bytes one load, one VPXORQ with the other load
 * folded in, one VPOPCNTQ and one VPADDQ.
 */
FUNC_BEGIN(simdot_hamming_avx512vnni)
    PROLOGUE 3
    vpxor   %xmm0, %xmm0, %xmm0
    vpxor   %xmm1, %xmm1, %xmm1
    vpxor   %xmm2, %xmm2, %xmm2
    vpxor   %xmm3, %xmm3, %xmm3
    movq    %rdx, %rcx
    shrq    $8, %rcx
    jz      L(hamming_64)
    .p2align 4
L(hamming_256):
    vmovdqu64 (%rdi), %zmm16
    vmovdqu64 64(%rdi), %zmm17
    vmovdqu64 128(%rdi), %zmm18
    vmovdqu64 192(%rdi), %zmm19
    vpxorq  (%rsi), %zmm16, %zmm16
    vpxorq  64(%rsi), %zmm17, %zmm17
    vpxorq  128(%rsi), %zmm18, %zmm18
    vpxorq  192(%rsi), %zmm19, %zmm19
    vpopcntq %zmm16, %zmm16
    vpopcntq %zmm17, %zmm17
    vpopcntq %zmm18, %zmm18
    vpopcntq %zmm19, %zmm19
    vpaddq  %zmm16, %zmm0, %zmm0
    vpaddq  %zmm17, %zmm1, %zmm1
    vpaddq  %zmm18, %zmm2, %zmm2
    vpaddq  %zmm19, %zmm3, %zmm3
    addq    $256, %rdi
    addq    $256, %rsi
    decq    %rcx
    jnz     L(hamming_256)
L(hamming_64):
    andl    $255, %edx                  /* bytes left, 0..255 */
    cmpl    $64, %edx
    jb      L(hamming_tail)
L(hamming_64_loop):
    vmovdqu64 (%rdi), %zmm16
    vpxorq  (%rsi), %zmm16, %zmm16
    vpopcntq %zmm16, %zmm16
    vpaddq  %zmm16, %zmm0, %zmm0
    addq    $64, %rdi
    addq    $64, %rsi
    subl    $64, %edx
    cmpl    $64, %edx
    jae     L(hamming_64_loop)
L(hamming_tail):
    testl   %edx, %edx
    jz      L(hamming_reduce)
    movl    %edx, %ecx
    movl    $1, %eax
    shlq    %cl, %rax
    decq    %rax                        /* low r bits set, r = 1..63 */
    kmovq   %rax, %k1
    vmovdqu8 (%rdi), %zmm16{%k1}{z}
    vmovdqu8 (%rsi), %zmm17{%k1}{z}
    vpxorq  %zmm17, %zmm16, %zmm16
    vpopcntq %zmm16, %zmm16
    vpaddq  %zmm16, %zmm1, %zmm1
L(hamming_reduce):
    vpaddq  %zmm1, %zmm0, %zmm0
    vpaddq  %zmm3, %zmm2, %zmm2
    vpaddq  %zmm2, %zmm0, %zmm0
    vextracti64x4 $1, %zmm0, %ymm1
    vpaddq  %ymm1, %ymm0, %ymm0
    vextracti128 $1, %ymm0, %xmm1
    vpaddq  %xmm1, %xmm0, %xmm0
    vpshufd $0x4e, %xmm0, %xmm1
    vpaddq  %xmm1, %xmm0, %xmm0
    vmovd   %xmm0, %eax
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_hamming_avx512vnni)

/*
 * void simdot_hammings_avx512vnni(const uint8_t *q, const uint8_t *rows, size_t n,
 *                                 size_t nrows, uint32_t *out);
 *
 * In: rdi = q, rsi = rows, rdx = n, rcx = nrows, r8 = out. out[r] = hamming(q, rows + r*n).
 * Clobbers rax, rcx, rdx, rsi, rdi, r8-r11, zmm0-31, k1; saves and restores rbx, rbp,
 * r12-r15. Needs AVX-512 F, BW, AVX512_VPOPCNTDQ.
 *
 * hammingsq with one query: the body's one-query variants are this kernel's loops.
 */
FUNC_BEGIN(simdot_hammings_avx512vnni)
    PROLOGUE 5
    SAVE_GPRS
    movq    %r8, %r9                    /* the body's arguments: queries, nq, rows, n, nrows, out */
    movq    %rcx, %r8
    movq    %rdx, %rcx
    movq    %rsi, %rdx
    movl    $1, %esi
    call    SYM(simdot_hammingsq_body_avx512vnni)
    RESTORE_GPRS
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_hammings_avx512vnni)

/*
 * void simdot_hammingsq_avx512vnni(const uint8_t *queries, size_t nq, const uint8_t *rows,
 *                                  size_t n, size_t nrows, uint32_t *out);
 *
 * In: rdi = queries, rsi = nq, rdx = rows, rcx = n, r8 = nrows, r9 = out (Win64: the fifth
 * and sixth from the stack, by PROLOGUE 6). out[j*nrows + r] = hamming(queries + j*n,
 * rows + r*n) for j < nq <= 8; nq outside 1..8 writes nothing. Clobbers rax, rcx, rdx, rsi,
 * rdi, r8-r11, zmm0-31, k1; saves and restores rbx, rbp, r12-r15. Needs AVX-512 F, BW,
 * AVX512_VPOPCNTDQ.
 */
FUNC_BEGIN(simdot_hammingsq_avx512vnni)
    PROLOGUE 6
    leaq    -1(%rsi), %rax
    cmpq    $7, %rax
    ja      L(hammingsq_ret)            /* nq outside 1..8: not ours to score */
    SAVE_GPRS
    call    SYM(simdot_hammingsq_body_avx512vnni)
    RESTORE_GPRS
L(hammingsq_ret):
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_hammingsq_avx512vnni)

/* -------------------------------------------------------------------------- the body ----
 *
 * Registers of the body once it has set up: rdi = query 0, rsi = s (n: the stride of queries
 * and rows), rbx = 3s, rdx = the block's first row, rcx = rows left, r8 = os (nrows * 4, the
 * stride of out between queries), r9 = out + (index of the block's first row) * 4, r10 =
 * cursor of query 0 (query j at r10 + j*s for j < 4), r11 = cursor of query 4, rax = cursor of
 * row 0 (row r at rax + r*s), r12 = chunks left, r13 = out + j*os when storing, r14 = whole
 * chunks n / 64, k1 = the bytes of the partial chunk (n % 64 low bits).
 * zmm0-3: the block's row chunks; zmm4-5: query chunks; zmm6-11: XOR and count temporaries;
 * zmm16-31: accumulator of query j, row r in zmm(16 + j*nr + r), qword counts.
 */

/* Row r's chunk at the row cursor into zmm\dst: a plain load, or (mask=1) zero-masked by k1. */
.macro HQ_R r, dst, mask=0
    .if \mask
    ZR_MASKLD vmovdqu8, \r, \dst
    .else
    ZR_OP   vmovdqu64, \r, \dst
    .endif
.endm

/* zmm\acc += the bit counts of the qwords of zmm\t (clobbered). */
.macro HQ_COUNT t, acc
    vpopcntq %zmm\t, %zmm\t
    vpaddq  %zmm\t, %zmm\acc, %zmm\acc
.endm

/* One chunk of the block, every query against every row: the row chunks are loaded once
 * (zmm0 + r), then each query's chunk meets them all. With one row the query's load is folded
 * into its VPXORQ; with more it is loaded once into zmm4/5 for the block's rows. mask=1: the
 * partial chunk, both operands zero-masked. */
.macro HQ_CHUNK nq, nr, mask
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    HQ_R    \r, \r, \mask
    .endif
    .endr
    .irp j, 0, 1, 2, 3, 4, 5, 6, 7
    .if \j < \nq
    .if \nr == 1 && !\mask
    ZQ_OP   vpxorq, \j, %(6 + \j - \j / 6 * 6), 0
    HQ_COUNT %(6 + \j - \j / 6 * 6), %(16 + \j)
    .else
    .if \mask
    ZQ_MASKLD vmovdqu8, \j, %(4 + \j - \j / 2 * 2)
    .else
    ZQ_OP   vmovdqu64, \j, %(4 + \j - \j / 2 * 2)
    .endif
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    Z3      vpxorq, %(4 + \j - \j / 2 * 2), \r, %(6 + \j * \nr + \r - (\j * \nr + \r) / 6 * 6)
    HQ_COUNT %(6 + \j * \nr + \r - (\j * \nr + \r) / 6 * 6), %(16 + \j * \nr + \r)
    .endif
    .endr
    .endif
    .endif
    .endr
.endm

/* Reduces accumulators zmm16..zmm(16 + nq*nr - 1) four at a time (FOLD into ymm0-3, HSUM4;
 * a qword count is a dword pair whose high half is zero, so VPHADDD sums them) and stores them
 * (STORE4). */
.macro HQ_REDUCE_STORE nq, nr
    movq    %r9, %r10
    OUTJ_RESET
    .irp p0, 0, 4, 8, 12
    .if \p0 < \nq * \nr
    .irp i, 0, 1, 2, 3
    .if \p0 + \i < \nq * \nr
    FOLD    %(16 + \p0 + \i), \i, vextracti64x4, vpaddq
    .endif
    .endr
    HSUM4   %(\nq * \nr - \p0), 0, 1, 2, 3, vphaddd, vextracti128, vpaddd
    STORE4  %(\nq * \nr - \p0), \p0, \nr
    .endif
    .endr
.endm

/* One block of nr rows (rdx) against all nq queries: the whole chunks, the partial one, the
 * sums stored. */
.macro HQ_BLOCK nq, nr
    ZERO_ZMM16 %(\nq * \nr)
    movq    %rdi, %r10
    .if \nq > 4
    leaq    (%rdi,%rsi,4), %r11
    .endif
    movq    %rdx, %rax
    movq    %r14, %r12
    testq   %r12, %r12
    jz      51f
    .p2align 4
50:
    HQ_CHUNK \nq, \nr, 0
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
    HQ_CHUNK \nq, \nr, 1
52:
    HQ_REDUCE_STORE \nq, \nr
.endm

/* All rows for one nq: blocks of nr rows while rows are shorter than
 * SIMDOT_AVX512VNNI_HAMMINGS_ROWS1_MIN_N, then (or else) one row at a time. */
.macro HQ_VARIANT nq, nr
    cmpq    $(SIMDOT_AVX512VNNI_HAMMINGS_ROWS1_MIN_N), %rsi
    jae     42f
40:
    cmpq    $(\nr), %rcx
    jb      42f
    HQ_BLOCK \nq, \nr
    leaq    (%rdx,%rsi,\nr), %rdx
    addq    $(4 * \nr), %r9
    subq    $(\nr), %rcx
    jmp     40b
42:
    testq   %rcx, %rcx
    jz      L(hq_done)
    HQ_BLOCK \nq, 1
    addq    %rsi, %rdx
    addq    $(4), %r9
    decq    %rcx
    jmp     42b
.endm

/*
 * simdot_hammingsq_body_avx512vnni - the body of hammings and hammingsq, for this file's
 * kernels only (a private contract, not the C ABI).
 *
 * In: rdi = queries, rsi = nq (1..8), rdx = rows, rcx = n, r8 = nrows, r9 = out, on every OS
 * (no PROLOGUE: its callers have mapped the Win64 arguments and saved what Win64 preserves).
 * Out: out[j*nrows + r] = hamming(queries + j*n, rows + r*n). Clobbers rax, rbx, rcx, rdx,
 * rsi, r8-r15 (its callers save the callee-saved ones), zmm0-31, k1 and the flags, and leaves
 * rbp alone (the Win64 frame register of the calling kernel); no
 * stack beyond its return address. Returns with the upper halves of the vector registers
 * dirty: its callers end with VZEROUPPER. Needs AVX-512 F, BW, AVX512_VPOPCNTDQ.
 *
 * One pass over the rows for all queries, dispatched once per call to a variant generated for
 * nq: blocks of nr rows, 4 for up to four queries and 2 above (nq * nr <= 16 accumulators),
 * each 64-byte row chunk loaded once for all queries and each query chunk once for the
 * block's rows. Rows of at least SIMDOT_AVX512VNNI_HAMMINGS_ROWS1_MIN_N bytes go one at a time
 * (one forward stream instead of nr cursors n bytes apart), as do the rows that fill no block.
 */
FUNC_BEGIN(simdot_hammingsq_body_avx512vnni)
    testq   %r8, %r8
    jz      L(hq_done)
    movq    %rsi, %r15                  /* nq, until the dispatch */
    movq    %rcx, %rsi                  /* s = n */
    andl    $63, %ecx
    movl    $1, %eax
    shlq    %cl, %rax
    decq    %rax
    kmovq   %rax, %k1                   /* the partial chunk's bytes (none when n % 64 == 0) */
    movq    %r8, %rcx                   /* rows left */
    shlq    $2, %r8                     /* os */
    leaq    (%rsi,%rsi,2), %rbx
    movq    %rsi, %r14
    shrq    $6, %r14
    cmpl    $4, %r15d
    je      L(hq_nq4)
    ja      L(hq_above4)
    cmpl    $2, %r15d
    je      L(hq_nq2)
    ja      L(hq_nq3)
    .altmacro
L(hq_nq1):
    HQ_VARIANT 1, 4
L(hq_nq2):
    HQ_VARIANT 2, 4
L(hq_nq3):
    HQ_VARIANT 3, 4
L(hq_nq4):
    HQ_VARIANT 4, 4
L(hq_above4):
    cmpl    $6, %r15d
    je      L(hq_nq6)
    jb      L(hq_nq5)
    cmpl    $8, %r15d
    je      L(hq_nq8)
L(hq_nq7):
    HQ_VARIANT 7, 2
L(hq_nq5):
    HQ_VARIANT 5, 2
L(hq_nq6):
    HQ_VARIANT 6, 2
L(hq_nq8):
    HQ_VARIANT 8, 2
    .noaltmacro
L(hq_done):
    ret
FUNC_END(simdot_hammingsq_body_avx512vnni)
