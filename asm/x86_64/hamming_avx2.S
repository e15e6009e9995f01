/*
 * hamming_avx2.S - the AVX2 tier's Hamming kernels: hamming, hammings and hammingsq,
 * popcount(a XOR b) over n bytes. They also run on an AVX-512 CPU without AVX512_VPOPCNTDQ
 * (Cascade Lake), where the table (kernels_x86_64.def) passes over hamming_avx512vnni.S.
 *
 * Counting: the nibble lookup. VPSHUFB looks up each nibble of a 32-byte chunk in a 16-entry
 * table; the low nibbles in a table of popcount + 4, the high ones in a table of 4 - popcount,
 * so that VPSADBW of the two (the sum of |lo - hi| over each 8 bytes) is the sum of both
 * popcounts straight into qword lanes: seven instructions per chunk from the XOR to the
 * accumulator, no byte counters to flush. For one query and rows of at least
 * SIMDOT_AVX2_HAMMING_HS_MIN_N bytes (x86_64_tuning.h), Harley-Seal first: carry-save adders
 * (five logic instructions each) fold 16 chunks into ones, twos, fours and eights, and only
 * the sixteens are counted, once per 512 bytes.
 *
 * Contract (native/kernels.h): any n >= 0, any alignment; nothing read outside the inputs and
 * nothing written outside out[0, nq * nrows), not even within a page. For n >= 32 the last
 * n % 32 bytes come from one overlapped load of the last 32 bytes of each operand, ANDed with a
 * mask that keeps only the bytes not yet counted. Vectors shorter than 32 bytes are counted
 * with POPCNT in general registers, 8 bytes and then one byte at a time: hence the table lists
 * these kernels with SIMDOT_F(popcnt) too (every AVX2 CPU has it; an emulator might not).
 * Results are exact: qword lanes, added with wrapping 32-bit adds at the end, give the uint32
 * sum of the scalar kernel.
 *
 * ISA: AVX2 (VPSHUFB, VPSADBW, VPSRLW on ymm, VPHADDD, VEXTRACTI128), POPCNT. Every exported
 * kernel ends with VZEROUPPER. Registers: the exported kernels are written against the SysV
 * argument registers; asm.h's PROLOGUE maps Win64 onto them and saves xmm6-15, rdi, rsi (and,
 * on Win64, rbx, rbp, r12-r15, which SAVE_GPRS saves elsewhere). hammings and hammingsq are
 * entry points around one hidden body with a private register contract
 * (simdot_hammingsq_body_avx2).
 */
#include "asm.h"

#include "x86_64_tuning.h"
#include "x86_64_vec.h"

#if SIMDOT_AVX2_HAMMING_HS_MIN_N < 512
#  error "Harley-Seal takes 512 bytes a step: SIMDOT_AVX2_HAMMING_HS_MIN_N must be at least 512"
#endif

    RODATA
    .p2align 5
/* popcount(i) + 4 and 4 - popcount(i) for the nibbles i = 0..15, in both 128-bit lanes (VPSHUFB
 * looks up within a lane): VPSADBW of the two lookups is the sum of both counts. */
L(hm_nibble_lo):
    .byte 4, 5, 5, 6, 5, 6, 6, 7, 5, 6, 6, 7, 6, 7, 7, 8
    .byte 4, 5, 5, 6, 5, 6, 6, 7, 5, 6, 6, 7, 6, 7, 7, 8
L(hm_nibble_hi):
    .byte 4, 3, 3, 2, 3, 2, 2, 1, 3, 2, 2, 1, 2, 1, 1, 0
    .byte 4, 3, 3, 2, 3, 2, 2, 1, 3, 2, 2, 1, 2, 1, 1, 0
L(hm_low_nibbles):
    .fill 32, 1, 0x0f
/* 32 bytes 0x00 then 32 bytes 0xff: the 32 loaded at offset r (1..31) keep the last r bytes,
 * those of an overlapped tail not counted yet. */
L(hm_tail_bytes):
    .fill 32, 1, 0x00
    .fill 32, 1, 0xff

/* ---- shared macros ------------------------------------------------------------------------
 * Constants while a kernel counts: ymm13 = 0x0f bytes, ymm14 = the low-nibble table (popcount
 * + 4), ymm15 = the high-nibble table (4 - popcount); ymm12 = the tail mask where there is a
 * partial chunk. */

.macro HM_CONSTANTS
    vmovdqa L(hm_low_nibbles)(%rip), %ymm13
    vmovdqa L(hm_nibble_lo)(%rip), %ymm14
    vmovdqa L(hm_nibble_hi)(%rip), %ymm15
.endm

/* ymm\acc (4 qwords) += the bit count of each 8 bytes of ymm\x. Clobbers ymm\x and ymm\t. */
.macro HM_COUNT x, t, acc
    vpsrlw  $(4), %ymm\x, %ymm\t
    vpand   %ymm13, %ymm\x, %ymm\x
    vpand   %ymm13, %ymm\t, %ymm\t
    vpshufb %ymm\x, %ymm14, %ymm\x
    vpshufb %ymm\t, %ymm15, %ymm\t
    vpsadbw %ymm\t, %ymm\x, %ymm\x
    vpaddq  %ymm\x, %ymm\acc, %ymm\acc
.endm

/* eax = popcount(a XOR b) over the n < 32 bytes at \pa and \pb, with POPCNT: 8 bytes at a time,
 * then one byte at a time. Advances \pa and \pb, clears \n (all three 64-bit registers);
 * clobbers \t (given as its 64-, 32- and 8-bit names) and the flags. */
.macro HM_TINY pa, pb, n, t, t32, t8
    xorl    %eax, %eax
    cmpq    $(8), %\n
    jb      2f
1:
    movq    (%\pa), %\t
    xorq    (%\pb), %\t
    popcntq %\t, %\t
    addq    %\t, %rax
    addq    $(8), %\pa
    addq    $(8), %\pb
    subq    $(8), %\n
    cmpq    $(8), %\n
    jae     1b
2:
    testq   %\n, %\n
    jz      4f
3:
    movzbl  (%\pa), %\t32
    xorb    (%\pb), %\t8
    popcntl %\t32, %\t32
    addl    %\t32, %eax
    incq    %\pa
    incq    %\pb
    decq    %\n
    jnz     3b
4:
.endm

/* ymm\d = chunk k (32 bytes at 32k) of the a cursor (r10) XOR that of the b cursor (rax). */
.macro HM_D k, d
    vmovdqu (32 * \k)(%r10), %ymm\d
    vpxor   (32 * \k)(%rax), %ymm\d, %ymm\d
.endm

/* Carry-save adder: (ymm\h, ymm\l) = the carry and the sum of the bits of ymm\l, ymm\b and
 * ymm\c (h = majority, l = parity). Clobbers ymm\u. */
.macro CSA h, l, b, c, u
    vpand   %ymm\b, %ymm\l, %ymm\h
    vpxor   %ymm\b, %ymm\l, %ymm\u
    vpxor   %ymm\c, %ymm\u, %ymm\l
    vpand   %ymm\c, %ymm\u, %ymm\u
    vpor    %ymm\u, %ymm\h, %ymm\h
.endm

/* Harley-Seal over \cnt >= 1 steps of 512 bytes of a (r10) XOR b (rax), both advanced:
 * ymm0..3 = the ones, twos, fours and eights (carried in and out), ymm4 += the count of the
 * sixteens (qwords). Clobbers ymm5-11, \cnt (a 64-bit register). The step is the CSA tree of Muła, Kurz and Lemire
 * ("Faster population counts using AVX2 instructions"), registers scheduled so that 12 hold
 * every live value and ymm12-15 keep the tail mask and the lookup tables. */
.macro HM_HARLEY_SEAL cnt
    .p2align 4
70:
    HM_D    0, 5
    HM_D    1, 6
    CSA     7, 0, 5, 6, 8               /* twosA */
    HM_D    2, 5
    HM_D    3, 6
    CSA     9, 0, 5, 6, 8               /* twosB */
    CSA     10, 1, 7, 9, 8              /* foursA */
    HM_D    4, 5
    HM_D    5, 6
    CSA     7, 0, 5, 6, 8
    HM_D    6, 5
    HM_D    7, 6
    CSA     9, 0, 5, 6, 8
    CSA     11, 1, 7, 9, 8              /* foursB */
    CSA     5, 2, 10, 11, 8             /* eightsA */
    HM_D    8, 6
    HM_D    9, 7
    CSA     9, 0, 6, 7, 8
    HM_D    10, 6
    HM_D    11, 7
    CSA     10, 0, 6, 7, 8
    CSA     11, 1, 9, 10, 8             /* foursA */
    HM_D    12, 6
    HM_D    13, 7
    CSA     9, 0, 6, 7, 8
    HM_D    14, 6
    HM_D    15, 7
    CSA     10, 0, 6, 7, 8
    CSA     6, 1, 9, 10, 8              /* foursB */
    CSA     7, 2, 11, 6, 8              /* eightsB */
    CSA     6, 3, 5, 7, 8               /* sixteens */
    HM_COUNT 6, 7, 4
    addq    $(512), %r10
    addq    $(512), %rax
    decq    %\cnt
    jnz     70b
.endm

/* ymm4 = 16 * ymm4 + 8 * count(ymm3) + 4 * count(ymm2) + 2 * count(ymm1) + count(ymm0): the
 * Harley-Seal total, by Horner's rule. Clobbers ymm0-3, ymm5. */
.macro HM_HARLEY_SEAL_TOTAL
    .irp v, 3, 2, 1, 0
    vpaddq  %ymm4, %ymm4, %ymm4
    HM_COUNT \v, 5, 4
    .endr
.endm

/*
 * uint32_t simdot_hamming_avx2(const uint8_t *a, const uint8_t *b, size_t n);
 *
 * In: rdi = a, rsi = b, rdx = n. Out: eax. Clobbers rax, rcx, rdx, rsi, rdi, r8, r10,
 * ymm0-15. Needs AVX2, POPCNT.
 *
 * n < 32: HM_TINY. Else, from SIMDOT_AVX2_HAMMING_HS_MIN_N bytes, Harley-Seal over the whole
 * 512-byte steps; then the lookup, 128 bytes an iteration into four accumulators (ymm0-3) so
 * that each VPADDQ chain waits once every four chunks; then 32 bytes at a time; then the
 * overlapped tail.
 */
FUNC_BEGIN(simdot_hamming_avx2)
    PROLOGUE 3
    cmpq    $32, %rdx
    jb      L(hm1_tiny)
    HM_CONSTANTS
    movq    %rdi, %r10
    movq    %rsi, %rax
    vpxor   %xmm4, %xmm4, %xmm4
    cmpq    $SIMDOT_AVX2_HAMMING_HS_MIN_N, %rdx
    jb      L(hm1_lookup)
    vpxor   %xmm0, %xmm0, %xmm0
    vpxor   %xmm1, %xmm1, %xmm1
    vpxor   %xmm2, %xmm2, %xmm2
    vpxor   %xmm3, %xmm3, %xmm3
    movq    %rdx, %r8
    shrq    $9, %r8
    HM_HARLEY_SEAL r8
    HM_HARLEY_SEAL_TOTAL
    andl    $511, %edx
L(hm1_lookup):
    vpxor   %xmm0, %xmm0, %xmm0
    vpxor   %xmm1, %xmm1, %xmm1
    vpxor   %xmm2, %xmm2, %xmm2
    vpxor   %xmm3, %xmm3, %xmm3
    movq    %rdx, %rcx
    shrq    $7, %rcx
    jz      L(hm1_32)
    .p2align 4
L(hm1_128):
    HM_D    0, 5
    HM_D    1, 6
    HM_D    2, 7
    HM_D    3, 8
    HM_COUNT 5, 9, 0
    HM_COUNT 6, 10, 1
    HM_COUNT 7, 11, 2
    HM_COUNT 8, 12, 3
    subq    $-128, %r10
    subq    $-128, %rax
    decq    %rcx
    jnz     L(hm1_128)
L(hm1_32):
    andl    $127, %edx                  /* bytes left, 0..127 */
    cmpl    $32, %edx
    jb      L(hm1_tail)
L(hm1_32_loop):
    HM_D    0, 5
    HM_COUNT 5, 6, 0
    addq    $32, %r10
    addq    $32, %rax
    subl    $32, %edx
    cmpl    $32, %edx
    jae     L(hm1_32_loop)
