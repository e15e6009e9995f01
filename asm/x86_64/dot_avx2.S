/*
 * dot_avx2.S - the AVX2 tier: int8 and float32 dot / dots kernels.
 *
 * Contract (native/kernels.h): any n >= 0, any alignment; nothing is read outside
 * [ptr, ptr + n) and nothing written outside out[0, nrows), not even within a page. Tails are
 * therefore done without over-reading: int8 re-reads the last 16 bytes of the vector (which lie
 * inside it once n >= 16) and zeroes the lanes already counted, float32 uses VMASKMOVPS, whose
 * masked lanes are not accessed and cannot fault.
 *
 * ISA: AVX2 + FMA (the caller dispatches only when CPUID and XCR0 say so). Every function ends
 * with VZEROUPPER so that SSE code in the caller pays no transition penalty.
 *
 * Registers: written against the SysV argument registers; asm.h's PROLOGUE maps Win64 onto them
 * and saves what Win64 declares callee-saved. Only volatile registers of both ABIs are touched
 * otherwise (rax, rcx, rdx, rsi, rdi, r8-r11, ymm0-15).
 */
#include "asm.h"

/* Assembler-local labels: ".L" on ELF and COFF, "L" on Mach-O. */
#if defined(SIMDOT_MACHO)
#  define L(name) L##name
#  define RODATA .section __TEXT,__const
#elif defined(SIMDOT_COFF)
#  define L(name) .L##name
#  define RODATA .section .rdata, "dr"
#else
#  define L(name) .L##name
#  define RODATA .section .rodata
#endif

/* Software prefetch distance of the dots_i8 four-row loop. VPMOVSXBW + VPMADDWD + VPADDD is
 * four uops per 16 bytes, so the out-of-order window alone keeps too few cache misses in flight
 * for a matrix streamed from DRAM (about 60% of the bandwidth the f32 kernel reaches on Zen 3);
 * prefetching 4 KiB ahead of each row cursor recovers part of that (about +20% to +40% from L3
 * or DRAM here) and measured neutral when the rows are already in L1/L2. */
#define DOTS_I8_PREFETCH 4096

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

/*
 * void simdot_dots_i8_avx2(const int8_t *q, const int8_t *rows, size_t dim, size_t nrows,
 *                          int32_t *out);
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out. out[r] = dot(q, rows + r*dim).
 * Clobbers rax, rcx, rsi, r8-r11, ymm0-ymm15. Needs AVX2.
 *
 * Same arithmetic as simdot_dot_i8_avx2. Four rows per iteration: each 16-byte chunk of q is
 * widened once and serves four rows (row k is addressed as rax + k*dim with dim in rdx and
 * 3*dim in r9, so one cursor walks all four). Two 16-byte chunks per iteration, each with its
 * own set of four accumulators. The q tail (last 16 bytes of q, lanes already counted zeroed,
 * widened) is built once per call in ymm15; each row's tail is then one overlapped load of its
 * last 16 bytes. The four row sums are reduced together with three VPHADDD and stored as one
 * 16-byte write. Leftover rows (nrows % 4) go one at a time; dim < 16 is a scalar loop.
 */
FUNC_BEGIN(simdot_dots_i8_avx2)
    PROLOGUE 5
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
    leaq    (%rdx,%rdx,2), %r9          /* 3 * dim */
    cmpq    $4, %rcx
    jb      L(dots_i8_rows1)

    .p2align 4
L(dots_i8_rows4):
    vpxor   %xmm0, %xmm0, %xmm0
    vpxor   %xmm1, %xmm1, %xmm1
    vpxor   %xmm2, %xmm2, %xmm2
    vpxor   %xmm3, %xmm3, %xmm3
    vpxor   %xmm4, %xmm4, %xmm4
    vpxor   %xmm5, %xmm5, %xmm5
    vpxor   %xmm6, %xmm6, %xmm6
    vpxor   %xmm7, %xmm7, %xmm7
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
    /* [r0 r0 r1 r1 | r0 r0 r1 r1], [r2 r2 r3 r3 | ...], then [r0 r1 r2 r3 | r0 r1 r2 r3] */
    vphaddd %ymm1, %ymm0, %ymm0
    vphaddd %ymm3, %ymm2, %ymm2
    vphaddd %ymm2, %ymm0, %ymm0
    vextracti128 $1, %ymm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vmovdqu %xmm0, (%r8)
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
    EPILOGUE
    vzeroupper
    ret
FUNC_END(simdot_dots_i8_avx2)

/*
 * float simdot_dot_f32_avx2(const float *a, const float *b, size_t n);
 *
 * In: rdi = a, rsi = b, rdx = n. Out: xmm0. Clobbers rcx, rdx, rsi, rdi, ymm0-ymm5.
 * Needs AVX and FMA (dispatched as part of the AVX2 tier).
 *
 * VFMADD231PS into four independent accumulators, 32 floats per iteration, so the FMA latency
 * is hidden behind the loads. The last n % 8 floats come from VMASKMOVPS of both vectors (masked
 * lanes read nothing and load 0, so 0 * 0 adds nothing even where the memory beyond holds NaN).
 * Summation order differs from scalar; the error stays within the contract's (n + 1) * 2^-23 *
 * sum |a_i * b_i|.
 */
FUNC_BEGIN(simdot_dot_f32_avx2)
    PROLOGUE 3
    vxorps  %xmm0, %xmm0, %xmm0
    vxorps  %xmm1, %xmm1, %xmm1
    vxorps  %xmm2, %xmm2, %xmm2
    vxorps  %xmm3, %xmm3, %xmm3
    movq    %rdx, %rcx
    shrq    $5, %rcx
    jz      L(dot_f32_8)
    .p2align 4
L(dot_f32_32):
    vmovups (%rdi), %ymm4
    vmovups 32(%rdi), %ymm5
    vfmadd231ps (%rsi), %ymm4, %ymm0
    vfmadd231ps 32(%rsi), %ymm5, %ymm1
    vmovups 64(%rdi), %ymm4
    vmovups 96(%rdi), %ymm5
    vfmadd231ps 64(%rsi), %ymm4, %ymm2
    vfmadd231ps 96(%rsi), %ymm5, %ymm3
    subq    $-128, %rdi
    subq    $-128, %rsi
    decq    %rcx
    jnz     L(dot_f32_32)
L(dot_f32_8):
    andl    $31, %edx                   /* floats left, 0..31 */
    cmpl    $8, %edx
    jb      L(dot_f32_tail)
L(dot_f32_8_loop):
    vmovups (%rdi), %ymm4
    vfmadd231ps (%rsi), %ymm4, %ymm0
    addq    $32, %rdi
    addq    $32, %rsi
    subl    $8, %edx
    cmpl    $8, %edx
    jae     L(dot_f32_8_loop)
L(dot_f32_tail):
    testl   %edx, %edx
    jz      L(dot_f32_reduce)
    leaq    L(avx2_tail_dwords)(%rip), %rcx
    negq    %rdx
    vmovdqu 32(%rcx,%rdx,4), %ymm5      /* first r lanes all-ones */
    vmaskmovps (%rdi), %ymm5, %ymm4
    vmaskmovps (%rsi), %ymm5, %ymm5
    vfmadd231ps %ymm5, %ymm4, %ymm1
L(dot_f32_reduce):
    vaddps  %ymm1, %ymm0, %ymm0
    vaddps  %ymm3, %ymm2, %ymm2
    vaddps  %ymm2, %ymm0, %ymm0
    vextractf128 $1, %ymm0, %xmm1
    vaddps  %xmm1, %xmm0, %xmm0
    vmovhlps %xmm0, %xmm0, %xmm1
    vaddps  %xmm1, %xmm0, %xmm0
    vmovshdup %xmm0, %xmm1
    vaddss  %xmm1, %xmm0, %xmm0
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
 * Four rows per iteration, 16 floats of q (two registers) kept in registers for all four; the
 * rows are FMA memory operands (row k at rax + k*stride, stride = 4*dim in rdx, 3*stride in
 * r9). Eight accumulators (two per row) keep eight FMA chains in flight. The mask of the last
 * dim % 8 floats (ymm14) and the masked q tail (ymm15) are built once per call; each row's tail
 * is one VMASKMOVPS. The four sums are reduced together with three VHADDPS and stored as one
 * 16-byte write; leftover rows go one at a time.
 */
FUNC_BEGIN(simdot_dots_f32_avx2)
    PROLOGUE 5
    testq   %rcx, %rcx
    jz      L(dots_f32_done)
    movl    %edx, %eax
    andl    $7, %eax
    jz      L(dots_f32_setup)           /* no tail: ymm14/15 stay unused */
    negq    %rax
    leaq    L(avx2_tail_dwords)(%rip), %r10
    vmovdqu 32(%r10,%rax,4), %ymm14     /* mask of the first dim % 8 lanes */
    movq    %rdx, %r11
    andq    $-8, %r11
    vmaskmovps (%rdi,%r11,4), %ymm14, %ymm15 /* q tail, zero-filled */
L(dots_f32_setup):
    shlq    $2, %rdx                    /* row stride in bytes from here on */
    leaq    (%rdx,%rdx,2), %r9
    cmpq    $4, %rcx
    jb      L(dots_f32_rows1)

    .p2align 4
L(dots_f32_rows4):
    vxorps  %xmm0, %xmm0, %xmm0
    vxorps  %xmm1, %xmm1, %xmm1
    vxorps  %xmm2, %xmm2, %xmm2
    vxorps  %xmm3, %xmm3, %xmm3
    vxorps  %xmm4, %xmm4, %xmm4
    vxorps  %xmm5, %xmm5, %xmm5
    vxorps  %xmm6, %xmm6, %xmm6
    vxorps  %xmm7, %xmm7, %xmm7
    movq    %rdi, %r10
    movq    %rsi, %rax
    movq    %rdx, %r11
    shrq    $6, %r11                    /* 16-float steps */
    jz      L(dots_f32_r4_8)
    .p2align 4
