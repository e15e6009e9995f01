/*
 * unwind_call.S - the caller's side of test/windows/unwind.c (Win64 only, built with
 * x86_64-w64-mingw32-gcc).
 *
 * void simdot_unwind_call(void *fn, const uint64_t args[6], const unwind_regs *in,
 *                         unwind_regs *out);
 *
 * Calls fn(args[0], ..., args[5]) the Win64 way (four register arguments, 32 bytes of shadow
 * space, the fifth and sixth on the stack) with every register Win64 declares callee-saved
 * (rbx, rbp, rdi, rsi, r12-r15, xmm6-xmm15) loaded from *in and the trap flag set, so that every
 * instruction of fn, and of what fn calls, raises a single-step exception. The call returns to
 * simdot_unwind_return with rsp equal to simdot_unwind_rsp (stored just before the call): where
 * unwind.c requires every stack walk from inside fn to arrive. After the call the trap flag is
 * cleared and the callee-saved registers, rax and xmm0 are stored into *out.
 *
 * unwind_regs layout (see unwind.c): gpr[8] at 0 (rbx rbp rdi rsi r12 r13 r14 r15), xmm[10][2]
 * at 64 (xmm6..xmm15), rax at 224, xmm0 (low 64 bits) at 232.
 * Uses only SSE2 itself, so it runs on any x86-64. It has no unwind data of its own: the walks
 * stop at its return address.
 */
    .data
    .globl simdot_unwind_rsp
    .p2align 3
simdot_unwind_rsp:
    .quad 0

    .text
    .globl simdot_unwind_call
    .globl simdot_unwind_return
    .globl simdot_unwind_call_end
    .def simdot_unwind_call; .scl 2; .type 32; .endef
    .p2align 4
simdot_unwind_call:
    pushq   %rbx
    pushq   %rbp
    pushq   %rdi
    pushq   %rsi
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    /* rsp was 8 mod 16 on entry and still is after 8 pushes; 232 more makes it 16-aligned at
     * the call. Frame: [0,32) shadow space, 32 and 40 the fifth and sixth arguments, 48 the out
     * pointer, [64,224) our caller's xmm6-15. */
    subq    $232, %rsp
    movdqu  %xmm6, 64(%rsp)
    movdqu  %xmm7, 80(%rsp)
    movdqu  %xmm8, 96(%rsp)
    movdqu  %xmm9, 112(%rsp)
    movdqu  %xmm10, 128(%rsp)
    movdqu  %xmm11, 144(%rsp)
    movdqu  %xmm12, 160(%rsp)
    movdqu  %xmm13, 176(%rsp)
    movdqu  %xmm14, 192(%rsp)
    movdqu  %xmm15, 208(%rsp)
    movq    %r9, 48(%rsp)
    movq    %rcx, %r11                  /* fn */
    movq    %rdx, %r10                  /* args */
    movq    32(%r10), %rax
    movq    %rax, 32(%rsp)
    movq    40(%r10), %rax
    movq    %rax, 40(%rsp)
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
    movq    %rsp, simdot_unwind_rsp(%rip)
    /* TF set by POPF traps after the instruction that follows it: the first exception is at
     * fn's first instruction. */
    pushfq
    orq     $0x100, (%rsp)
    popfq
    call    *%r11
simdot_unwind_return:
    /* The handler clears TF when it sees this address; this is in case it did not. */
    pushfq
    andq    $-0x101, (%rsp)
    popfq
    movq    48(%rsp), %r9
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
    movq    %rax, 224(%r9)
    movlps  %xmm0, 232(%r9)
    movdqu  64(%rsp), %xmm6
    movdqu  80(%rsp), %xmm7
    movdqu  96(%rsp), %xmm8
    movdqu  112(%rsp), %xmm9
    movdqu  128(%rsp), %xmm10
    movdqu  144(%rsp), %xmm11
    movdqu  160(%rsp), %xmm12
    movdqu  176(%rsp), %xmm13
    movdqu  192(%rsp), %xmm14
    movdqu  208(%rsp), %xmm15
    addq    $232, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rsi
    popq    %rdi
    popq    %rbp
    popq    %rbx
    ret
simdot_unwind_call_end:
