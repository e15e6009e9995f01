/*
 * entry.S - from the boot sector's 32-bit protected mode to C in 64-bit long mode, plus the
 * pieces of the harness that C cannot express: exception entry stubs and the recovery point
 * that lets one crashing tier be reported while the remaining tiers still run.
 */
#define MSR_EFER    0xc0000080
#define EFER_LME    (1 << 8)
#define CR0_PE      (1 << 0)
#define CR0_MP      (1 << 1)
#define CR0_EM      (1 << 2)
#define CR0_WP      (1 << 16)
#define CR0_PG      (1 << 31)
#define CR4_PAE     (1 << 5)
#define CR4_OSFXSR  (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)

    .section .text.entry, "ax"
    .code32
    .globl entry32
entry32:
    cli
    /* Bochs starts with zeroed RAM, but the page tables below live in .bss and must not
     * depend on that. */
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    shrl $2, %ecx
    xorl %eax, %eax
    rep stosl

    /* Just enough paging to enter long mode: 1 GiB identity-mapped with 2 MiB pages. The C
     * side replaces it with the real map (no page 0, nothing past RAM, guard pages). */
    movl $boot_pd, %edi
    movl $0x83, %eax                /* present, writable, 2 MiB */
    movl $512, %ecx
1:  movl %eax, (%edi)
    addl $0x200000, %eax
    addl $8, %edi
    loop 1b
    movl $boot_pd + 3, boot_pdpt
    movl $boot_pdpt + 3, boot_pml4
    movl $boot_pml4, %eax
    movl %eax, %cr3

    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE | CR0_WP), %eax
    movl %eax, %cr0

    lgdt gdt64_desc
    ljmp $0x08, $entry64

    .code64
entry64:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    leaq stack_top(%rip), %rsp

    /* SSE before the first line of C: x86-64 gcc uses xmm registers anywhere (and scalar.c
     * needs them for float). AVX state is the C side's job, after it has read CPUID. */
    movq %cr0, %rax
    andq $~CR0_EM, %rax
    orq $CR0_MP, %rax
    movq %rax, %cr0
    movq %cr4, %rax
    orq $(CR4_OSFXSR | CR4_OSXMMEXCPT), %rax
    movq %rax, %cr4
    fninit

    call harness_main
0:  cli
    hlt
    jmp 0b

/*
 * Exception entry: every vector gets a stub that makes the frame uniform (a zero error code
 * where the CPU pushes none, then the vector number) and saves the general registers, so
 * harness_trap() sees one struct trap_frame. All vectors run on IST1 (set up in harness.c),
 * so a fault with a broken stack pointer is still reported instead of ending in a triple
 * fault.
 */
    .text
.macro TRAP vec, err
    .p2align 4
trap_\vec:
    .if \err == 0
    pushq $0
    .endif
    pushq $\vec
    jmp trap_common
.endm

    TRAP 0, 0
    TRAP 1, 0
    TRAP 2, 0
    TRAP 3, 0
    TRAP 4, 0
    TRAP 5, 0
    TRAP 6, 0
    TRAP 7, 0
    TRAP 8, 1
    TRAP 9, 0
    TRAP 10, 1
    TRAP 11, 1
    TRAP 12, 1
    TRAP 13, 1
    TRAP 14, 1
    TRAP 15, 0
    TRAP 16, 0
    TRAP 17, 1
    TRAP 18, 0
    TRAP 19, 0
    TRAP 20, 0
    TRAP 21, 1
    TRAP 22, 0
    TRAP 23, 0
    TRAP 24, 0
    TRAP 25, 0
    TRAP 26, 0
    TRAP 27, 0
    TRAP 28, 0
    TRAP 29, 1
    TRAP 30, 1
    TRAP 31, 0

trap_common:
    pushq %rax
    pushq %rcx
    pushq %rdx
    pushq %rbx
    pushq %rbp
    pushq %rsi
    pushq %rdi
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld                             /* the C ABI assumes DF=0, the faulting code may not */
    movq %rsp, %rdi
    andq $-16, %rsp
    call harness_trap               /* does not return */
0:  cli
    hlt
    jmp 0b

/*
 * PIT interrupt (IRQ0, vector 32), on IST2 so that a kernel's red zone survives it. It only
 * counts down watchdog_ticks, which harness.c arms around each kernel call; at zero the kernel
 * is presumed hung and the tick becomes a trap (vector 32) that harness_trap reports with the
 * RIP it interrupted. Only rax is touched, so the interrupted kernel's vector state is intact.
 */
    .globl timer_irq
timer_irq:
    pushq %rax
    movb $0x20, %al
    outb %al, $0x20                 /* EOI first: a firing watchdog does not come back here */
    movq watchdog_ticks(%rip), %rax
    testq %rax, %rax
    jz 1f
    decq %rax
    movq %rax, watchdog_ticks(%rip)
    jz 2f
1:  popq %rax
    iretq
2:  popq %rax
    pushq $0
    pushq $32
    jmp trap_common

    .globl spurious_irq
spurious_irq:                       /* masked IRQs, spurious IRQ7/15: nothing to acknowledge */
    iretq

    .section .rodata
    .p2align 3
    .globl trap_stubs
trap_stubs:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad trap_\v
    .endr

/*
 * unsigned harness_try(void (*fn)(void *), void *arg)
 *   Calls fn(arg) and returns 0, unless harness_unwind(code) runs meanwhile (from the trap
 *   handler), in which case it returns code. Like setjmp/longjmp, but only the callee-saved
 *   registers and rsp need to survive: nothing else is live across the call.
 * void harness_unwind(unsigned code)   code != 0; only valid while a harness_try is active
 */
    .text
    .globl harness_try
harness_try:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp                   /* 16-byte alignment for the call */
    movq %rsp, try_rsp(%rip)
    movq %rdi, %rax
    movq %rsi, %rdi
    call *%rax
    xorl %eax, %eax
try_return:
    movq $0, try_rsp(%rip)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    ret

    .globl harness_unwind
harness_unwind:
    movq try_rsp(%rip), %rsp
    movl %edi, %eax
    jmp try_return

    .data                           /* writable: ltr marks the TSS descriptor busy */
    .p2align 3
gdt64:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: data */
    .globl gdt64_tss
gdt64_tss:                          /* 0x18: 64-bit TSS, filled in by harness.c */
    .quad 0, 0
gdt64_end:
gdt64_desc:
    .word gdt64_end - gdt64 - 1
    .long gdt64

    .bss
    .p2align 12
    .globl boot_pml4
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4096
    .p2align 4
    .globl try_rsp
try_rsp:    .skip 8
    .globl watchdog_ticks
watchdog_ticks: .skip 8
    /* harness.c unmaps the page below the stack, so an overflow faults (onto IST1). 128 KiB:
     * the default stack of a thread on musl libc, the smallest a pool thread may get. */
    .p2align 12
    .globl stack_guard
stack_guard:
    .skip 4096
    .skip 131072
    .globl stack_top
stack_top:
