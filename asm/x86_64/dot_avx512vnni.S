/*
 * dot_avx512vnni.S - the AVX-512 VNNI tier's single-query kernels: int8 and float32 dot and
 * dots, and the bodies of dots, which dotsq_avx512vnni.S also calls.
 *
 * Contract (native/kernels.h): any n >= 0, any alignment; nothing is read outside
 * [ptr, ptr + n) and nothing written outside out[0, nrows), not even within a page. Tails use
 * AVX-512 zero-masking loads ({z}); masked-off elements are not accessed and cannot fault. The
 * float32 kernels of this tier, dotsq included, share one summation order (see "float32"
 * below), so their results agree bit for bit.
 * Tail masks are built with a shift of 1 (no BMI2 needed): k = (1 << r) - 1 for r < 64.
 *
 * int8 technique: VPDPBUSD multiplies unsigned bytes by signed bytes, four products summed into
 * each int32 lane without saturation (never VPDPBUSDS). One operand is biased: s XOR 0x80 is
 * the unsigned byte s + 128, so sum((x + 128) * y) = sum(x * y) + 128 * sum(y), and the kernel
 * subtracts 128 * sum(y), itself computed by VPDPBUSD with the constant 0x80 bytes as the
 * unsigned operand. Every step is wrapping int32 arithmetic, so the result is the exact dot
 * product for n <= 65536 and the exact value mod 2^32 beyond, bit for bit like scalar.
 * In a zero-masked tail both operands' masked lanes load 0; the biased one becomes 0x80 there
 * but multiplies the other's 0, and the correction multiplies 0x80 by that same 0: harmless.
 *
 * ISA: AVX-512 F, BW (byte masks, VMOVDQU8, KMOVQ), VL, VNNI. Every exported kernel ends with
 * VZEROUPPER. Registers: the exported kernels are written against the SysV argument registers;
 * asm.h's PROLOGUE maps Win64 onto them and saves xmm6-15, rdi, rsi. zmm16-31 and k1 are
 * volatile in both ABIs. dots_i8 and dots_f32 are an entry point around a body that is a
 * function of its own, hidden like every kernel and called with a private register contract
 * (below): dotsq_avx512vnni.S calls the same bodies for the rows its blocks leave over, and a
 * profiler names the code that runs. Reductions are kept in zmm0-15 so that the VEX forms
 * (VPHADDD, VHADDPS, VEXTRACTI128) can be used.
 */
#include "asm.h"

#include "x86_64_tuning.h"
#include "x86_64_vec.h"

/*
 * int32_t simdot_dot_i8_avx512vnni(const int8_t *a, const int8_t *b, size_t n);
 *
 * In: rdi = a, rsi = b, rdx = n. Out: eax. Clobbers rax, rcx, rdx, rsi, rdi, zmm0-7,
 * zmm16-23, zmm31, k1. Needs AVX-512 F, BW, VNNI.
 *
 * a is the biased (unsigned) operand, b the signed one: acc += (a ^ 0x80) . b and
 * corr += 0x80 . b, result = sum(acc - corr). 256 bytes per iteration into four accumulator
 * pairs, so each VPDPBUSD chain waits on its predecessor only once every eight VPDPBUSD.
 */
FUNC_BEGIN(simdot_dot_i8_avx512vnni)
    PROLOGUE 3
    movl    $0x80808080, %eax
    vpbroadcastd %eax, %zmm31
    vpxor   %xmm0, %xmm0, %xmm0
    vpxor   %xmm1, %xmm1, %xmm1
    vpxor   %xmm2, %xmm2, %xmm2
    vpxor   %xmm3, %xmm3, %xmm3
    vpxor   %xmm4, %xmm4, %xmm4
    vpxor   %xmm5, %xmm5, %xmm5
    vpxor   %xmm6, %xmm6, %xmm6
    vpxor   %xmm7, %xmm7, %xmm7
    movq    %rdx, %rcx
    shrq    $8, %rcx
    jz      L(dot_i8_64)
    .p2align 4
L(dot_i8_256):
    vmovdqu64 (%rsi), %zmm16
    vmovdqu64 64(%rsi), %zmm17
    vmovdqu64 128(%rsi), %zmm18
    vmovdqu64 192(%rsi), %zmm19
    vpxord  (%rdi), %zmm31, %zmm20
    vpxord  64(%rdi), %zmm31, %zmm21
    vpxord  128(%rdi), %zmm31, %zmm22
    vpxord  192(%rdi), %zmm31, %zmm23
    vpdpbusd %zmm16, %zmm20, %zmm0
    vpdpbusd %zmm16, %zmm31, %zmm4
    vpdpbusd %zmm17, %zmm21, %zmm1
    vpdpbusd %zmm17, %zmm31, %zmm5
    vpdpbusd %zmm18, %zmm22, %zmm2
    vpdpbusd %zmm18, %zmm31, %zmm6
    vpdpbusd %zmm19, %zmm23, %zmm3
    vpdpbusd %zmm19, %zmm31, %zmm7
    addq    $256, %rdi
    addq    $256, %rsi
    decq    %rcx
    jnz     L(dot_i8_256)
L(dot_i8_64):
    andl    $255, %edx                  /* bytes left, 0..255 */
    cmpl    $64, %edx
    jb      L(dot_i8_tail)
L(dot_i8_64_loop):
    vmovdqu64 (%rsi), %zmm16
    vpxord  (%rdi), %zmm31, %zmm20
    vpdpbusd %zmm16, %zmm20, %zmm0
    vpdpbusd %zmm16, %zmm31, %zmm4
    addq    $64, %rdi
    addq    $64, %rsi
    subl    $64, %edx
    cmpl    $64, %edx
    jae     L(dot_i8_64_loop)
L(dot_i8_tail):
    testl   %edx, %edx
    jz      L(dot_i8_reduce)
    movl    %edx, %ecx
    movl    $1, %eax
    shlq    %cl, %rax
    decq    %rax                        /* low r bits set, r = 1..63 */
    kmovq   %rax, %k1
    vmovdqu8 (%rsi), %zmm16{%k1}{z}
    vmovdqu8 (%rdi), %zmm20{%k1}{z}
    vpxord  %zmm20, %zmm31, %zmm20
    vpdpbusd %zmm16, %zmm20, %zmm1
    vpdpbusd %zmm16, %zmm31, %zmm5
L(dot_i8_reduce):
    vpaddd  %zmm1, %zmm0, %zmm0
    vpaddd  %zmm3, %zmm2, %zmm2
    vpaddd  %zmm2, %zmm0, %zmm0
    vpaddd  %zmm5, %zmm4, %zmm4
    vpaddd  %zmm7, %zmm6, %zmm6
    vpaddd  %zmm6, %zmm4, %zmm4
    vpsubd  %zmm4, %zmm0, %zmm0         /* remove 128 * sum(b), lane by lane */
    vextracti64x4 $1, %zmm0, %ymm1
    vpaddd  %ymm1, %ymm0, %ymm0
    vextracti128 $1, %ymm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vpshufd $0x4e, %xmm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vpshufd $0xb1, %xmm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vmovd   %xmm0, %eax
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_dot_i8_avx512vnni)

/*
 * void simdot_dots_i8_avx512vnni(const int8_t *q, const int8_t *rows, size_t dim,
 *                                size_t nrows, int32_t *out);
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out. out[r] = dot(q, rows + r*dim).
 * Clobbers rax, rcx, rsi, r8-r11, zmm0-zmm23, zmm30, zmm31, k1. Needs AVX-512 F, BW, VNNI.
 *
 * simdot_dots_i8_body_avx512vnni behind the Win64 mapping.
 */
FUNC_BEGIN(simdot_dots_i8_avx512vnni)
    PROLOGUE 5
    call    SYM(simdot_dots_i8_body_avx512vnni)
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_dots_i8_avx512vnni)

