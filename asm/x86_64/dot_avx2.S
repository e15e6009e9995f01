/*
 * dot_avx2.S - the AVX2 tier's single-query kernels: int8 and float32 dot and dots, and the
 * bodies of dots, which dotsq_avx2.S also calls.
 *
 * Contract (native/kernels.h): any n >= 0, any alignment; nothing is read outside
 * [ptr, ptr + n) and nothing written outside out[0, nrows), not even within a page. Tails are
 * therefore done without over-reading: int8 re-reads the last 16 bytes of the vector (which lie
 * inside it once n >= 16) and zeroes the lanes already counted, float32 uses VMASKMOVPS, whose
 * masked lanes are not accessed and cannot fault. The float32 kernels of this tier, dotsq
 * included, share one summation order (see "float32" below), so their results agree bit for bit.
 *
 * ISA: AVX2 + FMA (the caller dispatches only when CPUID and XCR0 say so). Every exported
 * kernel ends with VZEROUPPER so that SSE code in the caller pays no transition penalty.
 *
 * Registers: the exported kernels are written against the SysV argument registers; asm.h's
 * PROLOGUE maps Win64 onto them and saves what Win64 declares callee-saved, and otherwise they
 * touch only registers volatile in both ABIs (rax, rcx, rdx, rsi, rdi, r8-r11, ymm0-15).
 * dots_i8 (and its cached variant) and dots_f32 are an entry point around a body that is a
 * function of its own, hidden from the dynamic symbol table like every kernel and called with a
 * private register contract (below): dotsq_avx2.S calls the same bodies for the rows its blocks
 * leave over, and a profiler names the code that runs.
 */
#include "asm.h"

#include "x86_64_tuning.h"
#include "x86_64_vec.h"

#if SIMDOT_AVX2_DOTS_I8_STREAM_MAX_DIM > 4096
#  error "the dots_i8 streaming path takes at most 4096 bytes (x86_64_tuning.h)"
#endif

/* The streaming path's frame: the caller's rsp, then (32-byte aligned) the prepared q. */
#define DOTS_I8_STREAM_SAVED_RSP 0
#define DOTS_I8_STREAM_Q 32

    AVX2_TAIL_TABLES

/*
 * int32_t simdot_dot_i8_avx2(const int8_t *a, const int8_t *b, size_t n);
 *
 * In: rdi = a, rsi = b, rdx = n. Out: eax (the sum, wrapping mod 2^32 past n = 65536, exactly
 * as the scalar kernel). Clobbers rax, rcx, rdx, rsi, rdi, r8, ymm0-ymm5. Needs AVX2.
 *
 * VPMOVSXBW widens 16 bytes to int16 straight from memory; VPMADDWD multiplies pairs and adds
 * neighbours into int32. The pair sum is at most 2 * 128 * 128 = 2^15, and each int32 lane
 * gathers at most n/8 of them, so no lane can overflow for n <= 65536 (VPMADDUBSW would
 * saturate at int16). Every later addition is a plain wrapping VPADDD, so beyond 65536 the
 * result is the exact sum mod 2^32, like scalar. Four accumulators over 64 bytes per iteration
 * hide the add latency. For n >= 16 the final n % 16 bytes come from one overlapped load of the
 * last 16 bytes of a, with the lanes already counted zeroed (b needs no mask: 0 * b = 0);
 * n < 16 is a plain scalar loop.
 */
FUNC_BEGIN(simdot_dot_i8_avx2)
    PROLOGUE 3
    xorl    %eax, %eax
    cmpq    $16, %rdx
    jb      L(dot_i8_small)
    vpxor   %xmm0, %xmm0, %xmm0
    vpxor   %xmm1, %xmm1, %xmm1
    vpxor   %xmm2, %xmm2, %xmm2
    vpxor   %xmm3, %xmm3, %xmm3
    movq    %rdx, %rcx
    shrq    $6, %rcx
    jz      L(dot_i8_16)
    .p2align 4
L(dot_i8_64):
    vpmovsxbw (%rdi), %ymm4
    vpmovsxbw (%rsi), %ymm5
    vpmaddwd  %ymm5, %ymm4, %ymm4
    vpaddd    %ymm4, %ymm0, %ymm0
    vpmovsxbw 16(%rdi), %ymm4
    vpmovsxbw 16(%rsi), %ymm5
    vpmaddwd  %ymm5, %ymm4, %ymm4
    vpaddd    %ymm4, %ymm1, %ymm1
    vpmovsxbw 32(%rdi), %ymm4
    vpmovsxbw 32(%rsi), %ymm5
    vpmaddwd  %ymm5, %ymm4, %ymm4
    vpaddd    %ymm4, %ymm2, %ymm2
    vpmovsxbw 48(%rdi), %ymm4
    vpmovsxbw 48(%rsi), %ymm5
    vpmaddwd  %ymm5, %ymm4, %ymm4
    vpaddd    %ymm4, %ymm3, %ymm3
    addq    $64, %rdi
    addq    $64, %rsi
    decq    %rcx
    jnz     L(dot_i8_64)
L(dot_i8_16):
    andl    $63, %edx                   /* bytes left, 0..63 */
    cmpl    $16, %edx
    jb      L(dot_i8_tail)
L(dot_i8_16_loop):
    vpmovsxbw (%rdi), %ymm4
    vpmovsxbw (%rsi), %ymm5
    vpmaddwd  %ymm5, %ymm4, %ymm4
    vpaddd    %ymm4, %ymm1, %ymm1
    addq    $16, %rdi
    addq    $16, %rsi
    subl    $16, %edx
    cmpl    $16, %edx
    jae     L(dot_i8_16_loop)
L(dot_i8_tail):
    testl   %edx, %edx
    jz      L(dot_i8_reduce)
    /* r = edx bytes left; [rdi + r - 16, rdi + r) lies inside a because n >= 16. */
    leaq    L(avx2_tail_bytes)(%rip), %rcx
    vmovdqu (%rcx,%rdx), %xmm5
    vpand   -16(%rdi,%rdx), %xmm5, %xmm4
    vpmovsxbw %xmm4, %ymm4
    vpmovsxbw -16(%rsi,%rdx), %ymm5
    vpmaddwd  %ymm5, %ymm4, %ymm4
    vpaddd    %ymm4, %ymm2, %ymm2
L(dot_i8_reduce):
    vpaddd  %ymm1, %ymm0, %ymm0
    vpaddd  %ymm3, %ymm2, %ymm2
    vpaddd  %ymm2, %ymm0, %ymm0
    vextracti128 $1, %ymm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vpshufd $0x4e, %xmm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vpshufd $0xb1, %xmm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vmovd   %xmm0, %eax
    jmp     L(dot_i8_done)
L(dot_i8_small):                        /* n < 16: too short for the overlapped tail */
    testq   %rdx, %rdx
    jz      L(dot_i8_done)
L(dot_i8_small_loop):
    movsbl  (%rdi), %ecx
    movsbl  (%rsi), %r8d
    imull   %r8d, %ecx
    addl    %ecx, %eax
    incq    %rdi
    incq    %rsi
    decq    %rdx
    jnz     L(dot_i8_small_loop)
L(dot_i8_done):
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_dot_i8_avx2)

/* 32 bytes of q at r10 + off against 32 bytes of four rows at rax + off + {0, 1, 2, 3} * dim:
 * the first 16 into accumulators ymm0-3, the second 16 into ymm4-7 (two chains per row). */
.macro DOTS_I8_R4_32B off
    vpmovsxbw \off(%r10), %ymm12
    vpmovsxbw \off+16(%r10), %ymm13
    vpmovsxbw \off(%rax), %ymm8
    vpmovsxbw \off(%rax,%rdx), %ymm9
    vpmovsxbw \off(%rax,%rdx,2), %ymm10
    vpmovsxbw \off(%rax,%r9), %ymm11
    vpmaddwd  %ymm12, %ymm8, %ymm8
    vpmaddwd  %ymm12, %ymm9, %ymm9
    vpmaddwd  %ymm12, %ymm10, %ymm10
    vpmaddwd  %ymm12, %ymm11, %ymm11
    vpaddd    %ymm8, %ymm0, %ymm0
    vpaddd    %ymm9, %ymm1, %ymm1
    vpaddd    %ymm10, %ymm2, %ymm2
    vpaddd    %ymm11, %ymm3, %ymm3
    vpmovsxbw \off+16(%rax), %ymm8
    vpmovsxbw \off+16(%rax,%rdx), %ymm9
    vpmovsxbw \off+16(%rax,%rdx,2), %ymm10
    vpmovsxbw \off+16(%rax,%r9), %ymm11
    vpmaddwd  %ymm13, %ymm8, %ymm8
    vpmaddwd  %ymm13, %ymm9, %ymm9
    vpmaddwd  %ymm13, %ymm10, %ymm10
    vpmaddwd  %ymm13, %ymm11, %ymm11
    vpaddd    %ymm8, %ymm4, %ymm4
    vpaddd    %ymm9, %ymm5, %ymm5
    vpaddd    %ymm10, %ymm6, %ymm6
    vpaddd    %ymm11, %ymm7, %ymm7
.endm

/* 32 bytes of the row at rsi + r10 + off against the prepared q at its place in the streaming
 * path's frame, rsp + DOTS_I8_STREAM_Q + 2 * (r10 + off): even
 * bytes (times 256) into ymm\ea, odd bytes into ymm\oa, with ymm\t1, ymm\t2 as temporaries. */
.macro DOTS_I8_STREAM_32B off, ea, oa, t1, t2
    vmovdqu   \off(%rsi,%r10), %ymm\t1
    vpsllw    $(8), %ymm\t1, %ymm\t2
    vpsraw    $(8), %ymm\t1, %ymm\t1
    vpmaddwd  DOTS_I8_STREAM_Q+2*\off(%rsp,%r10,2), %ymm\t2, %ymm\t2
    vpmaddwd  DOTS_I8_STREAM_Q+2*\off+32(%rsp,%r10,2), %ymm\t1, %ymm\t1
    vpaddd    %ymm\t2, %ymm\ea, %ymm\ea
    vpaddd    %ymm\t1, %ymm\oa, %ymm\oa
.endm

/*
 * void simdot_dots_i8_avx2(const int8_t *q, const int8_t *rows, size_t dim, size_t nrows,
 *                          int32_t *out);
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out. out[r] = dot(q, rows + r*dim).
 * Clobbers rax, rcx, rsi, rdi, r8-r11, ymm0-ymm15; the streaming path uses up to 8 KiB + 64
 * bytes of stack below rsp (claimed and given back). Needs AVX2.
 *
 * simdot_dots_i8_body_avx2 with the streaming path's prefetch distance for a matrix streamed
 * from DRAM.
 */
FUNC_BEGIN(simdot_dots_i8_avx2)
    PROLOGUE 5
    movl    $SIMDOT_AVX2_DOTS_I8_STREAM_PREFETCH, %r9d
    call    SYM(simdot_dots_i8_body_avx2)
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_dots_i8_avx2)

/*
 * void simdot_dots_i8_cached_avx2(const int8_t *q, const int8_t *rows, size_t dim, size_t nrows,
 *                                 int32_t *out);
 *
 * simdot_dots_i8_avx2 (same registers, results and needs) for rows the caller expects in the L3
 * cache: the streaming path prefetches SIMDOT_AVX2_DOTS_I8_STREAM_PREFETCH_CACHED ahead instead.
 */
FUNC_BEGIN(simdot_dots_i8_cached_avx2)
    PROLOGUE 5
    movl    $SIMDOT_AVX2_DOTS_I8_STREAM_PREFETCH_CACHED, %r9d
    call    SYM(simdot_dots_i8_body_avx2)
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_dots_i8_cached_avx2)

/*
 * simdot_dots_i8_body_avx2 - the body of dots_i8, for this tier's kernels only (a private
 * contract, not the C ABI: the entry points above and dotsq_avx2.S call it).
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out, on every OS (it has no PROLOGUE:
 * its callers have mapped the Win64 arguments and saved what Win64 preserves), and r9 = the
 * streaming path's prefetch distance in bytes. Out: out[r] = dot(q, rows + r*dim), r < nrows.
 * Clobbers rax, rcx, rsi, rdi, r8-r11, ymm0-15 and the flags; keeps rdx, rbx, rbp and r12-r15
 * (dotsq_i8_avx2 keeps its state there). Stack: up to 8 KiB + 64 bytes below rsp on the
 * streaming path, touched a page at a time and given back. Returns with the upper halves of
 * the ymm registers dirty: its callers end with VZEROUPPER. Needs AVX2.
 *
 * Same arithmetic as simdot_dot_i8_avx2. With SIMDOT_AVX2_DOTS_I8_STREAM_MIN_DIM <= dim <=
 * SIMDOT_AVX2_DOTS_I8_STREAM_MAX_DIM (256 and 4096, x86_64_tuning.h) and at least four rows, the
 * streaming path (L(dots_i8_stream)) takes the rows one at a time. Otherwise four rows per
 * iteration: each 16-byte chunk of q is widened once and serves four rows (row k is addressed
 * as rax + k*dim with dim in rdx and 3*dim in r9, so one cursor walks all four). Two 16-byte
 * chunks per iteration, each with its own set of four accumulators. The q tail (last 16 bytes
 * of q, lanes already counted zeroed, widened) is built once per call in ymm15; each row's tail
 * is then one overlapped load of its last 16 bytes. The four row sums are reduced together with
 * three VPHADDD and stored as one 16-byte write. Leftover rows (nrows % 4) go one at a time;
 * dim < 16 is a scalar loop.
 */
FUNC_BEGIN(simdot_dots_i8_body_avx2)
    BODY_PROLOGUE
    testq   %rcx, %rcx
    jz      L(dots_i8_done)
    cmpq    $16, %rdx
    jb      L(dots_i8_small)
    /* q tail, for every row: the last 16 bytes of q with the first 16 - dim%16 lanes zeroed
     * (all zero when dim % 16 == 0, and then unused). */
    movl    %edx, %eax
    andl    $15, %eax
    leaq    L(avx2_tail_bytes)(%rip), %r10
    vmovdqu (%r10,%rax), %xmm15
    vpand   -16(%rdi,%rdx), %xmm15, %xmm15
    vpmovsxbw %xmm15, %ymm15
    cmpq    $4, %rcx
    jb      L(dots_i8_rows1)
    cmpq    $SIMDOT_AVX2_DOTS_I8_STREAM_MIN_DIM, %rdx
    jb      L(dots_i8_rows4_setup)
    cmpq    $SIMDOT_AVX2_DOTS_I8_STREAM_MAX_DIM, %rdx
    jbe     L(dots_i8_stream)
L(dots_i8_rows4_setup):
    leaq    (%rdx,%rdx,2), %r9          /* 3 * dim */

    .p2align 4
L(dots_i8_rows4):
    ZERO_YMM 8
    movq    %rdi, %r10                  /* q cursor */
    movq    %rsi, %rax                  /* row 0 cursor; rows 1-3 at +dim, +2dim, +3dim */
    movq    %rdx, %r11
    shrq    $6, %r11
    jz      L(dots_i8_r4_32)
    .p2align 4
L(dots_i8_r4_64):
    /* One line per row per iteration; the prefetches run SIMDOT_AVX2_DOTS_I8_PREFETCH bytes
     * ahead of each row cursor (hints only: they cannot fault and change nothing
     * architecturally). */
    prefetcht0 SIMDOT_AVX2_DOTS_I8_PREFETCH(%rax)
    prefetcht0 SIMDOT_AVX2_DOTS_I8_PREFETCH(%rax,%rdx)
    prefetcht0 SIMDOT_AVX2_DOTS_I8_PREFETCH(%rax,%rdx,2)
    prefetcht0 SIMDOT_AVX2_DOTS_I8_PREFETCH(%rax,%r9)
    DOTS_I8_R4_32B 0
    DOTS_I8_R4_32B 32
    addq    $64, %r10
    addq    $64, %rax
    decq    %r11
    jnz     L(dots_i8_r4_64)
L(dots_i8_r4_32):
    testb   $32, %dl
    jz      L(dots_i8_r4_16)
    DOTS_I8_R4_32B 0
    addq    $32, %r10
    addq    $32, %rax
L(dots_i8_r4_16):
    testb   $16, %dl
    jz      L(dots_i8_r4_tail)
    vpmovsxbw (%r10), %ymm12
    vpmovsxbw (%rax), %ymm8
    vpmovsxbw (%rax,%rdx), %ymm9
    vpmovsxbw (%rax,%rdx,2), %ymm10
    vpmovsxbw (%rax,%r9), %ymm11
    vpmaddwd  %ymm12, %ymm8, %ymm8
    vpmaddwd  %ymm12, %ymm9, %ymm9
    vpmaddwd  %ymm12, %ymm10, %ymm10
    vpmaddwd  %ymm12, %ymm11, %ymm11
    vpaddd    %ymm8, %ymm0, %ymm0
    vpaddd    %ymm9, %ymm1, %ymm1
    vpaddd    %ymm10, %ymm2, %ymm2
    vpaddd    %ymm11, %ymm3, %ymm3
L(dots_i8_r4_tail):
    testb   $15, %dl
    jz      L(dots_i8_r4_reduce)
    leaq    -16(%rsi,%rdx), %r10        /* last 16 bytes of row 0 */
    vpmovsxbw (%r10), %ymm8
    vpmovsxbw (%r10,%rdx), %ymm9
    vpmovsxbw (%r10,%rdx,2), %ymm10
    vpmovsxbw (%r10,%r9), %ymm11
    vpmaddwd  %ymm15, %ymm8, %ymm8
    vpmaddwd  %ymm15, %ymm9, %ymm9
    vpmaddwd  %ymm15, %ymm10, %ymm10
    vpmaddwd  %ymm15, %ymm11, %ymm11
    vpaddd    %ymm8, %ymm4, %ymm4
    vpaddd    %ymm9, %ymm5, %ymm5
    vpaddd    %ymm10, %ymm6, %ymm6
    vpaddd    %ymm11, %ymm7, %ymm7
L(dots_i8_r4_reduce):
    vpaddd  %ymm4, %ymm0, %ymm0
    vpaddd  %ymm5, %ymm1, %ymm1
    vpaddd  %ymm6, %ymm2, %ymm2
    vpaddd  %ymm7, %ymm3, %ymm3
    HSUM4   4, 0, 1, 2, 3, vphaddd, vextracti128, vpaddd
    vmovdqu %xmm12, (%r8)
    addq    $16, %r8
    leaq    (%rsi,%rdx,4), %rsi
    subq    $4, %rcx
    cmpq    $4, %rcx
    jae     L(dots_i8_rows4)

L(dots_i8_rows1):
    testq   %rcx, %rcx
    jz      L(dots_i8_done)
L(dots_i8_row1):
    vpxor   %xmm0, %xmm0, %xmm0
    vpxor   %xmm4, %xmm4, %xmm4
    movq    %rdi, %r10
    movq    %rsi, %rax
    movq    %rdx, %r11
    shrq    $5, %r11
    jz      L(dots_i8_r1_16)
L(dots_i8_r1_32):
    vpmovsxbw (%r10), %ymm12
    vpmovsxbw 16(%r10), %ymm13
    vpmovsxbw (%rax), %ymm8
    vpmovsxbw 16(%rax), %ymm9
    vpmaddwd  %ymm12, %ymm8, %ymm8
    vpmaddwd  %ymm13, %ymm9, %ymm9
    vpaddd    %ymm8, %ymm0, %ymm0
    vpaddd    %ymm9, %ymm4, %ymm4
    addq    $32, %r10
    addq    $32, %rax
    decq    %r11
    jnz     L(dots_i8_r1_32)
L(dots_i8_r1_16):
    testb   $16, %dl
    jz      L(dots_i8_r1_tail)
    vpmovsxbw (%r10), %ymm12
    vpmovsxbw (%rax), %ymm8
    vpmaddwd  %ymm12, %ymm8, %ymm8
    vpaddd    %ymm8, %ymm0, %ymm0
L(dots_i8_r1_tail):
    testb   $15, %dl
    jz      L(dots_i8_r1_reduce)
    vpmovsxbw -16(%rsi,%rdx), %ymm8
    vpmaddwd  %ymm15, %ymm8, %ymm8
    vpaddd    %ymm8, %ymm4, %ymm4
L(dots_i8_r1_reduce):
    vpaddd  %ymm4, %ymm0, %ymm0
    vextracti128 $1, %ymm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vpshufd $0x4e, %xmm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vpshufd $0xb1, %xmm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vmovd   %xmm0, (%r8)
    addq    $4, %r8
    addq    %rdx, %rsi
    decq    %rcx
    jnz     L(dots_i8_row1)
    jmp     L(dots_i8_done)

/* The streaming path: SIMDOT_AVX2_DOTS_I8_STREAM_MIN_DIM <= dim <=
 * SIMDOT_AVX2_DOTS_I8_STREAM_MAX_DIM and nrows >= 4 (ymm15 = q tail).
 * The rows go one at a time, each a single forward stream: from DRAM that reaches ~90% of a
 * plain read on Zen 3, where the four-row loop above, which reads four streams dim bytes apart,
 * reaches ~60% whatever its prefetches.
 *
 * q is prepared once into a 32-byte aligned stack copy of at most 8 KiB (at rsp +
 * DOTS_I8_STREAM_Q; the caller's rsp is saved below it), so that each 32-byte row chunk costs one
 * load and two shifts instead of two VPMOVSXBW: read as 16 words, the odd bytes are the words
 * shifted right by 8 (VPSRAW, sign-extended) and the even bytes times 256 are the words shifted
 * left by 8 (VPSLLW). For every whole 32-byte chunk of q the copy holds its 16 even bytes and then
 * its 16 odd bytes as int16; a last 16-byte chunk is plain VPMOVSXBW. The even products are 256
 * times too large and go to their own accumulators (ymm0, ymm1): each 32-byte chunk adds to a lane
 * of one of them one VPMADDWD pair sum of at most 2 * 128 * 128 * 256 = 2^23, and there are at
 * most dim/32 <= 128 chunks, so their lanes and the two added together stay within 2^30 and VPSRAD
 * by 8 gives the exact sum. The odd products, the 16-byte chunk and the tail go to ymm2, ymm3.
 *
 * Registers: rsi = row, r10 = byte offset in the row, r11 = dim rounded down to 128, rdi = dim
 * rounded down to 32 (q is not needed past the copy), rax = rows left in the group of four,
 * rcx = rows left, r8 = out, ymm4-ymm7 = the group's folded rows, r9 = the prefetch distance
 * (from the caller), then the row's prefetch cursor, rsi + that distance.
 */
L(dots_i8_stream):
    movq    %rsp, %rax
    /* Two pages, each touched as it is claimed: Windows commits its stack one guard page at a
     * time (a Linux thread's stack is all mapped). */
    subq    $4096, %rsp
    orq     $0, (%rsp)
    subq    $4096, %rsp
    orq     $0, (%rsp)
    andq    $-32, %rsp
    /* The frame's 32 bytes below the 8 KiB: within a page of the last probe. */
    subq    $DOTS_I8_STREAM_Q, %rsp
    movq    %rax, DOTS_I8_STREAM_SAVED_RSP(%rsp)
    movq    %rdx, %r11
    andq    $-32, %r11
    xorl    %r10d, %r10d
    testq   %r11, %r11
    jz      L(dots_i8_stream_prep16)
L(dots_i8_stream_prep32):
    vmovdqu (%rdi,%r10), %ymm8
    vpsllw  $8, %ymm8, %ymm9
    vpsraw  $8, %ymm9, %ymm9            /* even bytes */
    vpsraw  $8, %ymm8, %ymm8            /* odd bytes */
    vmovdqa %ymm9, DOTS_I8_STREAM_Q(%rsp,%r10,2)
    vmovdqa %ymm8, DOTS_I8_STREAM_Q+32(%rsp,%r10,2)
    addq    $32, %r10
    cmpq    %r11, %r10
    jb      L(dots_i8_stream_prep32)
L(dots_i8_stream_prep16):
    testb   $16, %dl
    jz      L(dots_i8_stream_prepped)
    vpmovsxbw (%rdi,%r10), %ymm8
    vmovdqa   %ymm8, DOTS_I8_STREAM_Q(%rsp,%r10,2)
L(dots_i8_stream_prepped):
    movq    %r11, %rdi
    andq    $-128, %r11

    /* Rows go in groups of four: each row's accumulators are folded into one vector, which
     * joins ymm7..ymm4 (oldest first, moved along one per row: register moves cost nothing),
     * and a whole group is reduced with three VPHADDD and one 16-byte store, as in the
     * four-row loop; reducing each row alone took about 40% of the time at dim 384. */
L(dots_i8_stream_group):
    ROWS4_COUNT
    .p2align 4
L(dots_i8_stream_row):
    ZERO_YMM 4
    xorl    %r10d, %r10d
    addq    %rsi, %r9
    testq   %r11, %r11
    jz      L(dots_i8_stream_32)
    .p2align 4
L(dots_i8_stream_128):
    /* One prefetch per line, r9 - rsi ahead (hints: they cannot fault). */
    prefetcht0 (%r9,%r10)
    prefetcht0 64(%r9,%r10)
    DOTS_I8_STREAM_32B 0, 0, 2, 8, 9
    DOTS_I8_STREAM_32B 32, 1, 3, 10, 11
    DOTS_I8_STREAM_32B 64, 0, 2, 8, 9
    DOTS_I8_STREAM_32B 96, 1, 3, 10, 11
    subq    $-128, %r10
    cmpq    %r11, %r10
    jb      L(dots_i8_stream_128)
L(dots_i8_stream_32):
    cmpq    %rdi, %r10
    jae     L(dots_i8_stream_16)
    DOTS_I8_STREAM_32B 0, 0, 2, 8, 9
    addq    $32, %r10
    jmp     L(dots_i8_stream_32)
L(dots_i8_stream_16):
    testb   $16, %dl
    jz      L(dots_i8_stream_tail)
    vpmovsxbw (%rsi,%r10), %ymm8
    vpmaddwd  DOTS_I8_STREAM_Q(%rsp,%r10,2), %ymm8, %ymm8
    vpaddd    %ymm8, %ymm2, %ymm2
L(dots_i8_stream_tail):
    testb   $15, %dl
    jz      L(dots_i8_stream_fold)
    vpmovsxbw -16(%rsi,%rdx), %ymm8
    vpmaddwd  %ymm15, %ymm8, %ymm8
    vpaddd    %ymm8, %ymm3, %ymm3
L(dots_i8_stream_fold):
    vpaddd  %ymm1, %ymm0, %ymm0
    vpsrad  $8, %ymm0, %ymm0
    vpaddd  %ymm3, %ymm2, %ymm2
    vpaddd  %ymm2, %ymm0, %ymm0
    ROWS4_PUSH 0
    subq    %rsi, %r9
    addq    %rdx, %rsi
    decl    %eax
    jnz     L(dots_i8_stream_row)
    cmpq    $4, %rcx
    jb      L(dots_i8_stream_partial)
    ROWS4_STORE
    addq    $16, %r8
    subq    $4, %rcx
    jnz     L(dots_i8_stream_group)
    jmp     L(dots_i8_stream_done)
L(dots_i8_stream_partial):
    ROWS4_STORE_PARTIAL
L(dots_i8_stream_done):
    movq    DOTS_I8_STREAM_SAVED_RSP(%rsp), %rsp
    BODY_EPILOGUE
    ret

L(dots_i8_small):                       /* dim < 16, nrows > 0 */
    xorl    %eax, %eax
    xorl    %r10d, %r10d
    testq   %rdx, %rdx
    jz      L(dots_i8_small_store)
L(dots_i8_small_byte):
    movsbl  (%rdi,%r10), %r9d
    movsbl  (%rsi,%r10), %r11d
    imull   %r11d, %r9d
    addl    %r9d, %eax
    incq    %r10
    cmpq    %rdx, %r10
    jb      L(dots_i8_small_byte)
L(dots_i8_small_store):
    movl    %eax, (%r8)
    addq    $4, %r8
    addq    %rdx, %rsi
    decq    %rcx
    jnz     L(dots_i8_small)
L(dots_i8_done):
    BODY_EPILOGUE
    ret
FUNC_END(simdot_dots_i8_body_avx2)

/* ------------------------------------------------------------------------- float32 ----
 *
 * The canonical summation order of this tier. Every float32 kernel of the tier (dot and dots
 * here, dotsq in dotsq_avx2.S) sums one (query, row) pair exactly this way, so a row scores the
 * same bits whichever kernel scored it and wherever it sat in the call (topK, topKBatch and
 * dots() agree to the bit):
 *
 *   1. The row is cut into 8-float chunks c = 0, 1, ..., the last one partial when dim % 8 != 0
 *      (its missing lanes are 0 in both q and row: VMASKMOVPS reads nothing there).
 *   2. Chunk c goes into accumulator (c / 2) % 4 by one VFMADD231PS (q chunk as the second
 *      operand, row chunk as the third), in increasing c, from accumulators at +0. That is, in
 *      64-float steps accumulator k takes the k-th 64-byte line of the step, both halves in
 *      order; the chunks after the last whole step continue the same pattern, the partial one
 *      included.
 *   3. v = (acc0 + acc1) + (acc2 + acc3), lane by lane.
 *   4. v[0..7] is reduced as ((v0 + v1) + (v2 + v3)) + ((v4 + v5) + (v6 + v7)) (HSUM4).
 *
 * Why lines and not chunks: the multi-query kernel builds the four accumulators one after the
 * other (see QF_PASS in dotsq_avx2.S), and with line-sized pieces each of those passes reads a
 * quarter of the cache lines of the queries and rows, whole, instead of half of every line.
 * Four chains per row also keep dot at its load-bound speed. No accumulator is ever -0 (it
 * starts at +0, and a sum is -0 only if both terms are), so the FMA of a masked lane (0 * 0)
 * never changes a bit.
 *
 * Registers of dot / dots: r10 q cursor, rax row cursor (rows 1, 2 at rax + rdx, rax + 2*rdx),
 * r9 dim in bytes, r11 counter; ymm(4r + k) accumulator k of row r, ymm12-13 q chunks and tail
 * rows, ymm14 the tail mask and ymm15 the q tail (both from F32_TAIL_SETUP).
 */

/* ymm\a = (ymm\a + ymm\b) + (ymm\c + ymm\d): step 3 of the order above. */
.macro F32_COMBINE a, b, c, d
    Y3      vaddps, \b, \a, \a
    Y3      vaddps, \d, \c, \c
    Y3      vaddps, \c, \a, \a
.endm

/* ymm14 = mask of the first dim % 8 lanes, ymm15 = q's last dim % 8 floats (0 elsewhere), with
 * q in rdi and r9 = dim * 4; only when dim % 8 != 0. Clobbers rax, r11. */
.macro F32_TAIL_SETUP
    testl   $(28), %r9d
    jz      10f
    movl    %r9d, %eax
    andl    $(28), %eax                 /* 4 * (dim % 8) */
    negq    %rax
    leaq    L(avx2_tail_dwords)(%rip), %r11
    vmovdqu 32(%r11,%rax), %ymm14
    movq    %r9, %r11
    andq    $(-32), %r11
    vmaskmovps (%rdi,%r11), %ymm14, %ymm15
10:
.endm

/* VFMADD231PS of row r's chunk at byte offset off with ymm\q into ymm\acc. */
.macro D_FMA off, r, q, acc
    .if \r == 0
    vfmadd231ps \off(%rax), %ymm\q, %ymm\acc
    .elseif \r == 1
    vfmadd231ps \off(%rax,%rdx), %ymm\q, %ymm\acc
    .else
    vfmadd231ps \off(%rax,%rdx,2), %ymm\q, %ymm\acc
    .endif
.endm

/* The partial chunk of row r (VMASKMOVPS into ymm\tmp) against the q tail into ymm\acc. */
.macro D_TAIL r, tmp, acc
    .if \r == 0
    vmaskmovps (%rax), %ymm14, %ymm\tmp
    .elseif \r == 1
    vmaskmovps (%rax,%rdx), %ymm14, %ymm\tmp
    .else
    vmaskmovps (%rax,%rdx,2), %ymm14, %ymm\tmp
    .endif
    Y3      vfmadd231ps, \tmp, 15, \acc
.endm

/* The whole chunk at byte offset off into accumulator k of nr rows, q chunk via ymm\qt. */
.macro F32_CHUNK off, k, nr, qt
    vmovups \off(%r10), %ymm\qt
    .irp r, 0, 1, 2
    .if \r < \nr
    D_FMA   \off, \r, \qt, %(4 * \r + \k)
    .endif
    .endr
.endm

/* The last whole chunk, if the count after the whole steps is odd, then the partial one, if
 * any: both into accumulator k (they are chunks 2i and 2i + 1 of one line pair). */
.macro F32_LAST k, nr
    testl   $(32), %r9d
    jz      17f
    F32_CHUNK 0, \k, \nr, 12
    addq    $(32), %r10
    addq    $(32), %rax
17:
    testl   $(28), %r9d
    jz      18f
    .irp r, 0, 1, 2
    .if \r < \nr
    D_TAIL  \r, %(12 + \r - \r / 2 * 2), %(4 * \r + \k)
    .endif
    .endr
18:
.endm

/* nr rows (1..3) from start to end in the canonical order; r10 and rax at the starts of q and
 * row 0. Leaves the accumulators in ymm0..ymm(4 nr - 1). Clobbers r10, rax, r11, ymm12-13. */
.macro F32_ROWS nr
    ZERO_YMM %(4 * \nr)
    movq    %r9, %r11
    shrq    $(8), %r11                  /* 64-float steps */
    jz      12f
    .p2align 4
11:
    .irp k, 0, 1, 2, 3
    F32_CHUNK %(64 * \k), \k, \nr, 12
    F32_CHUNK %(64 * \k + 32), \k, \nr, 13
    .endr
    addq    $(256), %r10
    addq    $(256), %rax
    decq    %r11
    jnz     11b
12:
    /* (dim / 8) % 8 whole chunks left: pairs into acc0, acc1, acc2 in turn, then F32_LAST. */
    testl   $(128), %r9d
    jz      14f
    F32_CHUNK 0, 0, \nr, 12
    F32_CHUNK 32, 0, \nr, 13
    F32_CHUNK 64, 1, \nr, 12
    F32_CHUNK 96, 1, \nr, 13
    addq    $(128), %r10
    addq    $(128), %rax
    testl   $(64), %r9d
    jz      13f
    F32_CHUNK 0, 2, \nr, 12
    F32_CHUNK 32, 2, \nr, 13
    addq    $(64), %r10
    addq    $(64), %rax
    F32_LAST 3, \nr
    jmp     16f
13:
    F32_LAST 2, \nr
    jmp     16f
14:
    testl   $(64), %r9d
    jz      15f
    F32_CHUNK 0, 0, \nr, 12
    F32_CHUNK 32, 0, \nr, 13
    addq    $(64), %r10
    addq    $(64), %rax
    F32_LAST 1, \nr
    jmp     16f
15:
    F32_LAST 0, \nr
16:
.endm

/*
 * float simdot_dot_f32_avx2(const float *a, const float *b, size_t n);
 *
 * In: rdi = a, rsi = b, rdx = n. Out: xmm0. Clobbers rax, r9-r11, ymm0-3, ymm12-15.
 * Needs AVX and FMA (dispatched as part of the AVX2 tier).
 *
 * The canonical order with a as the query: F32_ROWS 1, the code that also scores every
 * leftover row of dots. Per 64-float step eight loads of a and eight FMAs with b from memory
 * into four accumulators; the partial chunk is VMASKMOVPS of both vectors.
 */
FUNC_BEGIN(simdot_dot_f32_avx2)
    PROLOGUE 3
    leaq    (,%rdx,4), %r9
    F32_TAIL_SETUP
    movq    %rdi, %r10
    movq    %rsi, %rax
    .altmacro
    F32_ROWS 1
    F32_COMBINE 0, 1, 2, 3
    HSUM4   1, 0, 0, 0, 0
    .noaltmacro
    vmovaps %xmm12, %xmm0
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_dot_f32_avx2)

/*
 * void simdot_dots_f32_avx2(const float *q, const float *rows, size_t dim, size_t nrows,
 *                           float *out);
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out. out[r] = dot(q, rows + r*dim).
 * Clobbers rax, rcx, rdx, rsi, r8-r11, ymm0-ymm15. Needs AVX2 and FMA.
 *
 * simdot_dots_f32_body_avx2 behind the Win64 mapping.
 */
FUNC_BEGIN(simdot_dots_f32_avx2)
    PROLOGUE 5
    call    SYM(simdot_dots_f32_body_avx2)
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_dots_f32_avx2)

/*
 * simdot_dots_f32_body_avx2 - the body of dots_f32, for this tier's kernels only (a private
 * contract, not the C ABI: simdot_dots_f32_avx2 and dotsq_avx2.S call it).
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out, on every OS (no PROLOGUE, as for
 * simdot_dots_i8_body_avx2). Out: out[r] = dot(q, rows + r*dim), r < nrows. Clobbers rax, rcx,
 * rdx, rsi, r8-r11, ymm0-15 and the flags; keeps rdi, rbx, rbp and r12-r15 (dotsq_f32_avx2 keeps
 * its state there); no stack beyond its return address. Returns with the upper halves of the
 * ymm registers dirty: its callers end with VZEROUPPER. Needs AVX2 and FMA.
 *
 * Three rows per iteration in the canonical order: each q chunk is loaded once into ymm12/13
 * and meets the three rows as FMA memory operands, twelve accumulators (four per row), twelve
 * independent FMA chains, 4/3 loads per FMA. The tail mask and q tail are built once per call.
 * The three sums are reduced together (HSUM4) and stored as 8 + 4 bytes. Leftover rows (nrows
 * % 3) are F32_ROWS 1, the body of dot_f32, so every row gets the same bits wherever it is.
 */
FUNC_BEGIN(simdot_dots_f32_body_avx2)
    testq   %rcx, %rcx
    jz      L(dots_f32_done)
    leaq    (,%rdx,4), %r9
    F32_TAIL_SETUP
    movq    %r9, %rdx                   /* row stride in bytes */
    .altmacro
    cmpq    $3, %rcx
    jb      L(dots_f32_row1)
    .p2align 4
L(dots_f32_rows3):
    movq    %rdi, %r10
    movq    %rsi, %rax
    F32_ROWS 3
    F32_COMBINE 0, 1, 2, 3
    F32_COMBINE 4, 5, 6, 7
    F32_COMBINE 8, 9, 10, 11
    HSUM4   3, 0, 4, 8, 8
    vmovlps %xmm12, (%r8)
    vextractps $2, %xmm12, 8(%r8)
    addq    $12, %r8
    leaq    (%rsi,%rdx,2), %rsi
    addq    %rdx, %rsi
    subq    $3, %rcx
    cmpq    $3, %rcx
    jae     L(dots_f32_rows3)
    testq   %rcx, %rcx
    jz      L(dots_f32_done)
L(dots_f32_row1):
    movq    %rdi, %r10
    movq    %rsi, %rax
    F32_ROWS 1
    F32_COMBINE 0, 1, 2, 3
    HSUM4   1, 0, 0, 0, 0
    vmovss  %xmm12, (%r8)
    addq    $4, %r8
    addq    %rdx, %rsi
    decq    %rcx
    jnz     L(dots_f32_row1)
    .noaltmacro
L(dots_f32_done):
    ret
FUNC_END(simdot_dots_f32_body_avx2)
