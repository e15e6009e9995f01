/*
 * dot_avx512vnni.S - the AVX-512 VNNI tier: int8 and float32 dot / dots / dotsq kernels.
 *
 * Contract (native/kernels.h): any n >= 0, any alignment; nothing is read outside
 * [ptr, ptr + n) and nothing written outside out[0, nrows) (out[0, nq * nrows) for dotsq), not
 * even within a page. Tails use AVX-512 zero-masking loads ({z}); masked-off elements are not
 * accessed and cannot fault. The float32 kernels share one summation order (see "float32"
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
 * ISA: AVX-512 F, BW (byte masks, VMOVDQU8, KMOVQ), VL, VNNI. Every function ends with
 * VZEROUPPER. Registers: written against the SysV argument registers; asm.h's PROLOGUE maps
 * Win64 onto them and saves xmm6-15, rdi, rsi. zmm16-31 and k1 are volatile in both ABIs;
 * dotsq also pushes and pops rbx, rbp and r12-r15 and keeps a frame on the stack. dots is a
 * call of a local body that dotsq calls too. Reductions are kept in zmm0-15 so that the VEX
 * forms (VPHADDD, VHADDPS, VEXTRACTI128) can be used.
 */
#include "asm.h"

#include "x86_64_vec.h"

/* Software prefetch distance of the dotsq_i8 row cursors (as dots_i8 in dot_avx2.S). */
#define DOTSQ_I8_PREFETCH 4096
/* The dots_i8 streaming path (see L(dots_i8_stream)): the shortest row it takes and how far
 * ahead of its row cursor it prefetches. Both are dot_avx2.S's values, measured on Zen 3; this
 * tier has not been timed on an AVX-512 CPU yet. */
#define DOTS_I8_STREAM_MIN_DIM 256
#define DOTS_I8_STREAM_PREFETCH 1536

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
 * Rows of at least DOTS_I8_STREAM_MIN_DIM bytes go one at a time (L(dots_i8_stream)); shorter
 * ones four per iteration, 128 bytes of q (two registers) serving all four; row k is addressed
 * as rax + k*dim (dim in rdx, 3*dim in r9) so one cursor walks all four. Each 64-byte row chunk
 * costs one load+XOR and one VPDPBUSD. Eight accumulators (two per row). The four row sums are
 * reduced together (256-bit halves added, then three VPHADDD) and stored as one 16-byte write;
 * leftover rows (nrows % 4) go one at a time.
 */
FUNC_BEGIN(simdot_dots_i8_avx512vnni)
    PROLOGUE 5
    call    L(dots_i8_body)
    EPILOGUE
    vzeroupper
    ret
/* The body, with the SysV registers and a plain ret: dotsq_i8 calls it for the rows and
 * queries its blocks leave over. */
L(dots_i8_body):
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
    cmpq    $DOTS_I8_STREAM_MIN_DIM, %rdx
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

/* The streaming path: dim >= DOTS_I8_STREAM_MIN_DIM and nrows >= 4.
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
    /* One prefetch per line, DOTS_I8_STREAM_PREFETCH ahead (hints: they cannot fault). */
    prefetcht0 DOTS_I8_STREAM_PREFETCH(%rsi,%r10)
    prefetcht0 DOTS_I8_STREAM_PREFETCH+64(%rsi,%r10)
    prefetcht0 DOTS_I8_STREAM_PREFETCH+128(%rsi,%r10)
    prefetcht0 DOTS_I8_STREAM_PREFETCH+192(%rsi,%r10)
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
FUNC_END(simdot_dots_i8_avx512vnni)

/* ----------------------------------------------------------------- shared macros ----
 *
 * As in dot_avx2.S: registers are named by number so that .altmacro's %(expr) can count them
 * (callers switch .altmacro on around the kernels that use it), and immediates inside macros
 * are written $(n) because Apple's assembler reads "$1" in a macro body as an argument.
 * Y3, HSUM4, OUTJ and STORE4 come from x86_64_vec.h, shared with dot_avx2.S.
 */

/* Three-register instructions with numbered zmm operands (AT&T order; Y3 is in x86_64_vec.h). */
.macro Z3 insn, a, b, c
    \insn %zmm\a, %zmm\b, %zmm\c
.endm

/* Zero zmm16..zmm(16 + n - 1), the accumulators. */
.macro ZERO_ACCS n
    .irp p, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    .if \p < 16 + \n
    vpxord  %zmm\p, %zmm\p, %zmm\p
    .endif
    .endr
.endm

/* ------------------------------------------------------------------------- float32 ----
 *
 * The canonical summation order of this tier. Every float32 kernel below (dot, dots, dotsq)
 * sums one (query, row) pair exactly this way, so a row scores the same bits whichever kernel
 * scored it and wherever it sat in the call:
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
    ZERO_ACCS %(4 * \nr)
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

/* ymm\dst = low 256 bits of zmm\src + its high 256 bits: the first step of 4. Clobbers ymm13.
 * (ymm\dst is one of ymm0-15, where the VEX-only VHADDPS of HSUM4 can reach it.) */
.macro FOLD src, dst, extract=vextractf64x4, add=vaddps
    \extract $(1), %zmm\src, %ymm13
    \add    %ymm13, %ymm\src, %ymm\dst
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
    EPILOGUE
    vzeroupper
    ret
FUNC_END(simdot_dot_f32_avx512vnni)