/*
 * simdot_dots_i8_body_avx512vnni - the body of dots_i8, for this tier's kernels only (a
 * private contract, not the C ABI: simdot_dots_i8_avx512vnni and dotsq_avx512vnni.S call it).
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out, on every OS (it has no PROLOGUE:
 * its callers have mapped the Win64 arguments and saved what Win64 preserves). Out: out[r] =
 * dot(q, rows + r*dim), r < nrows. Clobbers rax, rcx, rsi, r8-r11, zmm0-7, zmm12-23, zmm30,
 * zmm31, k1 and the flags; keeps rdi, rdx, rbx, rbp and r12-r15 (dotsq_i8_avx512vnni keeps its
 * state there); no stack beyond its return address. Returns with the upper halves of the
 * vector registers dirty: its callers end with VZEROUPPER. Needs AVX-512 F, BW, VNNI.
 *
 * The rows are the biased operand and q the signed one, so the correction 128 * sum(q) is one
 * number for the whole call: it is computed once up front (xmm14, broadcast) and subtracted
 * from each row's sum. The tail mask (k1) and the zero-masked q tail (zmm30) are also built once.
 * Rows of at least SIMDOT_AVX512VNNI_DOTS_I8_STREAM_MIN_DIM bytes (256, x86_64_tuning.h) go one
 * at a time (L(dots_i8_stream)); shorter ones four per iteration, 128 bytes of q (two
 * registers) serving all four; row k is addressed as rax + k*dim (dim in rdx, 3*dim in r9) so
 * one cursor walks all four. Each 64-byte row chunk costs one load+XOR and one VPDPBUSD. Eight
 * accumulators (two per row). The four row sums are reduced together (256-bit halves added,
 * then three VPHADDD) and stored as one 16-byte write; leftover rows (nrows % 4) go one at a
 * time.
 */
FUNC_BEGIN(simdot_dots_i8_body_avx512vnni)
    testq   %rcx, %rcx
    jz      L(dots_i8_done)
    movl    $0x80808080, %eax
    vpbroadcastd %eax, %zmm31
    /* k1: the last dim % 64 bytes (empty when dim % 64 == 0). */
    movq    %rcx, %r11
    movl    %edx, %ecx
    andl    $63, %ecx
    movl    $1, %eax
    shlq    %cl, %rax
    decq    %rax
    kmovq   %rax, %k1
    movq    %r11, %rcx
    /* q tail, zero-masked, kept for every row; then xmm14 = 128 * sum(q) in all lanes. */
    movq    %rdx, %rax
    andq    $-64, %rax
    vmovdqu8 (%rdi,%rax), %zmm30{%k1}{z}
    vpxor   %xmm14, %xmm14, %xmm14
    vpxor   %xmm15, %xmm15, %xmm15
    vpdpbusd %zmm30, %zmm31, %zmm14
    movq    %rdi, %r10
    movq    %rdx, %r11
    shrq    $7, %r11
    jz      L(dots_i8_corr_64)
L(dots_i8_corr_128):
    vpdpbusd (%r10), %zmm31, %zmm14
    vpdpbusd 64(%r10), %zmm31, %zmm15
    subq    $-128, %r10
    decq    %r11
    jnz     L(dots_i8_corr_128)
L(dots_i8_corr_64):
    testb   $64, %dl
    jz      L(dots_i8_corr_reduce)
    vpdpbusd (%r10), %zmm31, %zmm14
L(dots_i8_corr_reduce):
    vpaddd  %zmm15, %zmm14, %zmm14
    vextracti64x4 $1, %zmm14, %ymm15
    vpaddd  %ymm15, %ymm14, %ymm14
    vextracti128 $1, %ymm14, %xmm15
    vpaddd  %xmm15, %xmm14, %xmm14
    vpshufd $0x4e, %xmm14, %xmm15
    vpaddd  %xmm15, %xmm14, %xmm14
    vpshufd $0xb1, %xmm14, %xmm15
    vpaddd  %xmm15, %xmm14, %xmm14      /* every lane holds 128 * sum(q) */

    cmpq    $4, %rcx
    jb      L(dots_i8_rows1)
    cmpq    $SIMDOT_AVX512VNNI_DOTS_I8_STREAM_MIN_DIM, %rdx
    jae     L(dots_i8_stream)
    leaq    (%rdx,%rdx,2), %r9          /* 3 * dim */

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
    movq    %rsi, %rax                  /* row 0 cursor */
    movq    %rdx, %r11
    shrq    $7, %r11
    jz      L(dots_i8_r4_64)
    .p2align 4
