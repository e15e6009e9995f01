/*
 * dot_avx512vnni.S - the AVX-512 VNNI tier: int8 and float32 dot / dots kernels.
 *
 * Contract (native/kernels.h): any n >= 0, any alignment; nothing is read outside
 * [ptr, ptr + n) and nothing written outside out[0, nrows), not even within a page. Tails use
 * AVX-512 zero-masking loads ({z}); masked-off elements are not accessed and cannot fault.
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
 * ISA: AVX-512 F, BW (byte masks, VMOVDQU8, KMOVQ), VL, VNNI. Every function ends with
 * VZEROUPPER. Registers: written against the SysV argument registers; asm.h's PROLOGUE maps
 * Win64 onto them and saves xmm6-15, rdi, rsi. zmm16-31 and k1 are volatile in both ABIs.
 * Reductions are kept in zmm0-15 so that the VEX forms (VPHADDD, VEXTRACTI128) can be used.
 */
#include "asm.h"

/* Assembler-local labels: ".L" on ELF and COFF, "L" on Mach-O. */
#if defined(SIMDOT_MACHO)
#  define L(name) L##name
#else
#  define L(name) .L##name
#endif

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
    EPILOGUE
    vzeroupper
    ret
FUNC_END(simdot_dot_i8_avx512vnni)

/*
 * void simdot_dots_i8_avx512vnni(const int8_t *q, const int8_t *rows, size_t dim,
 *                                size_t nrows, int32_t *out);
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out. out[r] = dot(q, rows + r*dim).
 * Clobbers rax, rcx, rsi, r8-r11, zmm0-zmm23, zmm30, zmm31, k1. Needs AVX-512 F, BW, VNNI.
 *
 * The rows are the biased operand and q the signed one, so the correction 128 * sum(q) is one
 * number for the whole call: it is computed once up front (xmm14, broadcast) and subtracted
 * from each row's sum. The tail mask (k1) and the zero-masked q tail (zmm30) are also built once.
 * Four rows per iteration, 128 bytes of q (two registers) serving all four; row k is addressed
 * as rax + k*dim (dim in rdx, 3*dim in r9) so one cursor walks all four. Each 64-byte row chunk
 * costs one load+XOR and one VPDPBUSD. Eight accumulators (two per row). The four row sums are
 * reduced together (256-bit halves added, then three VPHADDD) and stored as one 16-byte write;
 * leftover rows (nrows % 4) go one at a time.
 */
FUNC_BEGIN(simdot_dots_i8_avx512vnni)
    PROLOGUE 5
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
    EPILOGUE
    vzeroupper
    ret
FUNC_END(simdot_dots_i8_avx512vnni)

/*
 * float simdot_dot_f32_avx512vnni(const float *a, const float *b, size_t n);
 *
 * In: rdi = a, rsi = b, rdx = n. Out: xmm0. Clobbers rax, rcx, rdx, rsi, rdi, zmm0-3,
 * zmm16-19, k1. Needs AVX-512 F.
 *
 * VFMADD231PS on 512-bit vectors into four accumulators, 64 floats per iteration; the last
 * n % 16 floats come from zero-masked loads of both vectors (0 * 0 adds nothing).
 */
FUNC_BEGIN(simdot_dot_f32_avx512vnni)
    PROLOGUE 3
    vxorps  %xmm0, %xmm0, %xmm0
    vxorps  %xmm1, %xmm1, %xmm1
    vxorps  %xmm2, %xmm2, %xmm2
    vxorps  %xmm3, %xmm3, %xmm3
    movq    %rdx, %rcx
    shrq    $6, %rcx
    jz      L(dot_f32_16)
    .p2align 4
L(dot_f32_64):
    vmovups (%rdi), %zmm16
    vmovups 64(%rdi), %zmm17
    vmovups 128(%rdi), %zmm18
    vmovups 192(%rdi), %zmm19
    vfmadd231ps (%rsi), %zmm16, %zmm0
    vfmadd231ps 64(%rsi), %zmm17, %zmm1
    vfmadd231ps 128(%rsi), %zmm18, %zmm2
    vfmadd231ps 192(%rsi), %zmm19, %zmm3
    addq    $256, %rdi
    addq    $256, %rsi
    decq    %rcx
    jnz     L(dot_f32_64)
L(dot_f32_16):
    andl    $63, %edx                   /* floats left, 0..63 */
    cmpl    $16, %edx
    jb      L(dot_f32_tail)
L(dot_f32_16_loop):
    vmovups (%rdi), %zmm16
    vfmadd231ps (%rsi), %zmm16, %zmm0
    addq    $64, %rdi
    addq    $64, %rsi
    subl    $16, %edx
    cmpl    $16, %edx
    jae     L(dot_f32_16_loop)
L(dot_f32_tail):
    testl   %edx, %edx
    jz      L(dot_f32_reduce)
    movl    %edx, %ecx
    movl    $1, %eax
    shll    %cl, %eax
    decl    %eax                        /* low r bits set, r = 1..15 */
    kmovw   %eax, %k1
    vmovups (%rdi), %zmm16{%k1}{z}
    vmovups (%rsi), %zmm17{%k1}{z}
    vfmadd231ps %zmm17, %zmm16, %zmm1
L(dot_f32_reduce):
    vaddps  %zmm1, %zmm0, %zmm0
    vaddps  %zmm3, %zmm2, %zmm2
    vaddps  %zmm2, %zmm0, %zmm0
    vextractf64x4 $1, %zmm0, %ymm1
    vaddps  %ymm1, %ymm0, %ymm0
    vextractf128 $1, %ymm0, %xmm1
    vaddps  %xmm1, %xmm0, %xmm0
    vmovhlps %xmm0, %xmm0, %xmm1
    vaddps  %xmm1, %xmm0, %xmm0
    vmovshdup %xmm0, %xmm1
    vaddss  %xmm1, %xmm0, %xmm0
    EPILOGUE
    vzeroupper
    ret
FUNC_END(simdot_dot_f32_avx512vnni)

/*
 * void simdot_dots_f32_avx512vnni(const float *q, const float *rows, size_t dim, size_t nrows,
 *                                 float *out);
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out. out[r] = dot(q, rows + r*dim).
 * Clobbers rax, rcx, rdx, rsi, r8-r11, zmm0-zmm15, zmm16-19, k1. Needs AVX-512 F.
 *
 * Four rows per iteration, 32 floats of q (two registers) serving all four, rows as FMA memory
 * operands (row k at rax + k*stride, stride = 4*dim in rdx, 3*stride in r9), eight accumulators.
 * The tail mask (k1, dim % 16 lanes) and the zero-masked q tail (zmm15) are built once per
 * call; each row's tail is one zero-masked load. Sums of four rows are reduced together
 * (256-bit halves added, then three VHADDPS) and stored as one 16-byte write.
 */
FUNC_BEGIN(simdot_dots_f32_avx512vnni)
    PROLOGUE 5
    testq   %rcx, %rcx
    jz      L(dots_f32_done)
    movq    %rcx, %r11
    movl    %edx, %ecx
    andl    $15, %ecx
    movl    $1, %eax
    shll    %cl, %eax
    decl    %eax
    kmovw   %eax, %k1                   /* the last dim % 16 lanes (empty if none) */
    movq    %r11, %rcx
    movq    %rdx, %rax
    andq    $-16, %rax
    vmovups (%rdi,%rax,4), %zmm15{%k1}{z} /* q tail, zero-filled */
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
    shrq    $7, %r11                    /* 32-float steps */
    jz      L(dots_f32_r4_16)
    .p2align 4
L(dots_f32_r4_32):
    vmovups (%r10), %zmm12
    vmovups 64(%r10), %zmm13
    vfmadd231ps (%rax), %zmm12, %zmm0
    vfmadd231ps (%rax,%rdx), %zmm12, %zmm1
    vfmadd231ps (%rax,%rdx,2), %zmm12, %zmm2
    vfmadd231ps (%rax,%r9), %zmm12, %zmm3
    vfmadd231ps 64(%rax), %zmm13, %zmm4
    vfmadd231ps 64(%rax,%rdx), %zmm13, %zmm5
    vfmadd231ps 64(%rax,%rdx,2), %zmm13, %zmm6
    vfmadd231ps 64(%rax,%r9), %zmm13, %zmm7
    subq    $-128, %r10
    subq    $-128, %rax
    decq    %r11
    jnz     L(dots_f32_r4_32)
L(dots_f32_r4_16):
    testb   $64, %dl                    /* dim & 16 */
    jz      L(dots_f32_r4_tail)
    vmovups (%r10), %zmm12
    vfmadd231ps (%rax), %zmm12, %zmm0
    vfmadd231ps (%rax,%rdx), %zmm12, %zmm1
    vfmadd231ps (%rax,%rdx,2), %zmm12, %zmm2
    vfmadd231ps (%rax,%r9), %zmm12, %zmm3
    addq    $64, %rax
L(dots_f32_r4_tail):
    testb   $60, %dl                    /* dim & 15 */
    jz      L(dots_f32_r4_reduce)
    vmovups (%rax), %zmm16{%k1}{z}
    vmovups (%rax,%rdx), %zmm17{%k1}{z}
    vmovups (%rax,%rdx,2), %zmm18{%k1}{z}
    vmovups (%rax,%r9), %zmm19{%k1}{z}
    vfmadd231ps %zmm16, %zmm15, %zmm4
    vfmadd231ps %zmm17, %zmm15, %zmm5
    vfmadd231ps %zmm18, %zmm15, %zmm6
    vfmadd231ps %zmm19, %zmm15, %zmm7
L(dots_f32_r4_reduce):
    vaddps  %zmm4, %zmm0, %zmm0
    vaddps  %zmm5, %zmm1, %zmm1
    vaddps  %zmm6, %zmm2, %zmm2
    vaddps  %zmm7, %zmm3, %zmm3
    vextractf64x4 $1, %zmm0, %ymm4
    vextractf64x4 $1, %zmm1, %ymm5
    vextractf64x4 $1, %zmm2, %ymm6
    vextractf64x4 $1, %zmm3, %ymm7
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
    shrq    $7, %r11
    jz      L(dots_f32_r1_16)
L(dots_f32_r1_32):
    vmovups (%r10), %zmm12
    vmovups 64(%r10), %zmm13
    vfmadd231ps (%rax), %zmm12, %zmm0
    vfmadd231ps 64(%rax), %zmm13, %zmm4
    subq    $-128, %r10
    subq    $-128, %rax
    decq    %r11
    jnz     L(dots_f32_r1_32)
L(dots_f32_r1_16):
    testb   $64, %dl
    jz      L(dots_f32_r1_tail)
    vmovups (%r10), %zmm12
    vfmadd231ps (%rax), %zmm12, %zmm0
    addq    $64, %rax
L(dots_f32_r1_tail):
    testb   $60, %dl
    jz      L(dots_f32_r1_reduce)
    vmovups (%rax), %zmm16{%k1}{z}
    vfmadd231ps %zmm16, %zmm15, %zmm4
L(dots_f32_r1_reduce):
    vaddps  %zmm4, %zmm0, %zmm0
    vextractf64x4 $1, %zmm0, %ymm1
    vaddps  %ymm1, %ymm0, %ymm0
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
FUNC_END(simdot_dots_f32_avx512vnni)
