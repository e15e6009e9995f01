/*
 * asm.h - the one header every simdot .S file includes.
 *
 * One source serves ELF (Linux, BSD), Mach-O (macOS) and COFF (Windows): this header hides
 * symbol decoration, function begin/end directives, the argument registers of the two x86-64
 * calling conventions and the callee-saved registers Win64 adds, plus the notes a hardened ELF
 * link expects (.note.GNU-stack, CET/IBT landing pads, BTI).
 *
 * x86-64 kernels are written in AT&T syntax against the System V argument registers
 * (rdi, rsi, rdx, rcx, r8, r9). On Win64 the PROLOGUE macro moves the Microsoft argument
 * registers and the fifth stack argument into those same registers and saves what Win64
 * declares callee-saved (rdi, rsi, xmm6-xmm15); EPILOGUE restores them. A kernel therefore has
 * one body for both ABIs and may freely clobber rax, rcx, rdx, rsi, rdi, r8-r11, all vector and
 * opmask registers.
 *
 * On Win64 every function also carries SEH unwind data (.pdata/.xdata), which Windows needs to
 * walk the stack through it: for an exception raised in another thread or by a debugger, a
 * crash dump, a profiler's stack sample. FUNC_BEGIN/FUNC_END open and close the function's
 * record; the prologue macros (PROLOGUE, BODY_PROLOGUE) describe what they push and save. The
 * unwinder reads those descriptions instead of the code, so on Win64 every stack adjustment
 * and register save must happen inside a prologue macro, and an epilogue must be exactly
 * "add/lea rsp; pop...; ret" with nothing in between: that is why the kernels run VZEROUPPER
 * before EPILOGUE, not after it.
 */
#ifndef SIMDOT_ASM_H
#define SIMDOT_ASM_H

#if defined(__APPLE__)
#  define SIMDOT_MACHO 1
#  define SYM(name) _##name
#elif defined(_WIN32) || defined(__CYGWIN__)
#  define SIMDOT_COFF 1
#  define SYM(name) name
#else
#  define SIMDOT_ELF 1
#  define SYM(name) name
#endif

#if defined(__x86_64__) && (defined(_WIN32) || defined(__CYGWIN__))
#  define SIMDOT_WIN64 1
#endif

/* Kernels are private to the addon: hide them from the dynamic symbol table where the format
 * allows it, so they never collide with another library's symbols. */
#if defined(SIMDOT_ELF)
#  define SIMDOT_SYMBOL_TYPE(name) .hidden SYM(name); .type SYM(name), %function
#  define SIMDOT_SYMBOL_SIZE(name) .size SYM(name), . - SYM(name)
#elif defined(SIMDOT_MACHO)
#  define SIMDOT_SYMBOL_TYPE(name) .private_extern SYM(name)
#  define SIMDOT_SYMBOL_SIZE(name)
#else
#  define SIMDOT_SYMBOL_TYPE(name) .def SYM(name); .scl 2; .type 32; .endef
#  define SIMDOT_SYMBOL_SIZE(name)
#endif

/* Landing pads for indirect calls: the dispatcher calls every kernel through a pointer. */
#if defined(__x86_64__) && defined(__CET__)
#  define SIMDOT_LANDING_PAD endbr64
#elif defined(__aarch64__) && defined(__ARM_FEATURE_BTI_DEFAULT)
#  define SIMDOT_LANDING_PAD hint 34 /* bti c */
#else
#  define SIMDOT_LANDING_PAD
#endif

/* Win64: a .pdata entry for every function, hidden bodies included; without one, Windows
 * takes the return address to be at [rsp], which is wrong wherever a function has pushed or
 * allocated, and a stack walk through it goes astray. */
#if defined(SIMDOT_WIN64)
#  define SIMDOT_SEH_PROC(name) .seh_proc SYM(name);
#  define SIMDOT_SEH_ENDPROC .seh_endproc
#else
#  define SIMDOT_SEH_PROC(name)
#  define SIMDOT_SEH_ENDPROC
#endif

#define FUNC_BEGIN(name)        \
    .text;                      \
    .globl SYM(name);           \
    SIMDOT_SYMBOL_TYPE(name);   \
    .p2align 5;                 \
SYM(name):                      \
    SIMDOT_SEH_PROC(name)       \
    SIMDOT_LANDING_PAD

#define FUNC_END(name) SIMDOT_SYMBOL_SIZE(name) SIMDOT_SEH_ENDPROC

#if defined(__aarch64__) && defined(SIMDOT_MACHO)
/* Apple's arm64 assembler reads ';' as the start of a comment and separates statements on one
 * line with "%%" instead: the same directives, joined that way. */
#  undef FUNC_BEGIN
#  define FUNC_BEGIN(name) \
    .text %% .globl SYM(name) %% SIMDOT_SYMBOL_TYPE(name) %% .p2align 5 %% SYM(name): SIMDOT_LANDING_PAD
#endif

/* Assembler-local labels (".L" on ELF and COFF, "L" on Mach-O) and the read-only data section. */
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

#if defined(__x86_64__)