L(dots_i8_r4_128):
    vmovdqu64 (%r10), %zmm12
    vmovdqu64 64(%r10), %zmm13
    vpxord  (%rax), %zmm31, %zmm16
    vpxord  (%rax,%rdx), %zmm31, %zmm17
    vpxord  (%rax,%rdx,2), %zmm31, %zmm18
    vpxord  (%rax,%r9), %zmm31, %zmm19
    vpdpbusd %zmm12, %zmm16, %zmm0
    vpdpbusd %zmm12, %zmm17, %zmm1
    vpdpbusd %zmm12, %zmm18, %zmm2
    vpdpbusd %zmm12, %zmm19, %zmm3
    vpxord  64(%rax), %zmm31, %zmm20
    vpxord  64(%rax,%rdx), %zmm31, %zmm21
    vpxord  64(%rax,%rdx,2), %zmm31, %zmm22
    vpxord  64(%rax,%r9), %zmm31, %zmm23
    vpdpbusd %zmm13, %zmm20, %zmm4
    vpdpbusd %zmm13, %zmm21, %zmm5
    vpdpbusd %zmm13, %zmm22, %zmm6
    vpdpbusd %zmm13, %zmm23, %zmm7
    subq    $-128, %r10
    subq    $-128, %rax
    decq    %r11
    jnz     L(dots_i8_r4_128)
L(dots_i8_r4_64):
    testb   $64, %dl
    jz      L(dots_i8_r4_tail)
    vmovdqu64 (%r10), %zmm12
    vpxord  (%rax), %zmm31, %zmm16
    vpxord  (%rax,%rdx), %zmm31, %zmm17
    vpxord  (%rax,%rdx,2), %zmm31, %zmm18
    vpxord  (%rax,%r9), %zmm31, %zmm19
    vpdpbusd %zmm12, %zmm16, %zmm0
    vpdpbusd %zmm12, %zmm17, %zmm1
    vpdpbusd %zmm12, %zmm18, %zmm2
    vpdpbusd %zmm12, %zmm19, %zmm3
    addq    $64, %rax
L(dots_i8_r4_tail):
    testb   $63, %dl
    jz      L(dots_i8_r4_reduce)
    vmovdqu8 (%rax), %zmm16{%k1}{z}
    vmovdqu8 (%rax,%rdx), %zmm17{%k1}{z}
    vmovdqu8 (%rax,%rdx,2), %zmm18{%k1}{z}
    vmovdqu8 (%rax,%r9), %zmm19{%k1}{z}
    vpxord  %zmm16, %zmm31, %zmm16
    vpxord  %zmm17, %zmm31, %zmm17
    vpxord  %zmm18, %zmm31, %zmm18
    vpxord  %zmm19, %zmm31, %zmm19
    vpdpbusd %zmm30, %zmm16, %zmm4
    vpdpbusd %zmm30, %zmm17, %zmm5
    vpdpbusd %zmm30, %zmm18, %zmm6
    vpdpbusd %zmm30, %zmm19, %zmm7
L(dots_i8_r4_reduce):
    vpaddd  %zmm4, %zmm0, %zmm0
    vpaddd  %zmm5, %zmm1, %zmm1
    vpaddd  %zmm6, %zmm2, %zmm2
    vpaddd  %zmm7, %zmm3, %zmm3
    vextracti64x4 $1, %zmm0, %ymm4
    vextracti64x4 $1, %zmm1, %ymm5
    vextracti64x4 $1, %zmm2, %ymm6
    vextracti64x4 $1, %zmm3, %ymm7
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
    vpsubd  %xmm14, %xmm0, %xmm0
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
    shrq    $7, %r11
    jz      L(dots_i8_r1_64)
L(dots_i8_r1_128):
    vmovdqu64 (%r10), %zmm12
    vmovdqu64 64(%r10), %zmm13
    vpxord  (%rax), %zmm31, %zmm16
    vpxord  64(%rax), %zmm31, %zmm17
    vpdpbusd %zmm12, %zmm16, %zmm0
    vpdpbusd %zmm13, %zmm17, %zmm4
    subq    $-128, %r10
    subq    $-128, %rax
    decq    %r11
    jnz     L(dots_i8_r1_128)
L(dots_i8_r1_64):
    testb   $64, %dl
    jz      L(dots_i8_r1_tail)
    vmovdqu64 (%r10), %zmm12
    vpxord  (%rax), %zmm31, %zmm16
    vpdpbusd %zmm12, %zmm16, %zmm0
    addq    $64, %rax
L(dots_i8_r1_tail):
    testb   $63, %dl
    jz      L(dots_i8_r1_reduce)
    vmovdqu8 (%rax), %zmm16{%k1}{z}
    vpxord  %zmm16, %zmm31, %zmm16
    vpdpbusd %zmm30, %zmm16, %zmm4
L(dots_i8_r1_reduce):
    vpaddd  %zmm4, %zmm0, %zmm0
    vextracti64x4 $1, %zmm0, %ymm1
    vpaddd  %ymm1, %ymm0, %ymm0
    vextracti128 $1, %ymm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vpshufd $0x4e, %xmm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vpshufd $0xb1, %xmm0, %xmm1
    vpaddd  %xmm1, %xmm0, %xmm0
    vpsubd  %xmm14, %xmm0, %xmm0
    vmovd   %xmm0, (%r8)
    addq    $4, %r8
    addq    %rdx, %rsi
    decq    %rcx
    jnz     L(dots_i8_row1)
L(dots_i8_done):
    ret

/* The streaming path: dim >= SIMDOT_AVX512VNNI_DOTS_I8_STREAM_MIN_DIM and nrows >= 4.
 * The rows go one at a time, each one forward stream, as in dot_avx2.S: on Zen 3 the four-row
 * loop above, which reads four streams dim bytes apart, reaches ~60% of a plain read from DRAM
 * and one stream ~90%. A row needs no preparation here (q stays the signed operand, read from
 * L1), so there is no upper limit on dim. Four accumulators per row, 256 bytes per iteration,
 * so each VPDPBUSD chain waits on its predecessor once every four. Rows are folded to 256 bits
 * and reduced four at a time (ROWS4_PUSH, ROWS4_STORE), minus 128 * sum(q) (xmm14).
 *
 * Registers: rsi = row, r10 = byte offset in the row, r11 = dim rounded down to 256, r9 = dim
 * rounded down to 64, rax = rows left in the group of four, rcx = rows left, r8 = out,
 * zmm0-3 = the row's accumulators, ymm4-7 = the group's folded rows.
 */
L(dots_i8_stream):
    movq    %rdx, %r11
    andq    $-256, %r11
    movq    %rdx, %r9
    andq    $-64, %r9
L(dots_i8_stream_group):
    ROWS4_COUNT
    .p2align 4
L(dots_i8_stream_row):
    vpxor   %xmm0, %xmm0, %xmm0
    vpxor   %xmm1, %xmm1, %xmm1
    vpxor   %xmm2, %xmm2, %xmm2
    vpxor   %xmm3, %xmm3, %xmm3
    xorl    %r10d, %r10d
    testq   %r11, %r11
    jz      L(dots_i8_stream_64)
    .p2align 4
L(dots_i8_stream_256):
    /* One prefetch per line, SIMDOT_AVX512VNNI_DOTS_I8_STREAM_PREFETCH ahead (hints: they
     * cannot fault). */
    prefetcht0 SIMDOT_AVX512VNNI_DOTS_I8_STREAM_PREFETCH(%rsi,%r10)
    prefetcht0 SIMDOT_AVX512VNNI_DOTS_I8_STREAM_PREFETCH+64(%rsi,%r10)
    prefetcht0 SIMDOT_AVX512VNNI_DOTS_I8_STREAM_PREFETCH+128(%rsi,%r10)
    prefetcht0 SIMDOT_AVX512VNNI_DOTS_I8_STREAM_PREFETCH+192(%rsi,%r10)
    vpxord  (%rsi,%r10), %zmm31, %zmm16
    vpxord  64(%rsi,%r10), %zmm31, %zmm17
    vpxord  128(%rsi,%r10), %zmm31, %zmm18
    vpxord  192(%rsi,%r10), %zmm31, %zmm19
    vpdpbusd (%rdi,%r10), %zmm16, %zmm0
    vpdpbusd 64(%rdi,%r10), %zmm17, %zmm1
    vpdpbusd 128(%rdi,%r10), %zmm18, %zmm2
    vpdpbusd 192(%rdi,%r10), %zmm19, %zmm3
    addq    $256, %r10
    cmpq    %r11, %r10
    jb      L(dots_i8_stream_256)