L(dots_f32_r4_16):
    vmovups (%r10), %ymm12
    vmovups 32(%r10), %ymm13
    vfmadd231ps (%rax), %ymm12, %ymm0
    vfmadd231ps (%rax,%rdx), %ymm12, %ymm1
    vfmadd231ps (%rax,%rdx,2), %ymm12, %ymm2
    vfmadd231ps (%rax,%r9), %ymm12, %ymm3
    vfmadd231ps 32(%rax), %ymm13, %ymm4
    vfmadd231ps 32(%rax,%rdx), %ymm13, %ymm5
    vfmadd231ps 32(%rax,%rdx,2), %ymm13, %ymm6
    vfmadd231ps 32(%rax,%r9), %ymm13, %ymm7
    addq    $64, %r10
    addq    $64, %rax
    decq    %r11
    jnz     L(dots_f32_r4_16)
L(dots_f32_r4_8):
    testb   $32, %dl                    /* dim & 8 */
    jz      L(dots_f32_r4_tail)
    vmovups (%r10), %ymm12
    vfmadd231ps (%rax), %ymm12, %ymm0
    vfmadd231ps (%rax,%rdx), %ymm12, %ymm1
    vfmadd231ps (%rax,%rdx,2), %ymm12, %ymm2
    vfmadd231ps (%rax,%r9), %ymm12, %ymm3
    addq    $32, %rax
L(dots_f32_r4_tail):
    testb   $28, %dl                    /* dim & 7 */
    jz      L(dots_f32_r4_reduce)
    vmaskmovps (%rax), %ymm14, %ymm8
    vmaskmovps (%rax,%rdx), %ymm14, %ymm9
    vmaskmovps (%rax,%rdx,2), %ymm14, %ymm10
    vmaskmovps (%rax,%r9), %ymm14, %ymm11
    vfmadd231ps %ymm8, %ymm15, %ymm4
    vfmadd231ps %ymm9, %ymm15, %ymm5
    vfmadd231ps %ymm10, %ymm15, %ymm6
    vfmadd231ps %ymm11, %ymm15, %ymm7
L(dots_f32_r4_reduce):
    vaddps  %ymm4, %ymm0, %ymm0
    vaddps  %ymm5, %ymm1, %ymm1
    vaddps  %ymm6, %ymm2, %ymm2
    vaddps  %ymm7, %ymm3, %ymm3
    vhaddps %ymm1, %ymm0, %ymm0
    vhaddps %ymm3, %ymm2, %ymm2
    vhaddps %ymm2, %ymm0, %ymm0
    vextractf128 $1, %ymm0, %xmm1
    vaddps  %xmm1, %xmm0, %xmm0
    vmovups %xmm0, (%r8)
    addq    $16, %r8
    leaq    (%rsi,%rdx,4), %rsi
    subq    $4, %rcx
    cmpq    $4, %rcx
    jae     L(dots_f32_rows4)

L(dots_f32_rows1):
    testq   %rcx, %rcx
    jz      L(dots_f32_done)
L(dots_f32_row1):
    vxorps  %xmm0, %xmm0, %xmm0
    vxorps  %xmm4, %xmm4, %xmm4
    movq    %rdi, %r10
    movq    %rsi, %rax
    movq    %rdx, %r11
    shrq    $6, %r11
    jz      L(dots_f32_r1_8)
L(dots_f32_r1_16):
    vmovups (%r10), %ymm12
    vmovups 32(%r10), %ymm13
    vfmadd231ps (%rax), %ymm12, %ymm0
    vfmadd231ps 32(%rax), %ymm13, %ymm4
    addq    $64, %r10
    addq    $64, %rax
    decq    %r11
    jnz     L(dots_f32_r1_16)
L(dots_f32_r1_8):
    testb   $32, %dl
    jz      L(dots_f32_r1_tail)
    vmovups (%r10), %ymm12
    vfmadd231ps (%rax), %ymm12, %ymm0
    addq    $32, %rax
L(dots_f32_r1_tail):
    testb   $28, %dl
    jz      L(dots_f32_r1_reduce)
    vmaskmovps (%rax), %ymm14, %ymm8
    vfmadd231ps %ymm8, %ymm15, %ymm4
L(dots_f32_r1_reduce):
    vaddps  %ymm4, %ymm0, %ymm0
    vextractf128 $1, %ymm0, %xmm1
    vaddps  %xmm1, %xmm0, %xmm0
    vmovhlps %xmm0, %xmm0, %xmm1
    vaddps  %xmm1, %xmm0, %xmm0
    vmovshdup %xmm0, %xmm1
    vaddss  %xmm1, %xmm0, %xmm0
    vmovss  %xmm0, (%r8)
    addq    $4, %r8
    addq    %rdx, %rsi
    decq    %rcx
    jnz     L(dots_f32_row1)
L(dots_f32_done):
    EPILOGUE
    vzeroupper
    ret
FUNC_END(simdot_dots_f32_avx2)
