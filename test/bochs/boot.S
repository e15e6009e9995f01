/*
 * boot.S - master boot record of the bare-metal kernel-check image (see README.md).
 *
 * The BIOS loads this sector at 0x7c00 and jumps to it in real mode with the boot drive in dl.
 * It copies the payload (the sectors after this one, KERNEL_SECTORS of them, given with
 * --defsym by scripts/bochs-check.sh) to 1 MiB, switches to 32-bit protected mode and jumps to
 * the payload's entry32 (entry.S), which does the rest of the way to long mode.
 *
 * Real mode can only write below 1 MiB, so each chunk is read with int 13h (LBA extensions)
 * into a bounce buffer and moved up with the BIOS block move, int 15h AH=87h. That keeps the
 * payload's size free of the 0x10000-0x9ffff hole and needs no unreal-mode tricks.
 *
 * On any BIOS error the sector prints one line on the port 0xe9 console and powers Bochs off
 * through its shutdown port, so a broken image fails fast instead of hanging until a timeout.
 */
#define LOAD_ADDR   0x100000
#define BOUNCE_SEG  0x1000        /* bounce buffer at 0x10000 */
#define CHUNK       64            /* sectors per read: 32 KiB, well inside one 64 KiB segment */

    .code16
    .text
    .globl _start
_start:
    ljmp $0, $normalized           /* some BIOSes enter at 07c0:0000 */
normalized:
    cli
    xorw %ax, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw $0x7c00, %sp
    sti
    cld
    movb %dl, drive

    /* A20: ask the BIOS, then also the fast gate, because either alone is not everywhere. */
    movw $0x2401, %ax
    int $0x15
    inb $0x92, %al
    orb $2, %al
    andb $0xfe, %al
    outb %al, $0x92

    movb $0x41, %ah                /* LBA extensions present? */
    movw $0x55aa, %bx
    movb drive, %dl
    int $0x13
    jc fail
    cmpw $0xaa55, %bx
    jne fail

load_loop:
    movw remaining, %ax
    testw %ax, %ax
    jz loaded
    movw $CHUNK, %cx
    cmpw %cx, %ax
    jae 1f
    movw %ax, %cx
1:  movw %cx, dap_count
    movb $0x42, %ah
    movb drive, %dl
    movw $dap, %si
    int $0x13
    jc fail

    /* int 15h/87h: es:si = descriptor table, cx = words; source/destination bases are 32-bit
     * values split over bytes 2-4 and 7 of their descriptors. */
    movl dest, %eax
    movw %ax, gdt87 + 0x18 + 2
    shrl $16, %eax
    movb %al, gdt87 + 0x18 + 4
    movb %ah, gdt87 + 0x18 + 7
    movw dap_count, %cx
    shlw $8, %cx
    movw $gdt87, %si
    movb $0x87, %ah
    int $0x15
    jc fail

    movzwl dap_count, %eax
    subw %ax, remaining
    addl %eax, dap_lba
    shll $9, %eax
    addl %eax, dest
    jmp load_loop

loaded:
    cli
    lgdt gdt_desc
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmp $0x08, $pm32

fail:
    movw $msg_fail, %si
    movw $0xe9, %dx
    call outs
    movw $msg_shutdown, %si
    movw $0x8900, %dx
    call outs
halt:
    cli
    hlt
    jmp halt

outs:                               /* write the string at ds:si to port dx */
    lodsb
    testb %al, %al
    jz 2f
    outb %al, %dx
    jmp outs
2:  ret

    .code32
pm32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movl $0x7c00, %esp
    movl $LOAD_ADDR, %eax
    jmp *%eax

    .p2align 3
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff       /* 0x08: flat 32-bit code */
    .quad 0x00cf92000000ffff       /* 0x10: flat data */
gdt_desc:
    .word gdt_desc - gdt - 1
    .long gdt

gdt87:                              /* descriptor table for int 15h/87h */
    .quad 0, 0
    .word 0xffff                    /* 0x10: source = bounce buffer */
    .byte 0x00, 0x00, 0x01, 0x93
    .word 0
    .word 0xffff                    /* 0x18: destination, base filled in per chunk */
    .byte 0, 0, 0, 0x93
    .word 0
    .quad 0, 0

dap:                                /* int 13h/42h disk address packet */
    .byte 16, 0
dap_count:
    .word 0
    .word 0, BOUNCE_SEG
dap_lba:
    .quad 1

dest:
    .long LOAD_ADDR
remaining:
    .word KERNEL_SECTORS
drive:
    .byte 0x80

msg_fail:
    .asciz "\nSIMDOT-BOCHS-BOOT-FAILED (BIOS disk read)\n"
msg_shutdown:
    .asciz "Shutdown"

    .org 510
    .byte 0x55, 0xaa
