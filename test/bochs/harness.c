/*
 * harness.c - the bare-metal runner for the kernel conformance check (test/native/check.c).
 *
 * The development machines and CI have no AVX-512, and qemu models none, so the AVX-512 VNNI
 * kernels are checked inside Bochs, which emulates them. There is no OS in there: this file is
 * the little of one that the check needs. entry.S hands over in long mode with SSE enabled;
 * from here we
 *   - replace the boot page tables: RAM identity-mapped, page 0 and everything past RAM left
 *     unmapped (a stray null or wild pointer faults), a guard page under the stack, and a
 *     window of guarded buffers that end on an unmapped page (over-reads fault);
 *   - install an IDT whose handlers report the vector, RIP and registers, and unwind to the
 *     runner, so a #UD or #PF in one tier is a reported failure, not a hang or a reboot;
 *   - turn on the AVX and AVX-512 state the way an OS does (CR4.OSXSAVE, XCR0 = what CPUID
 *     offers of x87|SSE|AVX|opmask|ZMM_Hi256|Hi16_ZMM), so CPUID.OSXSAVE and XGETBV read as
 *     they would under Linux;
 *   - print the CPU we actually run on, prove the harness itself works (a VNNI known answer,
 *     an expected #UD and #PF, AVX-512 masked-load fault suppression at a guard page), then run
 *     check_run() for each tier and print a DONE line that scripts/bochs-check.sh parses.
 * Everything is written to Bochs' port 0xe9 console, which Bochs copies to its stdout.
 */
#include <stddef.h>
#include <stdint.h>

#include "../native/check.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

/* ---------------------------------------------------------------- port i/o and printing -- */

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "d"(port)); }
static inline u8 inb(u16 port) {
  u8 v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "d"(port));
  return v;
}

static int at_line_start = 1;

static void put_char(char c) {
  outb(0xe9, (u8)c);
  at_line_start = (c == '\n');
}
static void put_str(const char *s) {
  while (*s) put_char(*s++);
}
static void put_dec(u64 v) {
  char buf[21];
  int i = 20;
  buf[i] = 0;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  put_str(buf + i);
}
static void put_hex(u64 v) {
  char buf[19];
  int i = 18;
  buf[i] = 0;
  do {
    buf[--i] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v);
  buf[--i] = 'x';
  buf[--i] = '0';
  put_str(buf + i);
}
/* check.c's print callback. Output stays byte-exact; the harness only remembers whether a line
 * is open, so that its own messages (an exception report) start on a fresh line. */
static void print_cb(const char *text) { put_str(text); }
static void newline_if_needed(void) {
  if (!at_line_start) put_char('\n');
}

/* Bochs' shutdown port: writing "Shutdown" ends the simulation at once, so the script need not
 * wait for its timeout or kill anything. The DONE line before it is what the script trusts. */
__attribute__((noreturn)) static void finish(unsigned rc) {
  newline_if_needed();
  put_str("SIMDOT-BOCHS-DONE rc=");
  put_dec(rc);
  put_char('\n');
  for (const char *s = "Shutdown"; *s; s++) outb(0x8900, (u8)*s);
  for (;;) __asm__ volatile("cli; hlt");
}

/* gcc may emit calls to these even with -ffreestanding; weak so check.c may bring its own. */
__attribute__((weak)) void *memset(void *d, int c, size_t n) {
  u8 *p = d;
  while (n--) *p++ = (u8)c;
  return d;
}
__attribute__((weak)) void *memcpy(void *d, const void *s, size_t n) {
  u8 *p = d;
  const u8 *q = s;
  while (n--) *p++ = *q++;
  return d;
}
__attribute__((weak)) void *memmove(void *d, const void *s, size_t n) {
  u8 *p = d;
  const u8 *q = s;
  if (p < q) {
    while (n--) *p++ = *q++;
  } else {
    while (n--) p[n] = q[n];
  }
  return d;
}
__attribute__((weak)) int memcmp(const void *a, const void *b, size_t n) {
  const u8 *p = a, *q = b;
  for (; n; n--, p++, q++)
    if (*p != *q) return *p < *q ? -1 : 1;
  return 0;
}

/* ------------------------------------------------------------------------------- CPU ---- */

static inline void cpuid(u32 leaf, u32 sub, u32 r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline u64 xgetbv(u32 index) {
  u32 lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
  return ((u64)hi << 32) | lo;
}
static inline void xsetbv(u32 index, u64 v) {
  __asm__ volatile("xsetbv" : : "c"(index), "a"((u32)v), "d"((u32)(v >> 32)));
}
static inline u64 read_cr2(void) {
  u64 v;
  __asm__ volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}
static inline u64 read_cr4(void) {
  u64 v;
  __asm__ volatile("mov %%cr4, %0" : "=r"(v));
  return v;
}
static inline void write_cr4(u64 v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline void write_cr3(u64 v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }

#define CR4_OSXSAVE (1ull << 18)
#define XCR0_X87 0x01u
#define XCR0_SSE 0x02u
#define XCR0_AVX 0x04u
#define XCR0_OPMASK 0x20u
#define XCR0_ZMM_HI256 0x40u
#define XCR0_HI16_ZMM 0x80u
#define XCR0_AVX512 (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)

static struct {
  char vendor[13];
  char brand[49];
  u32 family, model, stepping;
  int xsave, osxsave, avx, fma, avx2, avx512f, avx512dq, avx512bw, avx512vl, avx512vnni;
  u64 xcr0_supported, xcr0;
} cpu;

static void cpu_read(void) {
  u32 r[4];
  cpuid(0, 0, r);
  u32 max_leaf = r[0];
  ((u32 *)cpu.vendor)[0] = r[1];
  ((u32 *)cpu.vendor)[1] = r[3];
  ((u32 *)cpu.vendor)[2] = r[2];
  cpu.vendor[12] = 0;

  cpuid(1, 0, r);
  cpu.stepping = r[0] & 15;
  cpu.model = ((r[0] >> 4) & 15) | (((r[0] >> 16) & 15) << 4);
  cpu.family = ((r[0] >> 8) & 15) + ((r[0] >> 20) & 255);
  cpu.fma = (r[2] >> 12) & 1;
  cpu.xsave = (r[2] >> 26) & 1;
  cpu.osxsave = (r[2] >> 27) & 1;
  cpu.avx = (r[2] >> 28) & 1;

  if (max_leaf >= 7) {
    cpuid(7, 0, r);
    cpu.avx2 = (r[1] >> 5) & 1;
    cpu.avx512f = (r[1] >> 16) & 1;
    cpu.avx512dq = (r[1] >> 17) & 1;
    cpu.avx512bw = (r[1] >> 30) & 1;
    cpu.avx512vl = (r[1] >> 31) & 1;
    cpu.avx512vnni = (r[2] >> 11) & 1;
  }
  if (max_leaf >= 13 && cpu.xsave) {
    cpuid(13, 0, r);
    cpu.xcr0_supported = ((u64)r[3] << 32) | r[0];
  }
  cpuid(0x80000000u, 0, r);
  if (r[0] >= 0x80000004u) {
    for (u32 i = 0; i < 3; i++) cpuid(0x80000002u + i, 0, (u32 *)cpu.brand + 4 * i);
    cpu.brand[48] = 0;
  }
  cpu.xcr0 = cpu.osxsave ? xgetbv(0) : 0;
}

/* What an OS does at boot: enable XSAVE, then every state component of the set below that the
 * CPU offers, obeying the architectural rules (AVX needs SSE; the three AVX-512 components go
 * together and need AVX). Afterwards CPUID.1:ECX.OSXSAVE must read 1 and XGETBV must echo XCR0,
 * or the kernels' dispatch logic would see something no real OS shows. */
static int cpu_enable_state(void) {
  if (!cpu.xsave) {
    put_str("cpu: no XSAVE; AVX state stays disabled\n");
    return 0;
  }
  write_cr4(read_cr4() | CR4_OSXSAVE);
  u64 want = XCR0_X87 | XCR0_SSE;
  if ((cpu.xcr0_supported & XCR0_AVX) && cpu.avx) {
    want |= XCR0_AVX;
    if ((cpu.xcr0_supported & XCR0_AVX512) == XCR0_AVX512) want |= XCR0_AVX512;
  }
  xsetbv(0, want);
  cpu_read();
  if (!cpu.osxsave || cpu.xcr0 != want) {
    put_str("cpu: XCR0 did not take: wanted ");
    put_hex(want);
    put_str(", XGETBV reads ");
    put_hex(cpu.xcr0);
    put_str(cpu.osxsave ? "\n" : ", CPUID.OSXSAVE is 0\n");
    return 1;
  }
  return 0;
}

/* The same tests the addon's detection makes (DESIGN.md section 4). */
static int have_avx2(void) {
  return cpu.avx2 && cpu.fma && cpu.osxsave && (cpu.xcr0 & (XCR0_SSE | XCR0_AVX)) == (XCR0_SSE | XCR0_AVX);
}
static int have_avx512vnni(void) {
  const u64 need = XCR0_SSE | XCR0_AVX | XCR0_AVX512;
  return cpu.avx512f && cpu.avx512bw && cpu.avx512vl && cpu.avx512vnni && cpu.osxsave &&
         (cpu.xcr0 & need) == need;
}

static void cpu_report(void) {
  const char *b = cpu.brand;
  while (*b == ' ') b++;
  put_str("cpu: ");
  put_str(cpu.vendor);
  put_str(" family ");
  put_dec(cpu.family);
  put_str(" model ");
  put_dec(cpu.model);
  put_str(" stepping ");
  put_dec(cpu.stepping);
  if (*b) {
    put_str(" \"");
    put_str(b);
    put_str("\"");
  }
  put_str("\ncpu: avx2=");
  put_dec((u64)cpu.avx2);
  put_str(" fma=");
  put_dec((u64)cpu.fma);
  put_str(" avx512f=");
  put_dec((u64)cpu.avx512f);
  put_str(" avx512bw=");
  put_dec((u64)cpu.avx512bw);
  put_str(" avx512vl=");
  put_dec((u64)cpu.avx512vl);
  put_str(" avx512vnni=");
  put_dec((u64)cpu.avx512vnni);
  put_str(" osxsave=");
  put_dec((u64)cpu.osxsave);
  put_str(" xcr0=");
  put_hex(cpu.xcr0);
  put_str(" (supported ");
  put_hex(cpu.xcr0_supported);
  put_str(")\n");
}

/* ----------------------------------------------------------------------------- paging ---- */

#define PAGE 4096ull
#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define GUARD_WINDOW (1ull << 30) /* virtual 1 GiB..2 GiB: guarded buffers only */

extern char __bss_end[], stack_guard[];

static u64 pml4[512] __attribute__((aligned(4096)));
static u64 pdpt[512] __attribute__((aligned(4096)));
static u64 pd_ram[512] __attribute__((aligned(4096)));   /* identity map, 0..1 GiB */
static u64 pd_guard[512] __attribute__((aligned(4096))); /* the guard window */
static u64 pt_pool[64][512] __attribute__((aligned(4096)));
static unsigned pt_used;
static u64 ram_bytes, phys_next, phys_limit;
static u64 guard_next = GUARD_WINDOW + PAGE, guard_phys_mark;

static inline void invlpg(u64 va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }

/* The 4 KiB PTE for va, splitting a 2 MiB page (same mapping, finer grain) if needed. */
static u64 *pte_for(u64 va) {
  u64 *dir = va < GUARD_WINDOW ? pd_ram : pd_guard;
  u64 *pde = &dir[(va >> 21) & 511];
  if (!(*pde & PTE_P) || (*pde & PTE_PS)) {
    if (pt_used == sizeof pt_pool / sizeof pt_pool[0]) return 0;
    u64 *pt = pt_pool[pt_used++];
    u64 base = *pde & PTE_ADDR & ~0x1fffffull;
    for (unsigned i = 0; i < 512; i++) pt[i] = (*pde & PTE_P) ? (base + i * PAGE) | PTE_P | PTE_W : 0;
    *pde = (u64)(uintptr_t)pt | PTE_P | PTE_W;
    write_cr3((u64)(uintptr_t)pml4);
  }
  return &((u64 *)(uintptr_t)(*pde & PTE_ADDR))[(va >> 12) & 511];
}

static void unmap(u64 va) {
  u64 *pte = pte_for(va);
  if (pte) *pte = 0;
  invlpg(va);
}

/* RAM size as the Bochs BIOS leaves it in CMOS: 0x34/0x35 count 64 KiB above 16 MiB,
 * 0x30/0x31 count KiB above 1 MiB. */
static u64 cmos_ram_bytes(void) {
  u64 above16, above1;
  outb(0x70, 0x34);
  above16 = inb(0x71);
  outb(0x70, 0x35);
  above16 |= (u64)inb(0x71) << 8;
  if (above16) return (16ull << 20) + (above16 << 16);
  outb(0x70, 0x30);
  above1 = inb(0x71);
  outb(0x70, 0x31);
  above1 |= (u64)inb(0x71) << 8;
  return (1ull << 20) + (above1 << 10);
}

static void paging_init(void) {
  ram_bytes = cmos_ram_bytes();
  if (ram_bytes > GUARD_WINDOW) ram_bytes = GUARD_WINDOW;
  pml4[0] = (u64)(uintptr_t)pdpt | PTE_P | PTE_W;
  pdpt[0] = (u64)(uintptr_t)pd_ram | PTE_P | PTE_W;
  pdpt[1] = (u64)(uintptr_t)pd_guard | PTE_P | PTE_W;
  for (u64 a = 0; a + (2ull << 20) <= ram_bytes; a += 2ull << 20) pd_ram[a >> 21] = a | PTE_P | PTE_W | PTE_PS;
  write_cr3((u64)(uintptr_t)pml4);
  for (u64 a = ram_bytes & ~((2ull << 20) - 1); a < ram_bytes; a += PAGE) {
    u64 *pte = pte_for(a);
    if (pte) *pte = a | PTE_P | PTE_W;
  }
  unmap(0);                           /* null pointers fault */
  unmap((u64)(uintptr_t)stack_guard); /* so does running off the stack */
  phys_next = ((u64)(uintptr_t)__bss_end + PAGE - 1) & ~(PAGE - 1);
  guard_phys_mark = phys_next;
  phys_limit = ram_bytes;
}

/* Guarded buffers: n bytes that end exactly where an unmapped page begins, with another
 * unmapped page before them. An access past the end (or far enough before the start) is a #PF
 * whose CR2 points into a guard. Backed by RAM above the image; virtual addresses in the guard
 * window, so no identity-mapped memory is ever unmapped for it. n = 0 gives a pointer at the
 * start of an unmapped page: any read through it faults. */

static void *guard_alloc(size_t n) {
  u64 pages = (n + PAGE - 1) / PAGE;
  if (guard_next + (pages + 1) * PAGE > 2 * GUARD_WINDOW || phys_next + pages * PAGE > phys_limit) return 0;
  u64 va = guard_next;
  for (u64 i = 0; i < pages; i++) {
    u64 *pte = pte_for(va + i * PAGE);
    if (!pte) return 0;
    *pte = (phys_next + i * PAGE) | PTE_P | PTE_W;
    invlpg(va + i * PAGE);
  }
  phys_next += pages * PAGE;
  guard_next += (pages + 1) * PAGE;
  return (void *)(uintptr_t)(va + pages * PAGE - n);
}

static void guard_reset(void) {
  for (u64 va = GUARD_WINDOW + PAGE; va < guard_next; va += PAGE) {
    u64 *pte = pte_for(va);
    if (pte) *pte = 0;
  }
  write_cr3((u64)(uintptr_t)pml4);
  guard_next = GUARD_WINDOW + PAGE;
  phys_next = guard_phys_mark;
}

/* Called from the trap handler, so it only looks: no page-table changes in there. */
static int in_guard_page(u64 addr) {
  if (addr < GUARD_WINDOW || addr >= guard_next) return 0;
  u64 pde = pd_guard[(addr >> 21) & 511];
  if (!(pde & PTE_P)) return 1;
  return !(((u64 *)(uintptr_t)(pde & PTE_ADDR))[(addr >> 12) & 511] & PTE_P);
}

/* ------------------------------------------------------------------- IDT, TSS, traps ---- */

struct idt_gate {
  u16 off0, sel;
  u8 ist, type;
  u16 off1;
  u32 off2, zero;
} __attribute__((packed));

struct tss64 {
  u32 reserved0;
  u64 rsp[3];
  u64 reserved1;
  u64 ist[7];
  u64 reserved2;
  u16 reserved3, iomap;
} __attribute__((packed));

struct trap_frame {
  u64 r15, r14, r13, r12, r11, r10, r9, r8, rdi, rsi, rbp, rbx, rdx, rcx, rax;
  u64 vector, error, rip, cs, rflags, rsp, ss;
};

extern void *const trap_stubs[32];
extern char timer_irq[], spurious_irq[];
extern u64 gdt64_tss[2];
extern u64 try_rsp;
extern volatile u64 watchdog_ticks;
unsigned harness_try(void (*fn)(void *), void *arg);
__attribute__((noreturn)) void harness_unwind(unsigned code);
void harness_trap(struct trap_frame *f);

#define VECTOR_WATCHDOG 32
static struct idt_gate idt[48] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static u8 ist1_stack[32768] __attribute__((aligned(16)));
static u8 ist2_stack[8192] __attribute__((aligned(16)));

static void set_gate(unsigned v, const void *handler, u8 ist) {
  u64 a = (u64)(uintptr_t)handler;
  idt[v].off0 = (u16)a;
  idt[v].sel = 0x08;
  idt[v].ist = ist;
  idt[v].type = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
  idt[v].off1 = (u16)(a >> 16);
  idt[v].off2 = (u32)(a >> 32);
  idt[v].zero = 0;
}

static void traps_init(void) {
  for (unsigned v = 0; v < 32; v++) set_gate(v, trap_stubs[v], 1);
  set_gate(32, timer_irq, 2);
  for (unsigned v = 33; v < 48; v++) set_gate(v, spurious_irq, 2);
  tss.ist[0] = (u64)(uintptr_t)(ist1_stack + sizeof ist1_stack);
  tss.ist[1] = (u64)(uintptr_t)(ist2_stack + sizeof ist2_stack);
  tss.iomap = sizeof tss;
  u64 base = (u64)(uintptr_t)&tss, limit = sizeof tss - 1;
  gdt64_tss[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 15) << 48) |
                 (((base >> 24) & 0xff) << 56);
  gdt64_tss[1] = base >> 32;
  __asm__ volatile("ltr %w0" : : "r"(0x18));
  struct {
    u16 limit;
    u64 base;
  } __attribute__((packed)) idtr = {sizeof idt - 1, (u64)(uintptr_t)idt};
  __asm__ volatile("lidt %0" : : "m"(idtr));
}

/* The watchdog's clock: the legacy PIC remapped past the exception vectors with only IRQ0
 * unmasked, and the PIT at 100 Hz of Bochs' emulated time (cpu: ips in the bochsrc). Interrupts
 * are enabled only while a tier runs. */
/* With the bochsrc's ips=100000000 an emulated second is 10^8 instructions; the longest kernel
 * call of the check takes about 10^6, so 5 s means hung, and takes some 20-40 s of real time. */
#define WATCHDOG_HZ 100
#define WATCHDOG_SECONDS 5
static void timer_init(void) {
  static const u8 init[][2] = {{0x20, 0x11}, {0xa0, 0x11}, {0x21, 0x20}, {0xa1, 0x28}, {0x21, 0x04},
                               {0xa1, 0x02}, {0x21, 0x01}, {0xa1, 0x01}, {0x21, 0xfe}, {0xa1, 0xff}};
  for (unsigned i = 0; i < sizeof init / sizeof init[0]; i++) outb(init[i][0], init[i][1]);
  u32 divisor = 1193182 / WATCHDOG_HZ;
  outb(0x43, 0x34); /* channel 0, lobyte/hibyte, rate generator */
  outb(0x40, (u8)divisor);
  outb(0x40, (u8)(divisor >> 8));
}

static const char *const vector_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
    "#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
    "#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check", "#MC machine check",
    "#XM SIMD floating point", "#VE virtualization", "#CP control protection", "reserved 22",
    "reserved 23", "reserved 24", "reserved 25", "reserved 26", "reserved 27", "reserved 28",
    "reserved 29", "reserved 30", "reserved 31"};

static const char *vector_name(u64 v) {
  return v < 32 ? vector_names[v] : v == VECTOR_WATCHDOG ? "watchdog (a kernel call did not return)" : "?";
}

static const char *current_context = "harness";

/* The kernel call in progress, set by the wrappers check_run calls instead of the kernels, so
 * that a trap or a hang names the operation and its arguments, not just an address. */
static const check_tier *under_test;
static struct {
  const char *op;
  const void *a, *b;
  void *out;
  u64 n, nrows, esz;
} call;

static void call_begin(const char *op, const void *a, const void *b, u64 n, u64 nrows, void *out, u64 esz) {
  call.op = op;
  call.a = a;
  call.b = b;
  call.n = n;
  call.nrows = nrows;
  call.out = out;
  call.esz = esz;
  watchdog_ticks = WATCHDOG_SECONDS * WATCHDOG_HZ;
}
static void call_end(void) {
  watchdog_ticks = 0;
  call.op = 0;
}

static int32_t wrap_dot_i8(const int8_t *a, const int8_t *b, size_t n) {
  call_begin("dot_i8", a, b, n, 0, 0, 1);
  int32_t r = under_test->dot_i8(a, b, n);
  call_end();
  return r;
}
static float wrap_dot_f32(const float *a, const float *b, size_t n) {
  call_begin("dot_f32", a, b, n, 0, 0, 4);
  float r = under_test->dot_f32(a, b, n);
  call_end();
  return r;
}
static void wrap_dots_i8(const int8_t *q, const int8_t *rows, size_t dim, size_t nrows, int32_t *out) {
  call_begin("dots_i8", q, rows, dim, nrows, out, 1);
  under_test->dots_i8(q, rows, dim, nrows, out);
  call_end();
}
static void wrap_dots_f32(const float *q, const float *rows, size_t dim, size_t nrows, float *out) {
  call_begin("dots_f32", q, rows, dim, nrows, out, 4);
  under_test->dots_f32(q, rows, dim, nrows, out);
  call_end();
}

