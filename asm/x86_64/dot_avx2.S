/*
 * dot_avx2.S - the AVX2 tier: int8 and float32 dot / dots / dotsq kernels.
 *
 * Contract (native/kernels.h): any n >= 0, any alignment; nothing is read outside
 * [ptr, ptr + n) and nothing written outside out[0, nrows) (out[0, nq * nrows) for dotsq), not
 * even within a page. Tails are therefore done without over-reading: int8 re-reads the last 16
 * bytes of the vector (which lie inside it once n >= 16) and zeroes the lanes already counted,
 * float32 uses VMASKMOVPS, whose masked lanes are not accessed and cannot fault. The float32
 * kernels share one summation order (see "float32" below), so their results agree bit for bit.
 *
 * ISA: AVX2 + FMA (the caller dispatches only when CPUID and XCR0 say so). Every function ends
 * with VZEROUPPER so that SSE code in the caller pays no transition penalty.
 *
 * Registers: written against the SysV argument registers; asm.h's PROLOGUE maps Win64 onto them
 * and saves what Win64 declares callee-saved. dot and dots touch only registers volatile in
 * both ABIs otherwise (rax, rcx, rdx, rsi, rdi, r8-r11, ymm0-15); dotsq also pushes and pops
 * rbx, rbp and r12-r15 and keeps a frame on the stack. dots is a call of a local body that
 * dotsq calls too.
 */
#include "asm.h"

#include "x86_64_vec.h"

/* Zero ymm0..ymm(n-1), n <= 12. */
.macro ZERO_ACCS n
    .irp p, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    .if \p < \n
    vpxor   %xmm\p, %xmm\p, %xmm\p
    .endif
    .endr
.endm

/* Software prefetch distance of the dots_i8 four-row loop. VPMOVSXBW + VPMADDWD + VPADDD is
 * four uops per 16 bytes, so the out-of-order window alone keeps too few cache misses in flight
 * for a matrix streamed from DRAM (about 60% of the bandwidth the f32 kernel reaches on Zen 3);
 * prefetching ahead of each row cursor recovers part of that (+20% to +40% from L3 or DRAM) and
 * measured neutral when the rows are already in L1/L2. The loop only serves rows shorter than
 * DOTS_I8_STREAM_MIN_DIM, whose four cursors make one stream; for them 2 KiB beat 4 KiB from
 * DRAM (Zen 3, interleaved: dim 64 / 128 / 192 / 240 +5% / +10% / +16% / +8%; dim 32 and 96
 * even; in L3 within the noise). */
#define DOTS_I8_PREFETCH 2048
#define DOTSQ_I8_PREFETCH 4096
/* The dots_i8 streaming path (see L(dots_i8_stream)): the longest q it prepares on the stack
 * (8 KiB of int16), and how far ahead of its one row cursor it prefetches. On Zen 3, 1-1.5 KiB
 * is best from DRAM (768 B and 3 KiB lose 5-10%), and longer is better for a matrix that is
 * partly in L3 (3 KiB +15% there); 1.5 KiB is as good as any from DRAM and +5% in L3. */
/* Shorter rows stay on the four-row loop: four of them are close to one stream anyway, and
 * the per-row work of the streaming path costs more than it gains (on Zen 3, streaming vs the
 * four-row loop, in L2 / from DRAM: dim 128 -25% / +10%; dim 384 -20% / +30%; dim 768 -5% /
 * +65%; dim 1536 even / +50%). Large matrices are the case this library is for, so the switch
 * sits where DRAM gains clearly outweigh the in-cache loss. */
#define DOTS_I8_STREAM_MIN_DIM 256
#define DOTS_I8_STREAM_MAX_DIM 4096
#define DOTS_I8_STREAM_PREFETCH 1536
/* simdot_dots_i8_cached_avx2's distance, for a matrix the caller expects to find in the L3
 * cache (repeated searches of a matrix that fits in it): there, on Zen 3, 6 KiB is ~20% faster
 * than 1.5 KiB (3 KiB ~13%), and from DRAM ~14% slower. */
#define DOTS_I8_STREAM_PREFETCH_CACHED 6144
/* The streaming path's frame: the caller's rsp, then (32-byte aligned) the prepared q. */
#define DOTS_I8_STREAM_SAVED_RSP 0
#define DOTS_I8_STREAM_Q 32

    RODATA
    .p2align 5
/* 16 bytes 0x00 then 16 bytes 0xff: the 16 bytes loaded at offset r (1..15) keep the last r
 * lanes, i.e. the not-yet-counted bytes of an overlapped int8 tail. */
L(avx2_tail_bytes):
    .fill 16, 1, 0x00
    .fill 16, 1, 0xff
/* 8 dwords all-ones then 8 zero dwords: the 8 dwords loaded ending 4*r bytes before the end of
 * the ones (offset 32 - 4r) select the first r lanes for VMASKMOVPS. */
L(avx2_tail_dwords):
    .fill 8, 4, 0xffffffff
    .fill 8, 4, 0x00000000

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
    EPILOGUE
    vzeroupper
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
 * Same arithmetic as simdot_dot_i8_avx2. With 256 <= dim <= 4096 and at least four rows, the
 * streaming path (L(dots_i8_stream)) takes the rows one at a time. Otherwise, or for rows
 * shorter than 256 or longer than 4096, four rows per iteration: each 16-byte chunk of q is
 * widened once and serves four rows (row k is addressed as rax + k*dim with dim in rdx and
 * 3*dim in r9, so one cursor walks all four). Two 16-byte chunks per iteration, each with its
 * own set of four accumulators. The q tail (last 16 bytes of q, lanes already counted zeroed,
 * widened) is built once per call in ymm15; each row's tail is then one overlapped load of its
 * last 16 bytes. The four row sums are reduced together with three VPHADDD and stored as one
 * 16-byte write. Leftover rows (nrows % 4) go one at a time; dim < 16 is a scalar loop.
 */
FUNC_BEGIN(simdot_dots_i8_avx2)
    PROLOGUE 5
    movl    $DOTS_I8_STREAM_PREFETCH, %r9d
    call    L(dots_i8_body)
    EPILOGUE
    vzeroupper
    ret
FUNC_END(simdot_dots_i8_avx2)

/*
 * void simdot_dots_i8_cached_avx2(const int8_t *q, const int8_t *rows, size_t dim, size_t nrows,
 *                                 int32_t *out);
 *
 * simdot_dots_i8_avx2 (same registers, results and needs) for rows the caller expects in the L3
 * cache: the streaming path prefetches DOTS_I8_STREAM_PREFETCH_CACHED ahead instead.
 */
FUNC_BEGIN(simdot_dots_i8_cached_avx2)
    PROLOGUE 5
    movl    $DOTS_I8_STREAM_PREFETCH_CACHED, %r9d
    call    L(dots_i8_body)
    EPILOGUE
    vzeroupper
    ret
/* The body, with the SysV registers plus r9 = the streaming path's prefetch distance, and a
 * plain ret: dotsq_i8 calls it for the rows and queries its blocks leave over. */
L(dots_i8_body):
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
    cmpq    $DOTS_I8_STREAM_MIN_DIM, %rdx
    jb      L(dots_i8_rows4_setup)
    cmpq    $DOTS_I8_STREAM_MAX_DIM, %rdx
    jbe     L(dots_i8_stream)
L(dots_i8_rows4_setup):
    leaq    (%rdx,%rdx,2), %r9          /* 3 * dim */

    .p2align 4
L(dots_i8_rows4):
    ZERO_ACCS 8
    movq    %rdi, %r10                  /* q cursor */
    movq    %rsi, %rax                  /* row 0 cursor; rows 1-3 at +dim, +2dim, +3dim */
    movq    %rdx, %r11
    shrq    $6, %r11
    jz      L(dots_i8_r4_32)
    .p2align 4
L(dots_i8_r4_64):
    /* One line per row per iteration; the prefetches run DOTS_I8_PREFETCH bytes ahead of each
     * row cursor (hints only: they cannot fault and change nothing architecturally). */
    prefetcht0 DOTS_I8_PREFETCH(%rax)
    prefetcht0 DOTS_I8_PREFETCH(%rax,%rdx)
    prefetcht0 DOTS_I8_PREFETCH(%rax,%rdx,2)
    prefetcht0 DOTS_I8_PREFETCH(%rax,%r9)
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

/* The streaming path: DOTS_I8_STREAM_MIN_DIM <= dim <= DOTS_I8_STREAM_MAX_DIM and nrows >= 4
 * (ymm15 = q tail).
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
 * (from the entry point), then the row's prefetch cursor, rsi + that distance.
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
    ZERO_ACCS 4
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
    ret
FUNC_END(simdot_dots_i8_cached_avx2)


/* ----------------------------------------------------------------- shared macros ----
 *
 * The float32 kernels and the multi-query kernels are built from the macros below. They name
 * registers by number (Y3 vaddps, 1, 2, 3 is vaddps %ymm1, %ymm2, %ymm3) so that .altmacro's
 * %(expr) can count them: callers switch .altmacro on around the kernels that use it.
 * Immediates inside macros are written $(n): Apple's assembler reads "$1" in a macro body as a
 * positional argument.
 */

/* ymm\a = (ymm\a + ymm\b) + (ymm\c + ymm\d): step 3 of the float32 order below. */
.macro F32_COMBINE a, b, c, d
    Y3      vaddps, \b, \a, \a
    Y3      vaddps, \d, \c, \c
    Y3      vaddps, \c, \a, \a
.endm

/* ------------------------------------------------------------------------- float32 ----
 *
 * The canonical summation order of this tier. Every float32 kernel below (dot, dots, dotsq)
 * sums one (query, row) pair exactly this way, so a row scores the same bits whichever kernel
 * scored it and wherever it sat in the call (topK, topKBatch and dots() agree to the bit):
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
 * other (see QF_PASS), and with line-sized pieces each of those passes reads a quarter of the
 * cache lines of the queries and rows, whole, instead of half of every line. Four chains per
 * row also keep dot at its load-bound speed. No accumulator is ever -0 (it starts at +0, and a
 * sum is -0 only if both terms are), so the FMA of a masked lane (0 * 0) never changes a bit.
 *
 * Registers of dot / dots: r10 q cursor, rax row cursor (rows 1, 2 at rax + rdx, rax + 2*rdx),
 * r9 dim in bytes, r11 counter; ymm(4r + k) accumulator k of row r, ymm12-13 q chunks and tail
 * rows, ymm14 the tail mask and ymm15 the q tail (both from F32_TAIL_SETUP).
 */

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
    ZERO_ACCS %(4 * \nr)
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
    EPILOGUE
    vzeroupper
    ret
FUNC_END(simdot_dot_f32_avx2)

/*
 * void simdot_dots_f32_avx2(const float *q, const float *rows, size_t dim, size_t nrows,
 *                           float *out);
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out. out[r] = dot(q, rows + r*dim).
 * Clobbers rax, rcx, rdx, rsi, r8-r11, ymm0-ymm15. Needs AVX2 and FMA.
 *
 * Three rows per iteration in the canonical order: each q chunk is loaded once into ymm12/13
 * and meets the three rows as FMA memory operands, twelve accumulators (four per row), twelve
 * independent FMA chains, 4/3 loads per FMA. The tail mask and q tail are built once per call.
 * The three sums are reduced together (HSUM4) and stored as 8 + 4 bytes. Leftover rows (nrows
 * % 3) are F32_ROWS 1, the body of dot_f32, so every row gets the same bits wherever it is.
 */