L(hm1_tail):
    testl   %edx, %edx
    jz      L(hm1_reduce)
    /* the last 32 bytes of both (n >= 32: inside them), the r = n % 32 new ones kept */
    leaq    L(hm_tail_bytes)(%rip), %rcx
    vmovdqu (%rcx,%rdx), %ymm12
    subq    $32, %rdx
    addq    %rdx, %r10
    addq    %rdx, %rax
    HM_D    0, 5
    vpand   %ymm12, %ymm5, %ymm5
    HM_COUNT 5, 6, 1
L(hm1_reduce):
    vpaddq  %ymm1, %ymm0, %ymm0
    vpaddq  %ymm3, %ymm2, %ymm2
    vpaddq  %ymm4, %ymm0, %ymm0
    vpaddq  %ymm2, %ymm0, %ymm0
    vextracti128 $1, %ymm0, %xmm1
    vpaddq  %xmm1, %xmm0, %xmm0
    vpshufd $0x4e, %xmm0, %xmm1
    vpaddq  %xmm1, %xmm0, %xmm0
    vmovd   %xmm0, %eax
    jmp     L(hm1_ret)
L(hm1_tiny):
    HM_TINY rdi, rsi, rdx, rcx, ecx, cl
L(hm1_ret):
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_hamming_avx2)

/*
 * void simdot_hammings_avx2(const uint8_t *q, const uint8_t *rows, size_t n, size_t nrows,
 *                           uint32_t *out);
 *
 * In: rdi = q, rsi = rows, rdx = n, rcx = nrows, r8 = out. out[r] = hamming(q, rows + r*n).
 * Clobbers rax, rcx, rdx, rsi, rdi, r8-r11, ymm0-15; saves and restores rbx, rbp, r12-r15.
 * Needs AVX2, POPCNT.
 *
 * hammingsq with one query: the body's one-query variant is this kernel's loops.
 */
FUNC_BEGIN(simdot_hammings_avx2)
    PROLOGUE 5
    SAVE_GPRS
    movq    %r8, %r9                    /* the body's arguments: queries, nq, rows, n, nrows, out */
    movq    %rcx, %r8
    movq    %rdx, %rcx
    movq    %rsi, %rdx
    movl    $1, %esi
    call    SYM(simdot_hammingsq_body_avx2)
    RESTORE_GPRS
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_hammings_avx2)

/*
 * void simdot_hammingsq_avx2(const uint8_t *queries, size_t nq, const uint8_t *rows, size_t n,
 *                            size_t nrows, uint32_t *out);
 *
 * In: rdi = queries, rsi = nq, rdx = rows, rcx = n, r8 = nrows, r9 = out (Win64: the fifth and
 * sixth from the stack, by PROLOGUE 6). out[j*nrows + r] = hamming(queries + j*n, rows + r*n)
 * for j < nq <= 8; nq outside 1..8 writes nothing. Clobbers rax, rcx, rdx, rsi, rdi, r8-r11,
 * ymm0-15; saves and restores rbx, rbp, r12-r15. Needs AVX2, POPCNT.
 */
FUNC_BEGIN(simdot_hammingsq_avx2)
    PROLOGUE 6
    leaq    -1(%rsi), %rax
    cmpq    $7, %rax
    ja      L(hmq_ret)                  /* nq outside 1..8: not ours to score */
    SAVE_GPRS
    call    SYM(simdot_hammingsq_body_avx2)
    RESTORE_GPRS
L(hmq_ret):
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_hammingsq_avx2)

/* -------------------------------------------------------------------------- the body ----
 *
 * Registers of the body once it has set up: rdi = query 0, rsi = s (n: the stride of queries
 * and rows), rbx = 3s, xmm11 = nq (until the dispatch, and for rows under 32 bytes; never rbp,
 * which is the Win64 frame pointer of the calling kernel), rdx = the block's first row, rcx = rows left, r8 = os (nrows *
 * 4, the stride of out between queries), r9 = out + (index of the block's first row) * 4, r10 =
 * cursor of query 0 (query j at r10 + j*s for j < 4), r11 = cursor of query 4, rax = cursor of
 * row 0 (row r at rax + r*s), r12 = chunks left, r13 = out + j*os when storing, r14 = whole
 * chunks n / 32, r15 = the tail mask's address (L(hm_tail_bytes) + n % 32).
 * A block of nr rows by nq queries keeps A = nq * nr accumulators in ymm0..A-1 (query j, row r
 * in ymm(j*nr + r)), its row chunks in ymm(A)..(A + nr - 1) and uses the rest up to ymm11 as
 * temporaries; ymm12 = the tail mask, ymm13-15 the lookup constants (HM_CONSTANTS).
 */

