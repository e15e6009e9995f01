/*
 * aarch64_abi_call.S - for test/native/aarch64_abi.c: calls a kernel with the callee-saved
 * registers of AAPCS64 (x19-x28, d8-d15) set to known patterns and reports which of them, or sp,
 * the kernel did not give back.
 *
 * uint64_t simdot_abi_call(void *fn, const uint64_t args[6]);
 *   In: x0 = fn, x1 = its first six arguments. Out: x0 = a mask of what fn did not preserve: bits
 *   0-9 x19-x28, bits 10-17 d8-d15, bit 18 sp. The caller's own x19-x28 and d8-d15 are saved and
 *   restored here, so this function keeps the contract it checks.
 */
#include "asm.h"

FUNC_BEGIN(simdot_abi_call)
    stp     x29, x30, [sp, #-160]!
    mov     x29, sp
    stp     x19, x20, [sp, #16]
    stp     x21, x22, [sp, #32]
    stp     x23, x24, [sp, #48]
    stp     x25, x26, [sp, #64]
    stp     x27, x28, [sp, #80]
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mov     x9, x0
    mov     x10, x1
    .irp r, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28
    mov     x\r, #(0x5a00 + \r)
    movk    x\r, #0xa5a5, lsl #48
    .endr
    .irp r, 8, 9, 10, 11, 12, 13, 14, 15
    mov     x11, #(0x3c00 + \r)
    movk    x11, #0xc3c3, lsl #48
    fmov    d\r, x11
    .endr
    ldp     x0, x1, [x10]
    ldp     x2, x3, [x10, #16]
    ldp     x4, x5, [x10, #32]
    blr     x9
    mov     x0, #0
    .irp r, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28
    mov     x11, #(0x5a00 + \r)
    movk    x11, #0xa5a5, lsl #48
    cmp     x\r, x11
    cset    x14, ne
    orr     x0, x0, x14, lsl #(\r - 19)
    .endr
    .irp r, 8, 9, 10, 11, 12, 13, 14, 15
    mov     x11, #(0x3c00 + \r)
    movk    x11, #0xc3c3, lsl #48
    fmov    x15, d\r
    cmp     x15, x11
    cset    x14, ne
    orr     x0, x0, x14, lsl #(\r + 2)
    .endr
    mov     x11, sp
    cmp     x11, x29
    cset    x14, ne
    orr     x0, x0, x14, lsl #18
    mov     sp, x29
    ldp     x19, x20, [sp, #16]
    ldp     x21, x22, [sp, #32]
    ldp     x23, x24, [sp, #48]
    ldp     x25, x26, [sp, #64]
    ldp     x27, x28, [sp, #80]
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    ldp     x29, x30, [sp], #160
    ret
FUNC_END(simdot_abi_call)