L(dots_i8_stream_64):
    cmpq    %r9, %r10
    jae     L(dots_i8_stream_tail)
    vpxord  (%rsi,%r10), %zmm31, %zmm16
    vpdpbusd (%rdi,%r10), %zmm16, %zmm0
    addq    $64, %r10
    jmp     L(dots_i8_stream_64)
L(dots_i8_stream_tail):
    testb   $63, %dl
    jz      L(dots_i8_stream_fold)
    vmovdqu8 (%rsi,%r10), %zmm16{%k1}{z}
    vpxord  %zmm16, %zmm31, %zmm16
    vpdpbusd %zmm30, %zmm16, %zmm1
L(dots_i8_stream_fold):
    vpaddd  %zmm1, %zmm0, %zmm0
    vpaddd  %zmm3, %zmm2, %zmm2
    vpaddd  %zmm2, %zmm0, %zmm0
    vextracti64x4 $1, %zmm0, %ymm1
    vpaddd  %ymm1, %ymm0, %ymm0
    ROWS4_PUSH 0
    addq    %rdx, %rsi
    decl    %eax
    jnz     L(dots_i8_stream_row)
    cmpq    $4, %rcx
    jb      L(dots_i8_stream_partial)
    ROWS4_STORE %xmm14
    addq    $16, %r8
    subq    $4, %rcx
    jnz     L(dots_i8_stream_group)
    ret
L(dots_i8_stream_partial):
    ROWS4_STORE_PARTIAL %xmm14
    ret
FUNC_END(simdot_dots_i8_body_avx512vnni)

/* ------------------------------------------------------------------------- float32 ----
 *
 * The canonical summation order of this tier. Every float32 kernel of the tier (dot and dots
 * here, dotsq in dotsq_avx512vnni.S) sums one (query, row) pair exactly this way, so a row
 * scores the same bits whichever kernel scored it and wherever it sat in the call:
 *
 *   1. The row is cut into 16-float chunks c = 0, 1, ..., the last one partial when
 *      dim % 16 != 0 (its missing lanes are 0 in both q and row: zero-masking loads, which
 *      read nothing there).
 *   2. Chunk c goes into accumulator c % 4 by one VFMADD231PS (q chunk as the second operand,
 *      row chunk as the third), in increasing c, from accumulators at +0: 64-float steps into
 *      acc0..acc3, then the remaining whole chunks into acc0, acc1, acc2 in turn, then the
 *      partial one into the next accumulator of that sequence. (A chunk is one cache line.)
 *   3. v = (acc0 + acc1) + (acc2 + acc3), lane by lane.
 *   4. w = v[0..7] + v[8..15] (the low 256 bits plus the high 256 bits), then
 *      ((w0 + w1) + (w2 + w3)) + ((w4 + w5) + (w6 + w7)) (HSUM4).
 *
 * No accumulator is ever -0 (it starts at +0, and a sum is -0 only if both terms are), so the
 * FMA of a masked lane (0 * 0) never changes a bit.
 *
 * Registers of dot / dots: r10 q cursor, rax row cursor (rows 1-3 at rax + rdx, + 2*rdx,
 * + r9), rdx dim in bytes (also the row stride), r9 = 3 * rdx, r11 counter; zmm(16 + 4r + k)
 * accumulator k of row r, zmm0-3 the q chunks of a step, zmm4-7 tail rows, zmm15 the q tail
 * and k1 its mask (F32_TAIL_SETUP); ymm0-3, ymm12-13 in the reductions.
 */

/* k1 = mask of the first dim % 16 lanes, zmm15 = q's last dim % 16 floats (0 elsewhere; all 0
 * and nothing read when dim % 16 == 0), with q in rdi and rdx = dim * 4. Clobbers rax, r11;
 * keeps rcx. */
.macro F32_TAIL_SETUP
    movq    %rcx, %r11
    movl    %edx, %ecx
    shrl    $(2), %ecx
    andl    $(15), %ecx
    movl    $(1), %eax
    shll    %cl, %eax
    decl    %eax
    kmovw   %eax, %k1
    movq    %r11, %rcx
    movq    %rdx, %rax
    andq    $(-64), %rax
    vmovups (%rdi,%rax), %zmm15{%k1}{z}
.endm

/* VFMADD231PS of row r's chunk at byte offset off with zmm\q into zmm\acc. */
.macro D_FMA off, r, q, acc
    .if \r == 0
    vfmadd231ps \off(%rax), %zmm\q, %zmm\acc
    .elseif \r == 1
    vfmadd231ps \off(%rax,%rdx), %zmm\q, %zmm\acc
    .elseif \r == 2
    vfmadd231ps \off(%rax,%rdx,2), %zmm\q, %zmm\acc
    .else
    vfmadd231ps \off(%rax,%r9), %zmm\q, %zmm\acc
    .endif
.endm

/* The partial chunk of row r at the row cursor (zero-masked into zmm\tmp) against the q tail,
 * into zmm\acc. */
.macro D_TAIL r, tmp, acc
    .if \r == 0
    vmovups (%rax), %zmm\tmp{%k1}{z}
    .elseif \r == 1
    vmovups (%rax,%rdx), %zmm\tmp{%k1}{z}
    .elseif \r == 2
    vmovups (%rax,%rdx,2), %zmm\tmp{%k1}{z}
    .else
    vmovups (%rax,%r9), %zmm\tmp{%k1}{z}
    .endif
    Z3      vfmadd231ps, \tmp, 15, \acc
.endm

/* The whole chunk at byte offset off into accumulator k of nr rows, q chunk via zmm\qt. */
.macro F32_CHUNK off, k, nr, qt
    vmovups \off(%r10), %zmm\qt
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    D_FMA   \off, \r, \qt, %(16 + 4 * \r + \k)
    .endif
    .endr
.endm

/* The partial chunk, if any, at the row cursor into accumulator k of nr rows. */
.macro F32_TAIL k, nr
    testl   $(60), %edx
    jz      18f
    .irp r, 0, 1, 2, 3
    .if \r < \nr
    D_TAIL  \r, %(4 + \r), %(16 + 4 * \r + \k)
    .endif
    .endr
18:
.endm

/* nr rows (1 or 4) from start to end in the canonical order; r10 and rax at the starts of q
 * and row 0. Leaves the accumulators in zmm16..zmm(16 + 4 nr - 1). Clobbers r10, rax, r11,
 * zmm0-7. */
.macro F32_ROWS nr
    ZERO_ZMM16 %(4 * \nr)
    movq    %rdx, %r11
    shrq    $(8), %r11                  /* 64-float steps */
    jz      12f
    .p2align 4
11:
    .irp k, 0, 1, 2, 3
    F32_CHUNK %(64 * \k), \k, \nr, \k
    .endr
    addq    $(256), %r10
    addq    $(256), %rax
    decq    %r11
    jnz     11b
12:
    /* (dim / 16) % 4 whole chunks left into acc0, acc1, acc2 in turn, then the partial one */
    testl   $(128), %edx
    jz      14f
    F32_CHUNK 0, 0, \nr, 0
    F32_CHUNK 64, 1, \nr, 1
    testl   $(64), %edx
    jz      13f
    F32_CHUNK 128, 2, \nr, 2
    addq    $(192), %rax
    F32_TAIL 3, \nr
    jmp     16f
13:
    addq    $(128), %rax
    F32_TAIL 2, \nr
    jmp     16f
14:
    testl   $(64), %edx
    jz      15f
    F32_CHUNK 0, 0, \nr, 0
    addq    $(64), %rax
    F32_TAIL 1, \nr
    jmp     16f
15:
    F32_TAIL 0, \nr
16:
.endm

/* zmm\a = (zmm\a + zmm\b) + (zmm\c + zmm\d): step 3 of the order. */
.macro F32_COMBINE a, b, c, d
    Z3      vaddps, \b, \a, \a
    Z3      vaddps, \d, \c, \c
    Z3      vaddps, \c, \a, \a
.endm

/*
 * float simdot_dot_f32_avx512vnni(const float *a, const float *b, size_t n);
 *
 * In: rdi = a, rsi = b, rdx = n. Out: xmm0. Clobbers rax, rcx, rdx, r10, r11, zmm0-7, zmm12-13,
 * zmm15-19, k1. Needs AVX-512 F (and VL for the EVEX forms on ymm16+).
 *
 * The canonical order with a as the query: F32_ROWS 1, the code that also scores every leftover
 * row of dots. Per 64-float step four loads of a and four FMAs with b from memory.
 */
FUNC_BEGIN(simdot_dot_f32_avx512vnni)
    PROLOGUE 3
    shlq    $2, %rdx
    F32_TAIL_SETUP
    movq    %rdi, %r10
    movq    %rsi, %rax
    .altmacro
    F32_ROWS 1
    F32_COMBINE 16, 17, 18, 19
    FOLD    16, 0
    HSUM4   1, 0, 0, 0, 0
    .noaltmacro
    vmovaps %xmm12, %xmm0
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_dot_f32_avx512vnni)

/*
 * void simdot_dots_f32_avx512vnni(const float *q, const float *rows, size_t dim, size_t nrows,
 *                                 float *out);
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out. out[r] = dot(q, rows + r*dim).
 * Clobbers rax, rcx, rdx, rsi, r8-r11, zmm0-7, zmm12-13, zmm15-31, k1. Needs AVX-512 F, VL.
 *
 * simdot_dots_f32_body_avx512vnni behind the Win64 mapping.
 */
FUNC_BEGIN(simdot_dots_f32_avx512vnni)
    PROLOGUE 5
    call    SYM(simdot_dots_f32_body_avx512vnni)
    vzeroupper
    EPILOGUE
    ret
FUNC_END(simdot_dots_f32_avx512vnni)

/*
 * simdot_dots_f32_body_avx512vnni - the body of dots_f32, for this tier's kernels only (a
 * private contract, not the C ABI: simdot_dots_f32_avx512vnni and dotsq_avx512vnni.S call it).
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out, on every OS (no PROLOGUE, as for
 * simdot_dots_i8_body_avx512vnni). Out: out[r] = dot(q, rows + r*dim), r < nrows. Clobbers
 * rax, rcx, rdx, rsi, r8-r11, zmm0-7, zmm12-13, zmm15-31, k1 and the flags; keeps rdi, rbx, rbp
 * and r12-r15 (dotsq_f32_avx512vnni keeps its state there); no stack beyond its return
 * address. Returns with the upper halves of the vector registers dirty: its callers end with
 * VZEROUPPER. Needs AVX-512 F, VL.
 *
 * Four rows per iteration in the canonical order: the four q chunks of a 64-float step are
 * loaded once (zmm0-3) and meet the four rows as FMA memory operands, sixteen accumulators
 * (four per row), sixteen independent FMA chains. The q tail and its mask are built once per
 * call. The four sums are reduced together (FOLD, HSUM4) and stored as one 16-byte write.
 * Leftover rows (nrows % 4) are F32_ROWS 1, the body of dot_f32.
 */
FUNC_BEGIN(simdot_dots_f32_body_avx512vnni)
    testq   %rcx, %rcx
    jz      L(dots_f32_done)
    shlq    $2, %rdx                    /* dim in bytes, the row stride */
    F32_TAIL_SETUP
    leaq    (%rdx,%rdx,2), %r9
    .altmacro
    cmpq    $4, %rcx
    jb      L(dots_f32_row1)
    .p2align 4
L(dots_f32_rows4):
    movq    %rdi, %r10
    movq    %rsi, %rax
    F32_ROWS 4
    F32_COMBINE 16, 17, 18, 19
    F32_COMBINE 20, 21, 22, 23
    F32_COMBINE 24, 25, 26, 27
    F32_COMBINE 28, 29, 30, 31
    FOLD    16, 0
    FOLD    20, 1
    FOLD    24, 2
    FOLD    28, 3
    HSUM4   4, 0, 1, 2, 3
    vmovups %xmm12, (%r8)
    addq    $16, %r8
    leaq    (%rsi,%rdx,4), %rsi
    subq    $4, %rcx
    cmpq    $4, %rcx
    jae     L(dots_f32_rows4)
    testq   %rcx, %rcx
    jz      L(dots_f32_done)
L(dots_f32_row1):
    movq    %rdi, %r10
    movq    %rsi, %rax
    F32_ROWS 1
    F32_COMBINE 16, 17, 18, 19
    FOLD    16, 0
    HSUM4   1, 0, 0, 0, 0
    vmovss  %xmm12, (%r8)
    addq    $4, %r8
    addq    %rdx, %rsi
    decq    %rcx
    jnz     L(dots_f32_row1)
    .noaltmacro
L(dots_f32_done):
    ret
FUNC_END(simdot_dots_f32_body_avx512vnni)