/* \insn (query j's chunk at the q cursors), %ymm\src, %ymm\dst. */
.macro HM_Q insn, j, src, dst
    .if \j == 0
    \insn (%r10), %ymm\src, %ymm\dst
    .elseif \j == 1
    \insn (%r10,%rsi), %ymm\src, %ymm\dst
    .elseif \j == 2
    \insn (%r10,%rsi,2), %ymm\src, %ymm\dst
    .elseif \j == 3
    \insn (%r10,%rbx), %ymm\src, %ymm\dst
    .elseif \j == 4
    \insn (%r11), %ymm\src, %ymm\dst
    .elseif \j == 5
    \insn (%r11,%rsi), %ymm\src, %ymm\dst
    .elseif \j == 6
    \insn (%r11,%rsi,2), %ymm\src, %ymm\dst
    .else
    \insn (%r11,%rbx), %ymm\src, %ymm\dst
    .endif
.endm

/* Row r's chunk at the row cursor into ymm\dst. */
.macro HM_R r, dst
    .if \r == 0
    vmovdqu (%rax), %ymm\dst
    .elseif \r == 1
    vmovdqu (%rax,%rsi), %ymm\dst
    .elseif \r == 2
    vmovdqu (%rax,%rsi,2), %ymm\dst
    .else
    vmovdqu (%rax,%rbx), %ymm\dst
    .endif
.endm

/* One chunk of the block: the row chunks loaded once, each query's chunk XORed into them
 * from memory, counted into pair (j, r)'s accumulator; tail=1: the overlapped last chunk,
 * masked (ymm12). Temporaries go round in pairs among ymm(A + nr)..ymm11. */
.macro HM_CHUNK nq, nr, tail
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    HM_R    \r, %(\nq * \nr + \r)
    .endif
    .endr
    .irp j, 0, 1, 2, 3, 4, 5, 6, 7
    .if \j < \nq
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    HM_PAIR \nq, \nr, \j, \r, \tail, %((12 - \nq * \nr - \nr) / 2 * 2), %(2 * (\j * \nr + \r))
    .endif
    .endr
    .endif
    .endr
.endm

/* Pair (j, r) of HM_CHUNK; tmps = the even number of temporaries, k2 = twice the pair's index. */
.macro HM_PAIR nq, nr, j, r, tail, tmps, k2
    HM_PAIR2 \j, \tail, %(\nq * \nr + \r), %(\nq * \nr + \nr + \k2 - \k2 / \tmps * \tmps), %(\j * \nr + \r)
.endm
.macro HM_PAIR2 j, tail, row, t, acc
    HM_Q    vpxor, \j, \row, \t
    .if \tail
    vpand   %ymm12, %ymm\t, %ymm\t
    .endif
    HM_COUNT \t, %(\t + 1), \acc
.endm

/* Reduces accumulators ymm0..(nq*nr - 1) four at a time (HSUM4: a qword count is a dword pair
 * whose high half is zero, so VPHADDD sums them) and stores them (STORE4). HSUM4 clobbers
 * ymm12 and ymm13: they are loaded again after. */
.macro HM_REDUCE_STORE nq, nr
    movq    %r9, %r10
    OUTJ_RESET
    .irp p0, 0, 4
    .if \p0 < \nq * \nr
    HSUM4   %(\nq * \nr - \p0), %(\p0), %(\p0 + 1), %(\p0 + 2), %(\p0 + 3), vphaddd, vextracti128, vpaddd
    STORE4  %(\nq * \nr - \p0), \p0, \nr
    .endif
    .endr
    vmovdqu (%r15), %ymm12
    vmovdqa L(hm_low_nibbles)(%rip), %ymm13
.endm