/* PROLOGUE nargs / EPILOGUE: see the top of this file. Only nargs 3..6 are meaningful; the
 * macro reads stack arguments 5 and 6 on Win64 when nargs asks for them. Vector registers
 * xmm6-xmm15 are saved whole (their low 128 bits are what Win64 preserves; the upper bits of
 * ymm/zmm6-15 and all of zmm16-31 are volatile there).
 * Only the exported kernels, the functions C calls, use them. A hidden body that only other .S
 * functions call (e.g. simdot_dots_i8_body_avx2) has a private contract instead: it takes the
 * SysV registers on every OS, because its callers have already run PROLOGUE, and it must not
 * run PROLOGUE again, which would take its arguments from the wrong registers on Win64.
 * EPILOGUE is the last thing before ret: on Win64 anything between its pops and the ret would
 * stop the unwinder from recognising the epilogue (see the top of this file). */
#if defined(SIMDOT_WIN64)
/* Win64 frame, from the caller's down: the fifth and sixth arguments at 40 and 48 above the
 * return address (above the 32-byte shadow space), the return address, rdi, rsi, then the six
 * registers SAVE_GPRS would push (rbx, rbp, r12-r15), then 168 bytes holding xmm6-15 at rsp+0
 * (10 x 16 bytes + 8 to keep rsp 16-byte aligned for the calls to the bodies). rbp is then the
 * frame pointer: the unwinder finds the saves from rbp whatever a kernel later does to rsp
 * (the dotsq kernels realign it and keep a frame below). Unwinding may only see saves and
 * allocations in the prologue, so PROLOGUE saves rbx, rbp and r12-r15 for every kernel, and
 * SAVE_GPRS / RESTORE_GPRS are empty here. */
#define SIMDOT_WIN64_XMM_AREA 168
#define SIMDOT_WIN64_STACK_ARG5 (8 + 32 + 8 * 8 + SIMDOT_WIN64_XMM_AREA)
.macro SIMDOT_WIN64_PUSH reg
    pushq %\reg
    .seh_pushreg %\reg
.endm
.macro SIMDOT_WIN64_SAVE_XMM n
    vmovdqu %xmm\n, 16 * (\n - 6)(%rbp)
    .seh_savexmm %xmm\n, 16 * (\n - 6)
.endm
.macro PROLOGUE nargs
    SIMDOT_WIN64_PUSH rdi
    SIMDOT_WIN64_PUSH rsi
    SIMDOT_WIN64_PUSH rbx
    SIMDOT_WIN64_PUSH rbp
    SIMDOT_WIN64_PUSH r12
    SIMDOT_WIN64_PUSH r13
    SIMDOT_WIN64_PUSH r14
    SIMDOT_WIN64_PUSH r15
    subq $SIMDOT_WIN64_XMM_AREA, %rsp
    .seh_stackalloc SIMDOT_WIN64_XMM_AREA
    /* The frame pointer before the saves that take an offset, as Windows' rules ask. */
    movq %rsp, %rbp
    .seh_setframe %rbp, 0
    SIMDOT_WIN64_SAVE_XMM 6
    SIMDOT_WIN64_SAVE_XMM 7
    SIMDOT_WIN64_SAVE_XMM 8
    SIMDOT_WIN64_SAVE_XMM 9
    SIMDOT_WIN64_SAVE_XMM 10
    SIMDOT_WIN64_SAVE_XMM 11
    SIMDOT_WIN64_SAVE_XMM 12
    SIMDOT_WIN64_SAVE_XMM 13
    SIMDOT_WIN64_SAVE_XMM 14
    SIMDOT_WIN64_SAVE_XMM 15
    .seh_endprologue
    movq %rcx, %rdi
    movq %rdx, %rsi
    movq %r8,  %rdx
    movq %r9,  %rcx
    .if \nargs >= 5
    movq SIMDOT_WIN64_STACK_ARG5(%rsp), %r8
    .endif
    .if \nargs >= 6
    movq SIMDOT_WIN64_STACK_ARG5 + 8(%rsp), %r9
    .endif
.endm
/* From rbp, so it holds whatever the kernel left in rsp; "lea rsp, [rbp + n]" is the form
 * Windows documents for the first instruction of an epilogue with a frame pointer. */
.macro EPILOGUE
    vmovdqu    0(%rbp), %xmm6
    vmovdqu   16(%rbp), %xmm7
    vmovdqu   32(%rbp), %xmm8
    vmovdqu   48(%rbp), %xmm9
    vmovdqu   64(%rbp), %xmm10
    vmovdqu   80(%rbp), %xmm11
    vmovdqu   96(%rbp), %xmm12
    vmovdqu  112(%rbp), %xmm13
    vmovdqu  128(%rbp), %xmm14
    vmovdqu  144(%rbp), %xmm15
    leaq SIMDOT_WIN64_XMM_AREA(%rbp), %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    popq %rsi
    popq %rdi
.endm
#else
.macro PROLOGUE nargs
.endm
.macro EPILOGUE
.endm
#endif

/* SAVE_GPRS / RESTORE_GPRS: the general-purpose registers both ABIs declare callee-saved
 * (rbx, rbp, r12-r15; Win64's rdi and rsi are PROLOGUE's business), for kernels that need more
 * registers than the volatile ones. RESTORE_GPRS expects rsp back where SAVE_GPRS left it.
 * On Win64 PROLOGUE has saved them already (unwind data can only describe saves made in the
 * prologue), so both are empty there, and rbp already holds the value a kernel's
 * "movq %rsp, %rbp" right after SAVE_GPRS gives it. */
#if defined(SIMDOT_WIN64)
.macro SAVE_GPRS
.endm
.macro RESTORE_GPRS
.endm
#else
.macro SAVE_GPRS
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm
.macro RESTORE_GPRS
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
.endm
#endif

/* BODY_PROLOGUE / BODY_EPILOGUE: for a hidden body (private contract, no PROLOGUE) that moves
 * rsp, e.g. to keep a realigned frame. On Win64 the body keeps rbp as its frame pointer, so
 * that unwind data can describe a frame whose size is only known at run time; BODY_EPILOGUE
 * goes right before each ret, with rsp back where BODY_PROLOGUE left it. Empty elsewhere, where
 * the kernels carry no unwind tables at all. */
#if defined(SIMDOT_WIN64)
.macro BODY_PROLOGUE
    SIMDOT_WIN64_PUSH rbp
    movq %rsp, %rbp
    .seh_setframe %rbp, 0
    .seh_endprologue
.endm
.macro BODY_EPILOGUE
    popq %rbp
.endm
#else
.macro BODY_PROLOGUE
.endm
.macro BODY_EPILOGUE
.endm
#endif

#endif /* __x86_64__ */

#if defined(__aarch64__)

/* AAPCS64 (Linux and macOS alike for what the kernels touch): arguments in x0-x7, the result in
 * w0 or s0. A kernel may clobber x0-x17, the flags and v0-v7, v16-v31; it must preserve x19-x28,
 * sp and the low 64 bits of v8-v15 (d8-d15), and never touch x18 (the platform register on
 * Apple systems). The kernels keep the return address in a register, never in memory, so they
 * need no return-address signing to be compatible with a pac-ret build. */

/* SAVE_D8_D15 / RESTORE_D8_D15: for kernels that need all 32 vector registers. 64 bytes of
 * stack; sp stays 16-byte aligned. RESTORE_D8_D15 expects sp back where SAVE_D8_D15 left it. */
.macro SAVE_D8_D15
    stp     d8, d9, [sp, #-64]!
    stp     d10, d11, [sp, #16]
    stp     d12, d13, [sp, #32]
    stp     d14, d15, [sp, #48]
.endm
.macro RESTORE_D8_D15
    ldp     d10, d11, [sp, #16]
    ldp     d12, d13, [sp, #32]
    ldp     d14, d15, [sp, #48]
    ldp     d8, d9, [sp], #64
.endm

/* GNU_PROPERTY_AARCH64_FEATURE_1_AND bits this object may claim (see the note below): BTI when
 * every function starts with a landing pad (SIMDOT_LANDING_PAD), PAC when the build asks for
 * return-address signing, which these kernels satisfy by never spilling x30. */
#  if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT == 1
#    define SIMDOT_AARCH64_FEATURE_BTI 1
#  else
#    define SIMDOT_AARCH64_FEATURE_BTI 0
#  endif
#  if defined(__ARM_FEATURE_PAC_DEFAULT) && (__ARM_FEATURE_PAC_DEFAULT & 3) != 0
#    define SIMDOT_AARCH64_FEATURE_PAC 2
#  else
#    define SIMDOT_AARCH64_FEATURE_PAC 0
#  endif

#endif /* __aarch64__ */

#endif /* SIMDOT_ASM_H */

/* Outside the include guard on purpose: every object needs its own notes. */
#if defined(SIMDOT_ELF)
    .section .note.GNU-stack, "", %progbits
#  if defined(__x86_64__) && defined(__CET__)
    /* GNU_PROPERTY_X86_FEATURE_1_AND: IBT | SHSTK, so a CET-enabled link keeps the marking. */
    .section .note.gnu.property, "a"
    .p2align 3
    .long 4, 16, 5
    .asciz "GNU"
    .long 0xc0000002, 4, 3
    .p2align 3
#  endif
    .text
#endif

#if defined(SIMDOT_ELF) && defined(__aarch64__) && \
    (SIMDOT_AARCH64_FEATURE_BTI | SIMDOT_AARCH64_FEATURE_PAC) != 0
    /* GNU_PROPERTY_AARCH64_FEATURE_1_AND: BTI and/or PAC, so that a link built with
     * -mbranch-protection keeps its marking (a linker clears a bit that any object lacks). */
    .section .note.gnu.property, "a"
    .p2align 3
    .long 4, 16, 5
    .asciz "GNU"
    .long 0xc0000000, 4, SIMDOT_AARCH64_FEATURE_BTI | SIMDOT_AARCH64_FEATURE_PAC
    .p2align 3
    .text
#endif