FUNC_BEGIN(simdot_dots_f32_avx2)
    PROLOGUE 5
    call    L(dots_f32_body)
    EPILOGUE
    vzeroupper
    ret
/* The body, with the SysV registers and a plain ret: dotsq_f32 calls it for the rows and
 * queries its blocks leave over. */
L(dots_f32_body):
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
FUNC_END(simdot_dots_f32_avx2)

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
 * One query is dots; rows that fill no block go to dots one query at a time (the body of
 * dots, called: same order, same bits).
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

/* Prefetch of row r, DOTSQ_I8_PREFETCH bytes ahead of the row cursor. */
.macro R_PREFETCH r
    .if \r == 0
    prefetcht0 DOTSQ_I8_PREFETCH(%rax)
    .elseif \r == 1
    prefetcht0 DOTSQ_I8_PREFETCH(%rax,%rsi)
    .elseif \r == 2
    prefetcht0 DOTSQ_I8_PREFETCH(%rax,%rsi,2)
    .else
    prefetcht0 DOTSQ_I8_PREFETCH(%rax,%rbx)
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
/* The most stack the staged queries may take: 56 KiB, within the 128 KiB a thread gets by
 * default on musl libc, the smallest default we know of (8 queries of dim 1536 take 48.5 KiB). */
#define QF_STAGE_MAX 57344

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
 * k of every 64-float step (QF_EXTRAS adds what follows them). Each row chunk is loaded once (ymm8 + r) and meets the group's query chunks
 * (ymm12/13) with the query as the FMA's second operand, as in dot. */
.macro QF_PASS nq, nr, g, pf2, half, qpad
    ZERO_ACCS %(\nq * \nr)
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
 * restores rbx, rbp, r12-r15; 2.7 KB of stack, and up to 56 KB more when it stages the
 * queries (nq >= 2, dim a multiple of 64, nq * (dim * 4 + 64) <= 56 KB). Needs AVX2 and FMA.
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
    cmpq    $QF_STAGE_MAX, %rax
    ja      L(dotsq_f32_frame)          /* guards the product below against overflow */
    leaq    64(%rax), %r10
    imulq   %rsi, %r10                  /* nq * (s + 64) */
    cmpq    $QF_STAGE_MAX, %r10
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
     * same canonical order. Its body keeps rbx, rbp and r12-r15. */
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
    call    L(dots_f32_body)
    addq    QF_QSTRIDE(%rsp), %r14
    addq    QF_OS(%rsp), %r13
    decq    %r15
    jnz     L(dotsq_f32_left_query)
L(dotsq_f32_done):
    movq    %rbp, %rsp
    RESTORE_GPRS
L(dotsq_f32_ret):
    EPILOGUE
    vzeroupper
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
    ZERO_ACCS %(\nq * \nr)
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
    /* Prefetch DOTSQ_I8_PREFETCH ahead of the row cursors, one line per row per step (hints:
     * they cannot fault). With two groups the first prefetches row 0 and the second row 1:
     * when the first group asked for both rows' lines, memory idled while the second group ran
     * from L1, and nq = 5..8 ran 13-20% slower from DRAM (Zen 3, dim 1024/1536); no change in
     * L2 or L3. */
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
     * query. Its body keeps rbx, rbp and r12-r15. */
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
    movl    $DOTS_I8_STREAM_PREFETCH, %r9d
    call    L(dots_i8_body)
    addq    QI_S(%rsp), %r14
    addq    QI_OS(%rsp), %r13
    decq    %r15
    jnz     L(dotsq_i8_left_query)
L(dotsq_i8_done):
    movq    %rbp, %rsp
    RESTORE_GPRS
L(dotsq_i8_ret):
    EPILOGUE
    vzeroupper
    ret
FUNC_END(simdot_dotsq_i8_avx2)