/*
 * void simdot_dots_f32_avx512vnni(const float *q, const float *rows, size_t dim, size_t nrows,
 *                                 float *out);
 *
 * In: rdi = q, rsi = rows, rdx = dim, rcx = nrows, r8 = out. out[r] = dot(q, rows + r*dim).
 * Clobbers rax, rcx, rdx, rsi, r8-r11, zmm0-7, zmm12-13, zmm15-31, k1. Needs AVX-512 F, VL.
 *
 * Four rows per iteration in the canonical order: the four q chunks of a 64-float step are
 * loaded once (zmm0-3) and meet the four rows as FMA memory operands, sixteen accumulators
 * (four per row), sixteen independent FMA chains. The q tail and its mask are built once per
 * call. The four sums are reduced together (FOLD, HSUM4) and stored as one 16-byte write.
 * Leftover rows (nrows % 4) are F32_ROWS 1, the body of dot_f32.
 */
FUNC_BEGIN(simdot_dots_f32_avx512vnni)
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
FUNC_END(simdot_dots_f32_avx512vnni)

/* -------------------------------------------------------------- multi-query kernels ----
 *
 * dotsq: out[j * nrows + r] = dot(queries + j*dim, rows + r*dim) for nq = 1..8 queries, each
 * row chunk read from memory once for all nq queries, so a batch of queries is not bound by
 * memory bandwidth the way nq calls of dots are. Each kernel dispatches once per call to a
 * variant generated for its nq (nq outside 1..8 writes nothing): a block of nr rows, 4 when
 * nq <= 4 and 2 above, against all nq queries is nq * nr <= 16 accumulators, zmm16-31
 * (query j, row r in zmm(16 + j*nr + r)). One query is dots; rows that fill no block go to
 * dots one query at a time.
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

/* \insn on query j's chunk at byte offset off of the q cursors: \insn off(addr), %zmm\dst. */
.macro Q_OP insn, j, dst, off=0
    .if \j == 0
    \insn \off(%r10), %zmm\dst
    .elseif \j == 1
    \insn \off(%r10,%rsi), %zmm\dst
    .elseif \j == 2
    \insn \off(%r10,%rsi,2), %zmm\dst
    .elseif \j == 3
    \insn \off(%r10,%rbx), %zmm\dst
    .elseif \j == 4
    \insn \off(%r11), %zmm\dst
    .elseif \j == 5
    \insn \off(%r11,%rsi), %zmm\dst
    .elseif \j == 6
    \insn \off(%r11,%rsi,2), %zmm\dst
    .else
    \insn \off(%r11,%rbx), %zmm\dst
    .endif
.endm

/* Zero-masked (k1) load of query j's chunk at the q cursors into zmm\dst. */
.macro Q_MASKLD insn, j, dst
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

/* \insn on row r's chunk at the row cursor, \insn (addr), %zmm\src, %zmm\dst (a load when
 * src is omitted); and the zero-masked load of it. */
.macro R_OP insn, r, dst, src
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
.macro R_MASKLD insn, r, dst
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
    ZERO_ACCS %(\nq * \nr)
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
    R_OP    vmovups, \r, %(8 + \r)
    .endif
    .endr
    .irp j, 0, 1, 2, 3, 4, 5, 6, 7
    .if \j < \nq
    Q_OP    vmovups, \j, %(12 + \j - \j / 2 * 2)
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
    R_MASKLD vmovups, \r, %(8 + \r)
    .endif
    .endr
    .irp j, 0, 1, 2, 3, 4, 5, 6, 7
    .if \j < \nq
    Q_MASKLD vmovups, \j, %(12 + \j - \j / 2 * 2)
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
     * canonical order. Its body keeps rbx, rbp and r12-r15. */
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
    call    L(dots_f32_body)
    addq    %rbx, %r14
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
FUNC_END(simdot_dotsq_f32_avx512vnni)

/* ---- int8 ---------------------------------------------------------------------------------
 * (The frame of simdot_dotsq_i8_avx512vnni is defined with the shared macros above.) */

/* One block of nr rows (rdx) against all nq queries: the row chunk biased once (XOR 0x80 in
 * zmm15: row + 128 as an unsigned byte) into zmm8 + r and shared by all queries, each query
 * chunk loaded once (zmm12/13) and shared by the block's rows, VPDPBUSD into zmm(16 + j*nr + r).
 * The partial chunk is zero-masked (k1) in both; the biased row's masked lanes become 0x80 but
 * meet the query's 0. The correction 128 * sum(query j) is subtracted in REDUCE_STORE. */
.macro QI_BLOCK nq, nr
    ZERO_ACCS %(\nq * \nr)
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
    R_PREFETCH \r, DOTSQ_I8_PREFETCH, rax
    R_OP    vpxord, \r, %(8 + \r), 15
    .endif
    .endr
    .irp j, 0, 1, 2, 3, 4, 5, 6, 7
    .if \j < \nq
    Q_OP    vmovdqu64, \j, %(12 + \j - \j / 2 * 2)
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
    R_MASKLD vmovdqu8, \r, %(8 + \r)
    Z3      vpxord, 15, %(8 + \r), %(8 + \r)
    .endif
    .endr
    .irp j, 0, 1, 2, 3, 4, 5, 6, 7
    .if \j < \nq
    Q_MASKLD vmovdqu8, \j, %(12 + \j - \j / 2 * 2)
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
    /* Rows that fill no block (or all of them for one query): dots for each query. Its body
     * keeps rbx, rbp and r12-r15. */
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
FUNC_END(simdot_dotsq_i8_avx512vnni)