/* Where addr lies relative to one of the call's buffers, if within a page of it. */
static int describe_near(u64 addr, const char *name, const void *p, u64 bytes) {
  u64 start = (u64)(uintptr_t)p, end = start + bytes;
  if (addr >= end && addr < end + PAGE) {
    put_str(" = ");
    put_str(name);
    put_str(" + ");
    put_dec(bytes);
    put_str(" (its size) + ");
    put_dec(addr - end);
    put_str(": a read or write past its end");
    return 1;
  }
  if (addr < start && addr + PAGE >= start) {
    put_str(" = ");
    put_str(name);
    put_str(" - ");
    put_dec(start - addr);
    put_str(": before its start");
    return 1;
  }
  return 0;
}

static void report_call(u64 cr2, int is_pf) {
  if (!call.op) {
    put_str("\n  not inside a kernel call (in the check or the harness)");
    return;
  }
  int dots = call.op[3] == 's';
  put_str("\n  during ");
  put_str(under_test->name);
  put_char(' ');
  put_str(call.op);
  put_str(dots ? "(q=" : "(a=");
  put_hex((u64)(uintptr_t)call.a);
  put_str(dots ? ", rows=" : ", b=");
  put_hex((u64)(uintptr_t)call.b);
  put_str(dots ? ", dim=" : ", n=");
  put_dec(call.n);
  if (dots) {
    put_str(", nrows=");
    put_dec(call.nrows);
    put_str(", out=");
    put_hex((u64)(uintptr_t)call.out);
  }
  put_char(')');
  if (!is_pf) return;
  put_str("\n  fault address");
  if (dots) {
    if (describe_near(cr2, "q", call.a, call.n * call.esz) ||
        describe_near(cr2, "rows", call.b, call.n * call.nrows * call.esz) ||
        describe_near(cr2, "out", call.out, call.nrows * 4))
      return;
  } else if (describe_near(cr2, "a", call.a, call.n * call.esz) ||
             describe_near(cr2, "b", call.b, call.n * call.esz)) {
    return;
  }
  put_str(" is not next to any of its buffers");
}
static volatile int in_trap;
static struct {
  int armed;
  u64 vector, rip, cr2;
} expected_trap;

static void put_reg(const char *name, u64 v) {
  put_str(name);
  put_hex(v);
}

void harness_trap(struct trap_frame *f) {
  u64 cr2 = read_cr2();
  if (in_trap) {
    newline_if_needed();
    put_str("EXCEPTION inside the exception handler: vector ");
    put_dec(f->vector);
    put_reg(" rip=", f->rip);
    put_char('\n');
    finish(1);
  }
  in_trap = 1;
  if (expected_trap.armed && try_rsp) {
    expected_trap.armed = 0;
    expected_trap.vector = f->vector;
    expected_trap.rip = f->rip;
    expected_trap.cr2 = cr2;
    in_trap = 0;
    harness_unwind((unsigned)f->vector + 1);
  }
  newline_if_needed();
  if (f->vector == VECTOR_WATCHDOG) {
    put_str("WATCHDOG: no return from a kernel call after ");
    put_dec(WATCHDOG_SECONDS);
    put_str(" s of emulated time, in ");
  } else {
    put_str("EXCEPTION ");
    put_str(vector_name(f->vector));
    put_str(" (vector ");
    put_dec(f->vector);
    put_str(") in ");
  }
  put_str(current_context);
  put_reg(": rip=", f->rip);
  if (f->vector != VECTOR_WATCHDOG) put_reg(" error=", f->error);
  if (f->vector == 14) {
    put_reg(" cr2=", cr2);
    if (in_guard_page(cr2)) put_str(" (a guard page: read or write outside the buffer)");
    else if (cr2 < PAGE) put_str(" (null page)");
    else if (cr2 >= ram_bytes && cr2 < GUARD_WINDOW) put_str(" (beyond RAM)");
  }
  if (under_test) report_call(cr2, f->vector == 14);
  put_str("\n  rax="); put_hex(f->rax); put_reg(" rbx=", f->rbx); put_reg(" rcx=", f->rcx);
  put_reg(" rdx=", f->rdx); put_reg(" rsi=", f->rsi); put_reg(" rdi=", f->rdi);
  put_str("\n  rbp="); put_hex(f->rbp); put_reg(" rsp=", f->rsp); put_reg(" r8=", f->r8);
  put_reg(" r9=", f->r9); put_reg(" r10=", f->r10); put_reg(" r11=", f->r11);
  put_str("\n  r12="); put_hex(f->r12); put_reg(" r13=", f->r13); put_reg(" r14=", f->r14);
  put_reg(" r15=", f->r15); put_reg(" rflags=", f->rflags);
  put_char('\n');
  in_trap = 0;
  call_end();
  if (try_rsp) harness_unwind((unsigned)f->vector + 1);
  finish(1);
}

/* --------------------------------------------------------------- harness self-test ---- */

/* Each probe runs under harness_try with a trap expected (or not); a probe that is not
 * applicable on this CPU is skipped, a wrong outcome is a harness failure. */

static void probe_ud(void *arg) {
  (void)arg;
  __asm__ volatile(".globl probe_ud_at\nprobe_ud_at: ud2");
}
extern char probe_ud_at[];

static void probe_read(void *arg) {
  volatile const u8 *p = arg;
  (void)*p;
}

static void probe_vnni(void *arg) {
  /* VPDPBUSD of u8 255 with s8 -1, four products per dword: every lane must be -1020. */
  int32_t *out = arg;
  __asm__ volatile(
      "vpternlogd $0xff, %%zmm1, %%zmm1, %%zmm1\n\t"
      "vpxord %%zmm0, %%zmm0, %%zmm0\n\t"
      "vpdpbusd %%zmm1, %%zmm1, %%zmm0\n\t"
      "vmovdqu32 %%zmm0, (%0)\n\t"
      "vzeroupper"
      :
      : "r"(out)
      : "xmm0", "xmm1", "memory");
}

/* 40 bytes that end at a guard page, loaded as 64 with a 40-bit mask: masked-off lanes must not
 * fault (the kernels' AVX-512 tails rely on it), and this guard-page method relies on Bochs
 * getting it right. */
static void probe_masked_load(void *arg) {
  const u8 *p = arg;
  u64 mask = (1ull << 40) - 1;
  __asm__ volatile(
      "kmovq %1, %%k1\n\t"
      "vmovdqu8 (%0), %%zmm0%{%%k1%}%{z%}\n\t"
      "vzeroupper"
      :
      : "r"(p), "r"(mask)
      : "xmm0", "memory"); /* k1 too, but gcc cannot name it at baseline ISA and never uses it */
}
static void probe_unmasked_load(void *arg) {
  __asm__ volatile("vmovdqu8 (%0), %%zmm0\n\tvzeroupper" : : "r"(arg) : "xmm0", "memory");
}

static unsigned selftest_failures;

static void selftest_result(const char *what, int ok, const char *detail) {
  put_str("harness self-test: ");
  put_str(what);
  put_str(ok ? ": ok" : ": FAILED");
  if (detail) {
    put_str(" (");
    put_str(detail);
    put_char(')');
  }
  put_char('\n');
  if (!ok) selftest_failures++;
}

/* Runs fn(arg) expecting vector (or none, for vector < 0); checks RIP or CR2 when given. */
static int expect(void (*fn)(void *), void *arg, int vector, u64 rip, u64 cr2) {
  current_context = "harness self-test";
  expected_trap.armed = vector >= 0;
  unsigned code = harness_try(fn, arg);
  expected_trap.armed = 0;
  current_context = "harness";
  if (vector < 0) return code == 0;
  if (code != (unsigned)vector + 1) return 0;
  if (rip && expected_trap.rip != rip) return 0;
  if (cr2 && expected_trap.cr2 != cr2) return 0;
  return 1;
}

static void selftest(void) {
  selftest_result("ud2 is caught as #UD at its RIP", expect(probe_ud, 0, 6, (u64)(uintptr_t)probe_ud_at, 0), 0);

  u8 *buf = guard_alloc(40);
  if (!buf) {
    selftest_result("guard page", 0, "guard_alloc failed");
    return;
  }
  buf[39] = 1;
  selftest_result("last byte of a guarded buffer reads", expect(probe_read, buf + 39, -1, 0, 0), 0);
  selftest_result("first byte past it is #PF with CR2 there",
                  expect(probe_read, buf + 40, 14, 0, (u64)(uintptr_t)(buf + 40)), 0);
  selftest_result("null pointer read is #PF", expect(probe_read, (void *)8, 14, 0, 8), 0);

  if (!have_avx512vnni()) {
    selftest_result("AVX-512 probes", 1, "skipped: no AVX-512 VNNI on this CPU");
    return;
  }
  static int32_t lanes[16];
  int ok = expect(probe_vnni, lanes, -1, 0, 0);
  for (int i = 0; i < 16; i++) ok = ok && lanes[i] == -1020;
  selftest_result("VPDPBUSD known answer", ok, 0);
  selftest_result("masked 64-byte load of 40 bytes before a guard page does not fault",
                  expect(probe_masked_load, buf, -1, 0, 0), 0);
  selftest_result("unmasked 64-byte load there is #PF", expect(probe_unmasked_load, buf, 14, 0, 0), 0);
}

/* ----------------------------------------------------------------------- the tiers ---- */

struct tier_run {
  const check_tier *tier;
  unsigned passed, failed;
};

static void run_tier(void *arg) {
  struct tier_run *r = arg;
  const check_tier wrapped = {r->tier->name,      wrap_dot_i8,         wrap_dot_f32,
                              wrap_dots_i8,        wrap_dots_f32,       r->tier->dotsq_i8,
                              r->tier->dotsq_f32,  r->tier->hamming,    r->tier->hammings,
                              r->tier->hammingsq};
  under_test = r->tier;
  __asm__ volatile("sti");
  r->failed = check_run(&wrapped, print_cb, &r->passed);
  __asm__ volatile("cli");
}

/* The check's guard hook: our unmapped-page buffers (see guard_alloc). */
static void *guard_alloc_hook(size_t n) { return guard_alloc(n); }
static const check_guard guard_hook = {.alloc = guard_alloc_hook, .reset = guard_reset, .page = PAGE};

/* The addon's own detection (native/cpu_x86_64.cc through detect.cc): the tier bits it returns
 * (1 << SIMDOT_TIER_x) under the OS states below, which the harness sets itself. A CPU whose
 * CPUID reports AVX-512 (or AVX2) while the OS has not enabled the register state must not get
 * that tier; with CR4.OSXSAVE clear, XGETBV itself raises #UD, so the detection must not even
 * execute it. Returns the number of disagreements. */
