/*
 * win64_abi_call.S - a Win64-only trampoline for test/native/win64_abi.c (built with
 * x86_64-w64-mingw32-gcc, run under wine64 or on Windows).
 *
 * void simdot_abi_call(void *fn, const uint64_t args[6], const abi_state *in, abi_state *out);
 *
 * Calls fn(args[0], ..., args[5]) the Win64 way (four register arguments, 32 bytes of shadow
 * space, the fifth and sixth arguments on the stack) with every register Win64 declares
 * callee-saved (rbx, rbp, rdi, rsi, r12-r15, xmm6-xmm15) loaded from *in, then stores what those
 * registers hold after the call, plus rax, xmm0 and whether two canary words above the sixth
 * argument survived, into *out. The C side compares: a kernel whose PROLOGUE/EPILOGUE mapping
 * were wrong would change one of them, or read a wrong fifth or sixth argument.
 *
 * abi_state layout (see win64_abi.c): gpr[8] at 0 (rbx rbp rdi rsi r12 r13 r14 r15),
 * xmm[10][2] at 64 (xmm6..xmm15), rax at 224, xmm0[2] at 232, canary_ok at 248.
 * Uses only SSE2 itself, so it runs on any x86-64.
 */
    .text
    .globl simdot_abi_call
    .def simdot_abi_call; .scl 2; .type 32; .endef
    .p2align 4
simdot_abi_call:
    pushq   %rbx
    pushq   %rbp
    pushq   %rdi
    pushq   %rsi
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    /* rsp was 8 mod 16 on entry and still is after 8 pushes; 248 more makes it 16-aligned at
     * the call. Frame: [0,32) shadow space, 32 and 40 the fifth and sixth arguments, 48 and 56
     * canaries, 64 the out pointer, [80,240) our caller's xmm6-15. */
    subq    $248, %rsp
    movdqu  %xmm6, 80(%rsp)
    movdqu  %xmm7, 96(%rsp)
    movdqu  %xmm8, 112(%rsp)
    movdqu  %xmm9, 128(%rsp)
    movdqu  %xmm10, 144(%rsp)
    movdqu  %xmm11, 160(%rsp)
    movdqu  %xmm12, 176(%rsp)
    movdqu  %xmm13, 192(%rsp)
    movdqu  %xmm14, 208(%rsp)
    movdqu  %xmm15, 224(%rsp)
    movq    %r9, 64(%rsp)
    movq    %rcx, %r11                  /* fn */
    movq    %rdx, %r10                  /* args */
    movq    32(%r10), %rax
    movq    %rax, 32(%rsp)
    movq    40(%r10), %rax
    movq    %rax, 40(%rsp)
    movabsq $0x5ca1ab1e0ddba115, %rax
    movq    %rax, 48(%rsp)
    movq    %rax, 56(%rsp)
    movdqu  64(%r8), %xmm6
    movdqu  80(%r8), %xmm7
    movdqu  96(%r8), %xmm8
    movdqu  112(%r8), %xmm9
    movdqu  128(%r8), %xmm10
    movdqu  144(%r8), %xmm11
    movdqu  160(%r8), %xmm12
    movdqu  176(%r8), %xmm13
    movdqu  192(%r8), %xmm14
    movdqu  208(%r8), %xmm15
    movq    0(%r8), %rbx
    movq    8(%r8), %rbp
    movq    16(%r8), %rdi
    movq    24(%r8), %rsi
    movq    32(%r8), %r12
    movq    40(%r8), %r13
    movq    48(%r8), %r14
    movq    56(%r8), %r15
    movq    0(%r10), %rcx
    movq    8(%r10), %rdx
    movq    24(%r10), %r9
    movq    16(%r10), %r8
    call    *%r11
    movq    64(%rsp), %r9
    movq    %rax, 224(%r9)
    movlps  %xmm0, 232(%r9)
    movhps  %xmm0, 240(%r9)
    movq    %rbx, 0(%r9)
    movq    %rbp, 8(%r9)
    movq    %rdi, 16(%r9)
    movq    %rsi, 24(%r9)
    movq    %r12, 32(%r9)
    movq    %r13, 40(%r9)
    movq    %r14, 48(%r9)
    movq    %r15, 56(%r9)
    movdqu  %xmm6, 64(%r9)
    movdqu  %xmm7, 80(%r9)
    movdqu  %xmm8, 96(%r9)
    movdqu  %xmm9, 112(%r9)
    movdqu  %xmm10, 128(%r9)
    movdqu  %xmm11, 144(%r9)
    movdqu  %xmm12, 160(%r9)
    movdqu  %xmm13, 176(%r9)
    movdqu  %xmm14, 192(%r9)
    movdqu  %xmm15, 208(%r9)
    xorl    %ecx, %ecx
    movabsq $0x5ca1ab1e0ddba115, %rax
    cmpq    %rax, 48(%rsp)
    jne     1f
    cmpq    %rax, 56(%rsp)
    jne     1f
    movl    $1, %ecx
1:  movq    %rcx, 248(%r9)
    movdqu  80(%rsp), %xmm6
    movdqu  96(%rsp), %xmm7
    movdqu  112(%rsp), %xmm8
    movdqu  128(%rsp), %xmm9
    movdqu  144(%rsp), %xmm10
    movdqu  160(%rsp), %xmm11
    movdqu  176(%rsp), %xmm12
    movdqu  192(%rsp), %xmm13
    movdqu  208(%rsp), %xmm14
    movdqu  224(%rsp), %xmm15
    addq    $248, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rsi
    popq    %rdi
    popq    %rbp
    popq    %rbx
    ret