/* One block of nr rows (rdx) against all nq queries: the whole chunks, the partial one (the
 * cursors stepped back so that the chunk ends where the rows do), the sums stored. */
.macro HM_BLOCK nq, nr
    .irp a, 0, 1, 2, 3, 4, 5, 6, 7
    .if \a < \nq * \nr
    vpxor   %xmm\a, %xmm\a, %xmm\a
    .endif
    .endr
    movq    %rdi, %r10
    .if \nq > 4
    leaq    (%rdi,%rsi,4), %r11
    .endif
    movq    %rdx, %rax
    movq    %r14, %r12
    .p2align 4
50:
    HM_CHUNK \nq, \nr, 0
    addq    $(32), %r10
    .if \nq > 4
    addq    $(32), %r11
    .endif
    addq    $(32), %rax
    decq    %r12
    jnz     50b
    movl    %esi, %r12d
    andl    $(31), %r12d
    jz      52f
    subq    $(32), %r12
    addq    %r12, %r10
    .if \nq > 4
    addq    %r12, %r11
    .endif
    addq    %r12, %rax
    HM_CHUNK \nq, \nr, 1
52:
    HM_REDUCE_STORE \nq, \nr
.endm

/* All rows for one nq: blocks of nr rows while rows are shorter than
 * SIMDOT_AVX2_HAMMINGS_ROWS1_MIN_N, then (or else) one row at a time; one query and rows of
 * at least SIMDOT_AVX2_HAMMING_HS_MIN_N bytes: Harley-Seal, one row at a time. */
.macro HM_VARIANT nq, nr
    cmpq    $(SIMDOT_AVX2_HAMMINGS_ROWS1_MIN_N), %rsi
    jae     42f
40:
    cmpq    $(\nr), %rcx
    jb      42f
    HM_BLOCK \nq, \nr
    leaq    (%rdx,%rsi,\nr), %rdx
    addq    $(4 * \nr), %r9
    subq    $(\nr), %rcx
    jmp     40b
42:
    .if \nq == 1
    cmpq    $(SIMDOT_AVX2_HAMMING_HS_MIN_N), %rsi
    jae     L(hmb_hs)
    .endif
43:
    testq   %rcx, %rcx
    jz      L(hmb_done)
    HM_BLOCK \nq, 1
    addq    %rsi, %rdx
    addq    $(4), %r9
    decq    %rcx
    jmp     43b
.endm

/*
 * simdot_hammingsq_body_avx2 - the body of hammings and hammingsq, for this file's kernels
 * only (a private contract, not the C ABI).
 *
 * In: rdi = queries, rsi = nq (1..8), rdx = rows, rcx = n, r8 = nrows, r9 = out, on every OS
 * (no PROLOGUE: its callers have mapped the Win64 arguments and saved what Win64 preserves).
 * Out: out[j*nrows + r] = hamming(queries + j*n, rows + r*n). Clobbers rax, rbx, rcx, rdx,
 * rsi, r8-r15 (its callers save the callee-saved ones), ymm0-15 and the flags, and leaves rbp
 * alone (on Win64 the calling kernel's frame register, which its epilogue and any unwind
 * through the body read); no stack
 * beyond its return address. Returns with the upper halves of the vector registers dirty: its
 * callers end with VZEROUPPER. Needs AVX2, POPCNT.
 *
 * One pass over the rows for all queries, dispatched once per call to a variant generated for
 * nq: blocks of nr rows, 4 for one query, 2 for up to four and 1 above (nq * nr <= 8
 * accumulators, what the 16 ymm registers hold beside the rows, the temporaries and the
 * constants), each 32-byte row chunk loaded once for all queries. Rows of at least
 * SIMDOT_AVX2_HAMMINGS_ROWS1_MIN_N bytes go one at a time (one forward stream instead of nr
 * cursors n bytes apart), as do the rows that fill no block. Rows shorter than 32 bytes: every
 * (row, query) pair by HM_TINY, the row read once for all queries.
 */
