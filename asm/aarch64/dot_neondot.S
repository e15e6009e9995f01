/*
 * dot_neondot.S - the neondot tier: int8 dot / dots / dotsq with SDOT (ARMv8.2 dotprod). Its
 * float32 kernels are the neon tier's (dot_neon.S): dotprod adds nothing to float32 math.
 *
 * Contract (native/kernels.h): any n >= 0, any alignment; nothing is read outside
 * [ptr, ptr + n) and nothing written outside out[0, nrows) (out[0, nq * nrows) for dotsq), not
 * even within a page (tails: aarch64_vec.h).
 *
 * ISA: ARMv8.2-A dotprod (Linux AT_HWCAP ASIMDDP, macOS hw.optional.arm.FEAT_DotProd): the
 * caller dispatches here only when the OS reports it; SDOT is undefined on an ARMv8.0 core.
 * Registers: AAPCS64 (asm.h); dotsq saves d8-d15 on the stack.
 */
#include "asm.h"

#include "aarch64_vec.h"

/* SDOT Vd.4S, Vn.16B, Vm.16B (vector form), spelled as its encoding. GNU as would take the
 * mnemonic after .arch armv8.2-a+dotprod, but clang 14 ignores that directive (and rejects
 * .arch_extension dotprod): it assembles SDOT only with -march=armv8.2-a+dotprod on its command
 * line, which would then hold for the whole build. The word assembles anywhere, and the
 * disassembly still reads sdot. */
.macro SDOT d, n, m
    .inst   0x4e809400 | (L(vreg_\m) << 16) | (L(vreg_\n) << 5) | L(vreg_\d)
.endm

/* SDOT: each int32 lane of \acc gains the four products of its four byte lanes, signed x signed,
 * wrapping mod 2^32. One instruction per 16 bytes (the neon tier needs four). */
.macro I8_MAC acc, a, b, t0, t1
    SDOT    \acc, \a, \b
.endm

#include "dot_i8_tmpl.h"

/*
 * int32_t simdot_dot_i8_neondot(const int8_t *a, const int8_t *b, size_t n);
 *
 * In: x0 = a, x1 = b, x2 = n. Out: w0 (the sum, wrapping mod 2^32 past n = 65536 exactly as the
 * scalar kernel). Clobbers x0-x6, v0-v7, v16-v19. Needs dotprod.
 * 64 bytes per iteration, four SDOT into four accumulators (I8_DOT_BODY).
 */
FUNC_BEGIN(simdot_dot_i8_neondot)
    I8_DOT_BODY
    ret
FUNC_END(simdot_dot_i8_neondot)

/*
 * void simdot_dots_i8_neondot(const int8_t *q, const int8_t *rows, size_t dim, size_t nrows,
 *                             int32_t *out);
 *
 * In: x0 = q, x1 = rows, x2 = dim, x3 = nrows, x4 = out. Clobbers x1, x3-x13, v0-v7, v16-v29.
 * Needs dotprod. Four rows per iteration, each q chunk loaded once for them (I8_DOTS_BODY).
 */
FUNC_BEGIN(simdot_dots_i8_neondot)
    I8_DOTS_BODY
    ret
FUNC_END(simdot_dots_i8_neondot)

/*
 * void simdot_dotsq_i8_neondot(const int8_t *queries, size_t nq, const int8_t *rows,
 *                              size_t dim, size_t nrows, int32_t *out);
 *
 * In: x0 = queries, x1 = nq, x2 = rows, x3 = dim, x4 = nrows, x5 = out. Clobbers x1-x17,
 * v0-v7, v16-v31 (d8-d15 saved). Needs dotprod. Two rows per iteration against all queries
 * (I8_DOTSQ_BODY); one query is simdot_dots_i8_neondot. The i8mm tier's dotsq comes here for
 * the shapes it leaves to SDOT (fewer than SIMDOT_I8MM_DOTSQ_MIN_NQ queries, dim outside
 * SIMDOT_I8MM_DOTSQ_MIN_DIM..MAX_DIM: aarch64_tuning.h).
 */
FUNC_BEGIN(simdot_dotsq_i8_neondot)
    I8_DOTSQ_BODY SYM(simdot_dots_i8_neondot)
    ret
FUNC_END(simdot_dotsq_i8_neondot)
