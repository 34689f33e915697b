/*
 * vecstate: what user-mode register state a guest kernel fails to switch between processes.
 *
 * A static program without libc (so that glibc's own choice of vector code cannot hide or cause
 * anything), built by jvmm's boot test and put into a test initramfs:
 *     gcc -O1 -static -nostdlib -mgeneral-regs-only -fno-stack-protector -o vecstate vecstate.c
 * The test, inside the guest:
 *     vecstate vec 400 & vecstate vec 400; wait      two processes, each holding its own pattern
 *     vecstate pkru-switch 200 & vecstate pkru-switch 200; wait      the same for PKRU
 *     vecstate gsbase-switch 200 & vecstate gsbase-switch 200; wait  ... and the GS base (WRGSBASE)
 *     vecstate state | aux | rdpid | tables | pkru | fsbase          one line each about other native
 *                                                                     user-mode state
 *
 * "vec N": up to N rounds of  load pattern -> sched_yield() -> read back -> compare, for
 *   - ymm1, whose low half (xmm1) the FXSAVE image covers and whose high half it does not
 *     (the low half is the control: a kernel that switches FXSAVE state never leaks it);
 *   - zmm17, which exists only with AVX-512 and is outside FXSAVE entirely;
 *   - the opmask register k1 (AVX-512).
 * "vec-raw N" does the same whenever CPUID lists AVX, even where OSXSAVE says the OS has not enabled
 * it (the instructions then fault with SIGILL, or run natively with the host's state enabled).
 * It prints "vecstate vec pid=P rounds=R ymm_lo=A ymm_hi=B zmm=C k=D avx=E avx512=F", where A..D
 * count rounds in which the register came back changed, and -1 means "not available here".
 *
 * Compiled with -mgeneral-regs-only: the compiler itself never touches a vector register, so
 * only the inline assembly below does.
 */

typedef unsigned long u64;
typedef unsigned int u32;

enum { SYS_write = 1, SYS_sched_yield = 24, SYS_getpid = 39, SYS_exit = 60, SYS_getcpu = 309 };

static long sys3(long nr, long a, long b, long c) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "0"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

static u64 len(const char *s) {
    u64 n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

static void out(const char *s) {
    sys3(SYS_write, 1, (long) s, (long) len(s));
}

/* Appends text to a line buffer. */
static char line[256];
static u64 used;

static void put(const char *s) {
    while (*s && used < sizeof line - 2) {
        line[used++] = *s++;
    }
}

static void put_dec(long v) {
    char b[24];
    int i = 23;
    int neg = v < 0;
    u64 u = neg ? (u64) -v : (u64) v;
    b[i] = 0;
    do {
        b[--i] = (char) ('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg) {
        b[--i] = '-';
    }
    put(b + i);
}

static void put_hex(u64 v) {
    char b[19];
    b[0] = '0';
    b[1] = 'x';
    for (int i = 0; i < 16; i++) {
        int d = (int) (v >> (60 - 4 * i)) & 15;
        b[2 + i] = (char) (d < 10 ? '0' + d : 'a' + d - 10);
    }
    b[18] = 0;
    put(b);
}

static void end_line(void) {
    line[used++] = '\n';
    line[used] = 0;
    out(line);
    used = 0;
}

static void cpuid(u32 leaf, u32 sub, u32 r[4]) {
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "0"(leaf), "2"(sub));
}

/* What user mode is told: CPUID as executed natively, and XCR0 when OSXSAVE allows XGETBV. */
struct features {
    int osxsave, avx, avx2, avx512f, rdtscp, rdpid;
    u64 xcr0;
};

static struct features features(void) {
    struct features f = {0};
    u32 r[4];
    cpuid(1, 0, r);
    f.osxsave = (r[2] >> 27) & 1;
    f.avx = (r[2] >> 28) & 1;
    cpuid(7, 0, r);
    f.avx2 = (r[1] >> 5) & 1;
    f.avx512f = (r[1] >> 16) & 1;
    f.rdpid = (r[2] >> 22) & 1;
    cpuid(0x80000001u, 0, r);
    f.rdtscp = (r[3] >> 27) & 1;
    if (f.osxsave) {
        u32 lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        f.xcr0 = ((u64) hi << 32) | lo;
    }
    return f;
}

#define XCR0_SSE_AVX 0x6ul      /* XMM and YMM state enabled */
#define XCR0_AVX512 0xe0ul      /* opmask, ZMM_Hi256, Hi16_ZMM */

static int differs(const u64 *a, const u64 *b, int from, int to) {
    for (int i = from; i < to; i++) {
        if (a[i] != b[i]) {
            return 1;
        }
    }
    return 0;
}

static void vec(long rounds, int raw) {
    struct features f = features();
    /* As glibc decides (CPUID bits, OSXSAVE, then XCR0), or, raw, from the CPUID feature bits alone:
     * a raw run whose instructions the CPU refuses dies of SIGILL, which the caller reports. */
    int avx = raw ? f.avx : f.avx && (f.xcr0 & XCR0_SSE_AVX) == XCR0_SSE_AVX;
    int avx512 = raw ? f.avx && f.avx512f : avx && f.avx512f && (f.xcr0 & XCR0_AVX512) == XCR0_AVX512;
    long pid = sys3(SYS_getpid, 0, 0, 0);
    u64 want[8], got[8];
    for (int i = 0; i < 8; i++) {
        want[i] = 0x9e3779b97f4a7c15ul * (u64) (pid * 8 + i + 1);
    }
    long ymm_lo = avx ? 0 : -1, ymm_hi = avx ? 0 : -1, zmm = avx512 ? 0 : -1, k = avx512 ? 0 : -1;
    long r;
    for (r = 0; r < rounds; r++) {
        if (avx) {
            __asm__ volatile("vmovdqu (%0), %%ymm1" : : "r"(want) : "memory");
            sys3(SYS_sched_yield, 0, 0, 0);
            __asm__ volatile("vmovdqu %%ymm1, (%0)" : : "r"(got) : "memory");
            ymm_lo += differs(want, got, 0, 2);
            ymm_hi += differs(want, got, 2, 4);
        }
        if (avx512) {
            __asm__ volatile("vmovdqu64 (%0), %%zmm17" : : "r"(want) : "memory");
            __asm__ volatile("kmovw (%0), %%k1" : : "r"(want) : "memory");
            sys3(SYS_sched_yield, 0, 0, 0);
            __asm__ volatile("vmovdqu64 %%zmm17, (%0)" : : "r"(got) : "memory");
            zmm += differs(want, got, 0, 8);
            __asm__ volatile("kmovw %%k1, (%0)" : : "r"(got) : "memory");
            k += (u32) (got[0] & 0xffff) != (u32) (want[0] & 0xffff);
        }
        if (!avx) {
            break;
        }
    }
    put(raw ? "vecstate vec-raw pid=" : "vecstate vec pid=");
    put_dec(pid);
    put(" rounds=");
    put_dec(r);
    put(" ymm_lo=");
    put_dec(ymm_lo);
    put(" ymm_hi=");
    put_dec(ymm_hi);
    put(" zmm=");
    put_dec(zmm);
    put(" k=");
    put_dec(k);
    put(" avx=");
    put_dec(avx);
    put(" avx512=");
    put_dec(avx512);
    end_line();
}

/* CPUID and XCR0 as guest user mode sees them (the guest kernel runs with noxsave). */
static void state(void) {
    struct features f = features();
    put("vecstate state osxsave=");
    put_dec(f.osxsave);
    put(" avx=");
    put_dec(f.avx);
    put(" avx2=");
    put_dec(f.avx2);
    put(" avx512f=");
    put_dec(f.avx512f);
    put(" rdtscp=");
    put_dec(f.rdtscp);
    put(" rdpid=");
    put_dec(f.rdpid);
    put(" xcr0=");
    put_hex(f.xcr0);
    u32 cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    put(" cs=");
    put_hex(cs);
    end_line();
}

/* RDTSCP's ECX is IA32_TSC_AUX, which Linux sets to the CPU (and node) number; compare with getcpu. */
static void aux(void) {
    u32 lo, hi, tsc_aux;
    unsigned cpu = 99, node = 99;
    __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(tsc_aux));
    sys3(SYS_getcpu, (long) &cpu, (long) &node, 0);
    put("vecstate aux tsc_aux=");
    put_hex(tsc_aux);
    put(" getcpu=");
    put_dec(cpu);
    end_line();
}

static void rdpid(void) {
    u64 v;
    __asm__ volatile("rdpid %0" : "=r"(v));
    put("vecstate rdpid value=");
    put_hex(v);
    end_line();
}

/* Descriptor-table instructions: without UMIP they show the CPU's real GDT/IDT base and CR0. */
static void tables(void) {
    struct __attribute__((packed)) { unsigned short limit; u64 base; } gdt, idt;
    u64 msw = 0;
    unsigned short tr = 0;
    __asm__ volatile("sgdt %0" : "=m"(gdt));
    __asm__ volatile("sidt %0" : "=m"(idt));
    __asm__ volatile("smsw %0" : "=r"(msw));
    __asm__ volatile("str %0" : "=r"(tr));
    put("vecstate tables gdt=");
    put_hex(gdt.base);
    put(" idt=");
    put_hex(idt.base);
    put(" msw=");
    put_hex(msw & 0xffff);
    put(" tr=");
    put_hex(tr);
    end_line();
}

static void pkru(void) {
    u32 v, edx;
    __asm__ volatile("rdpkru" : "=a"(v), "=d"(edx) : "c"(0));
    put("vecstate pkru value=");
    put_hex(v);
    end_line();
}

static void fsbase(void) {
    u64 v;
    __asm__ volatile("rdfsbase %0" : "=r"(v));
    put("vecstate fsbase value=");
    put_hex(v);
    end_line();
}

/* One result line of a *-switch check; zero < 0 leaves the "zero" count out. */
static void switch_line(const char *name, long pid, long rounds, long changed, long foreign, long zero) {
    put("vecstate ");
    put(name);
    put(" pid=");
    put_dec(pid);
    put(" rounds=");
    put_dec(rounds);
    put(" changed=");
    put_dec(changed);
    put(" foreign=");
    put_dec(foreign);
    if (zero >= 0) {
        put(" zero=");
        put_dec(zero);
    }
    end_line();
}

/*
 * Two copies each set a register of their own (PKRU through WRPKRU, the GS base through WRGSBASE),
 * yield, and read it back: "vecstate NAME pid=P rounds=R changed=C foreign=F" (F: came back as the
 * other copy's value). PKRU patterns keep key 0 (every page's key) fully accessible, so a leaked value
 * cannot fault the other process.
 */
static void pkru_switch(long rounds) {
    long pid = sys3(SYS_getpid, 0, 0, 0);
    /* Bits 31..16 mark the pattern as a vecstate's; bits 15..4 carry the pid; key 0 stays open. */
    const u32 tag = 0xa5a50000u;
    u32 want = tag | ((u32) (pid & 0xfff) << 4), got;
    long changed = 0, foreign = 0, r;
    for (r = 0; r < rounds; r++) {
        __asm__ volatile("wrpkru" : : "a"(want), "c"(0), "d"(0) : "memory");
        sys3(SYS_sched_yield, 0, 0, 0);
        __asm__ volatile("rdpkru" : "=a"(got) : "c"(0) : "rdx");
        changed += got != want;
        foreign += got != want && (got & 0xffff000fu) == tag;
    }
    __asm__ volatile("wrpkru" : : "a"(0x55555554u), "c"(0), "d"(0) : "memory");
    switch_line("pkru-switch", pid, r, changed, foreign, -1);
}

/* "changed" counts rounds whose GS base came back different, "foreign" those where it came back
 * as another vecstate's pattern (a leak rather than a reset), "zero" those where it read 0. */
static void gsbase_switch(long rounds) {
    long pid = sys3(SYS_getpid, 0, 0, 0);
    const u64 tag = 0x00007f0000000000ul;
    u64 want = tag + ((u64) pid << 12), got;
    long changed = 0, foreign = 0, zero = 0, r;
    for (r = 0; r < rounds; r++) {
        __asm__ volatile("wrgsbase %0" : : "r"(want) : "memory");
        sys3(SYS_sched_yield, 0, 0, 0);
        __asm__ volatile("rdgsbase %0" : "=r"(got));
        changed += got != want;
        foreign += got != want && (got & 0xffffff0000000ffful) == tag;
        zero += got == 0;
    }
    switch_line("gsbase-switch", pid, r, changed, foreign, zero);
}

static int same(const char *a, const char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static long number(const char *s) {
    long v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
    }
    return v;
}

__attribute__((used)) void vecstate_main(long *sp) {
    long argc = sp[0];
    char **argv = (char **) (sp + 1);
    const char *cmd = argc > 1 ? argv[1] : "";
    int status = 0;
    if (same(cmd, "vec")) {
        vec(argc > 2 ? number(argv[2]) : 400, 0);
    } else if (same(cmd, "vec-raw")) {
        vec(argc > 2 ? number(argv[2]) : 400, 1);
    } else if (same(cmd, "pkru-switch")) {
        pkru_switch(argc > 2 ? number(argv[2]) : 200);
    } else if (same(cmd, "gsbase-switch")) {
        gsbase_switch(argc > 2 ? number(argv[2]) : 200);
    } else if (same(cmd, "state")) {
        state();
    } else if (same(cmd, "aux")) {
        aux();
    } else if (same(cmd, "rdpid")) {
        rdpid();
    } else if (same(cmd, "tables")) {
        tables();
    } else if (same(cmd, "pkru")) {
        pkru();
    } else if (same(cmd, "fsbase")) {
        fsbase();
    } else {
        out("usage: vecstate vec|vec-raw|pkru-switch|gsbase-switch [ROUNDS] | state | aux | rdpid | tables | pkru | fsbase\n");
        status = 2;
    }
    sys3(SYS_exit, status, 0, 0);
}

/* The kernel enters with the stack pointer at argc; align the stack for the C call. */
__asm__(".globl _start\n"
        "_start:\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call vecstate_main\n"
        "  ud2\n");