unsigned bochs_detect_tiers(void);
static unsigned detected;
static void detect_probe(void *arg) {
  (void)arg;
  detected = bochs_detect_tiers();
}
static unsigned detect_check(void) {
  const unsigned scalar = 1u << SIMDOT_TIER_scalar, avx2 = 1u << SIMDOT_TIER_avx2,
                 vnni = 1u << SIMDOT_TIER_avx512vnni;
  const int cpu_avx2 = cpu.avx2 && cpu.fma && cpu.avx;
  const int cpu_vnni = cpu_avx2 && cpu.avx512f && cpu.avx512bw && cpu.avx512vl && cpu.avx512vnni;
  const u64 full = cpu.xcr0;
  const struct {
    const char *state;
    int osxsave;
    u64 xcr0;
    unsigned want;
  } states[] = {
      {"AVX and AVX-512 state enabled", 1, full,
       scalar | (have_avx2() ? avx2 : 0) | (have_avx512vnni() ? vnni : 0)},
      {"AVX state enabled, AVX-512 state not", 1, XCR0_X87 | XCR0_SSE | XCR0_AVX, scalar | (cpu_avx2 ? avx2 : 0)},
      {"SSE state only", 1, XCR0_X87 | XCR0_SSE, scalar},
      {"OSXSAVE off (XGETBV would fault)", 0, 0, scalar},
  };
  unsigned failures = 0;
  for (unsigned i = 0; i < sizeof states / sizeof states[0]; i++) {
    if (states[i].osxsave) {
      write_cr4(read_cr4() | CR4_OSXSAVE);
      xsetbv(0, states[i].xcr0);
    } else {
      write_cr4(read_cr4() & ~(u64)CR4_OSXSAVE);
    }
    detected = ~0u;
    current_context = "detection";
    const unsigned code = harness_try(detect_probe, 0);
    current_context = "harness";
    const int ok = code == 0 && detected == states[i].want;
    put_str(ok ? "detection ok: " : "detection FAILED: ");
    put_str(states[i].state);
    put_str(": tiers ");
    put_hex(code ? 0 : detected);
    if (code) {
      put_str(", trapped with ");
      put_str(vector_name(code - 1));
    }
    put_str(", expected ");
    put_hex(states[i].want);
    put_str("\n");
    failures += !ok;
  }
  (void)cpu_vnni;
  /* Back to what the kernels run under. */
  write_cr4(read_cr4() | CR4_OSXSAVE);
  xsetbv(0, full);
  cpu_read();
  return failures;
}

void harness_main(void);
void harness_main(void) {
  unsigned rc = 0;
  put_str("\nSIMDOT-BOCHS-BEGIN bare-metal kernel checks\n");
  traps_init();
  paging_init();
  cpu_read();
  rc += (unsigned)cpu_enable_state();
  cpu_report();
  put_str("memory: ");
  put_dec(ram_bytes >> 20);
  put_str(" MiB identity-mapped; page 0, the page under the stack and guard pages unmapped\n");

  selftest();
  rc += selftest_failures;
  rc += detect_check();
  guard_phys_mark = phys_next;
  guard_reset();
  timer_init();
  check_set_guard(&guard_hook);

  /* The tiers and their kernels as the addon chooses them (native/table.c) on this CPU as the
   * addon detects it (checked against the harness's own reading above): scalar first, then the
   * x86-64 ladder, best first. */
  const uint32_t features = simdot_detect_cpu_features();
  const uint32_t supported = simdot_supported_tiers(features);
  struct {
    check_tier tier;
    int supported;
    char kernels[160];
  } plan[SIMDOT_TIER_COUNT];
  simdot_tier order[SIMDOT_TIER_COUNT];
  unsigned nplan = 0;
  order[nplan++] = SIMDOT_TIER_scalar;
  for (int t = 0; t < SIMDOT_TIER_COUNT; t++) {
    if (simdot_tier_arch((simdot_tier)t) == SIMDOT_ARCH_x86_64) order[nplan++] = (simdot_tier)t;
  }
  for (unsigned i = 0; i < nplan; i++) {
    plan[i].tier = check_tier_for(order[i], features, plan[i].kernels, sizeof plan[i].kernels);
    plan[i].supported = (supported >> order[i]) & 1;
  }
  unsigned total_passed = 0, total_failed = 0;
  for (unsigned i = 0; i < nplan; i++) {
    const char *name = plan[i].tier.name;
    if (!plan[i].supported) {
      put_str("tier ");
      put_str(name);
      put_str(": SKIPPED, this CPU or its XCR0 lacks it\n");
      continue;
    }
    put_str("tier ");
    put_str(name);
    put_str(": running (");
    put_str(plan[i].kernels);
    put_str(")\n");
    struct tier_run r = {&plan[i].tier, 0, 0};
    current_context = name;
    unsigned code = harness_try(run_tier, &r);
    __asm__ volatile("cli");
    current_context = "harness";
    under_test = 0;
    guard_reset();
    if (code) {
      newline_if_needed();
      put_str("tier ");
      put_str(name);
      put_str(": CRASHED with ");
      put_str(vector_name(code - 1));
      put_str("; its remaining checks did not run\n");
      rc++;
      total_failed++;
      continue;
    }
    newline_if_needed();
    total_passed += r.passed;
    total_failed += r.failed;
    rc += r.failed;
  }
  put_str(check_guard_used() ? "guard pages: inputs and outputs were placed flush against unmapped pages\n"
                              : "guard pages: NOT used by the check (over-reads could not fault)\n");
  put_str("total: ");
  put_dec(total_passed);
  put_str(" passed, ");
  put_dec(total_failed);
  put_str(" failed\n");
  finish(rc);
}