FUNC_BEGIN(simdot_hammingsq_body_avx2)
    testq   %r8, %r8
    jz      L(hmb_done)
    vmovq   %rsi, %xmm11                /* nq */
    movq    %rcx, %rsi                  /* s = n */
    movq    %r8, %rcx                   /* rows left */
    shlq    $2, %r8                     /* os */
    cmpq    $32, %rsi
    jb      L(hmb_tiny)
    leaq    (%rsi,%rsi,2), %rbx
    movq    %rsi, %r14
    shrq    $5, %r14
    movl    %esi, %eax
    andl    $31, %eax
    leaq    L(hm_tail_bytes)(%rip), %r15
    addq    %rax, %r15
    vmovdqu (%r15), %ymm12
    HM_CONSTANTS
    vmovq   %xmm11, %rax
    cmpl    $4, %eax
    je      L(hmb_nq4)
    ja      L(hmb_above4)
    cmpl    $2, %eax
    je      L(hmb_nq2)
    ja      L(hmb_nq3)
    .altmacro
L(hmb_nq1):
    HM_VARIANT 1, 4
L(hmb_nq2):
    HM_VARIANT 2, 2
L(hmb_nq3):
    HM_VARIANT 3, 2
L(hmb_nq4):
    HM_VARIANT 4, 2
L(hmb_above4):
    cmpl    $6, %eax
    je      L(hmb_nq6)
    jb      L(hmb_nq5)
    cmpl    $8, %eax
    je      L(hmb_nq8)
L(hmb_nq7):
    HM_VARIANT 7, 1
L(hmb_nq5):
    HM_VARIANT 5, 1
L(hmb_nq6):
    HM_VARIANT 6, 1
L(hmb_nq8):
    HM_VARIANT 8, 1
    .noaltmacro

    /* One query, rows of at least SIMDOT_AVX2_HAMMING_HS_MIN_N bytes, one at a time:
     * Harley-Seal over the whole 512-byte steps, the lookup for the chunks left, the tail. */
L(hmb_hs):
    testq   %rcx, %rcx
    jz      L(hmb_done)
    .irp a, 0, 1, 2, 3, 4
    vpxor   %xmm\a, %xmm\a, %xmm\a
    .endr
    movq    %rdi, %r10
    movq    %rdx, %rax
    movq    %rsi, %r12
    shrq    $9, %r12
    HM_HARLEY_SEAL r12
    HM_HARLEY_SEAL_TOTAL
    movl    %esi, %r12d
    shrl    $5, %r12d
    andl    $15, %r12d
    jz      L(hmb_hs_tail)
L(hmb_hs_32):
    HM_D    0, 5
    HM_COUNT 5, 6, 4
    addq    $32, %r10
    addq    $32, %rax
    decl    %r12d
    jnz     L(hmb_hs_32)
L(hmb_hs_tail):
    movl    %esi, %r12d
    andl    $31, %r12d
    jz      L(hmb_hs_store)
    subq    $32, %r12
    addq    %r12, %r10
    addq    %r12, %rax
    HM_D    0, 5
    vpand   %ymm12, %ymm5, %ymm5
    HM_COUNT 5, 6, 4
L(hmb_hs_store):
    vextracti128 $1, %ymm4, %xmm0
    vpaddq  %xmm0, %xmm4, %xmm0
    vpshufd $0x4e, %xmm0, %xmm1
    vpaddq  %xmm1, %xmm0, %xmm0
    vmovd   %xmm0, (%r9)
    addq    $4, %r9
    addq    %rsi, %rdx
    decq    %rcx
    jmp     L(hmb_hs)

    /* Rows shorter than 32 bytes: each row against every query by HM_TINY (the row stays in
     * L1 while the queries meet it). */
L(hmb_tiny):
    movq    %rdi, %r10                  /* query j */
    movq    %r9, %r13                   /* out + j*os */
    vmovq   %xmm11, %r12                /* queries left */
L(hmb_tiny_query):
    movq    %r10, %r14
    movq    %rdx, %r15
    movq    %rsi, %r11
    HM_TINY r14, r15, r11, rbx, ebx, bl
    movl    %eax, (%r13)
    addq    %rsi, %r10
    addq    %r8, %r13
    decq    %r12
    jnz     L(hmb_tiny_query)
    addq    %rsi, %rdx
    addq    $4, %r9
    decq    %rcx
    jnz     L(hmb_tiny)
L(hmb_done):
    ret
FUNC_END(simdot_hammingsq_body_avx2)
