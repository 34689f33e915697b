package io.jvmm.core.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The downcall handles into glibc: the only place in jvmm that links native code.
 *
 * <p><b>One shape for every system call.</b> Linking a downcall handle spins a stub class and lambda
 * forms for its function descriptor; the JDK caches them per descriptor (and linker options), not per
 * symbol. Each distinct descriptor cost 10-30 ms at start-up on the development host, and a cold
 * {@code jvmm run} linked 13 of them before the guest ran. So every system call goes through glibc's
 * {@code long syscall(long number, ...)} with six {@code long} arguments: one descriptor, one stub, linked
 * once. Pointers travel as their native address ({@link MemorySegment#address()}); the callers keep the
 * segment reachable across the call. Functions that are not system calls keep handles of their own (the
 * one on the start-up path, {@code __libc_current_sigrtmin}, shares syscall's shape and so its stub): the termios functions (glibc's struct termios is not the kernel's) and,
 * for error messages, {@code strerrorname_np} / {@code strerrordesc_np}.
 *
 * <p>System calls are linked with {@code captureCallState("errno")}: the JDK copies errno into a
 * segment we pass right after the call, before anything else can overwrite it. The segment is
 * per thread (vCPU threads call ioctl concurrently), never shared.
 *
 * <p>Return convention: {@code syscall(2)}'s, -1 and errno. The wrappers in this package turn them
 * into {@link SysCallException}; nothing here throws.
 */
@SuppressWarnings("restricted")
final class LibC {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** One errno capture area per thread; lives as long as the thread (auto arena, freed by GC). */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    // System call numbers, x86-64 (<asm/unistd_64.h>; SyscallNumbersTest checks them against the header).
    static final long SYS_read = 0;
    static final long SYS_write = 1;
    static final long SYS_open = 2;
    static final long SYS_close = 3;
    static final long SYS_poll = 7;
    static final long SYS_lseek = 8;
    static final long SYS_mmap = 9;
    static final long SYS_munmap = 11;
    static final long SYS_rt_sigprocmask = 14;
    static final long SYS_ioctl = 16;
    static final long SYS_pwrite64 = 18;
    static final long SYS_madvise = 28;
    static final long SYS_getpid = 39;
    static final long SYS_prctl = 157;
    static final long SYS_fcntl = 72;
    static final long SYS_ftruncate = 77;
    static final long SYS_rt_sigtimedwait = 128;
    static final long SYS_gettid = 186;
    static final long SYS_tgkill = 234;
    static final long SYS_eventfd2 = 290;
    static final long SYS_seccomp = 317;
    static final long SYS_memfd_create = 319;
    static final long SYS_chdir = 80;
    static final long SYS_pivot_root = 155;
    static final long SYS_umount2 = 166;

    // long syscall(long number, ...): the six arguments every x86-64 system call can take, all in registers.
    private static final FunctionDescriptor SYSCALL_SHAPE =
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final Lazy SYSCALL = new Lazy(() -> errnoHandle("syscall", SYSCALL_SHAPE, Linker.Option.firstVariadicArg(1)));
    // int __libc_current_sigrtmin(void): glibc keeps the first real-time signals for itself. Linked with
    // syscall's descriptor and options so that it shares syscall's stub (the JDK spins one per descriptor and
    // options, and a cold `jvmm run` would spin a second one for this single call): under the x86-64 System V
    // ABI a function without parameters never reads the argument registers the stub fills (rdi..r9, al), and
    // its int result is the low half of rax.
    private static final Lazy SIGRTMIN = new Lazy(() -> errnoHandle("__libc_current_sigrtmin", SYSCALL_SHAPE,
            Linker.Option.firstVariadicArg(1)));
    // Terminal attributes work on glibc's struct termios, not the kernel's: these stay glibc calls (used
    // only when stdin is a terminal). int tcgetattr(int, struct termios *); int tcsetattr(int, int, const
    // struct termios *); void cfmakeraw(struct termios *): what `stty raw -echo` sets, computed by glibc.
    static final Lazy TCGETATTR = new Lazy(() -> errnoHandle("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS)));
    static final Lazy TCSETATTR = new Lazy(() -> errnoHandle("tcsetattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS)));
    static final Lazy CFMAKERAW = new Lazy(() -> handle("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS)));
    // Credentials are per thread in the kernel: the raw system calls would change only the calling thread.
    // glibc's wrappers change every thread of the process (nptl's setxid broadcast), which the jail needs in
    // a JVM that already runs a dozen threads. int setgroups(size_t, const gid_t *); int setresuid(uid_t,
    // uid_t, uid_t); int setresgid(gid_t, gid_t, gid_t). Linked only by the jail.
    static final Lazy SETGROUPS = new Lazy(() -> errnoHandle("setgroups", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS)));
    static final Lazy SETRESUID = new Lazy(() -> errnoHandle("setresuid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT)));
    static final Lazy SETRESGID = new Lazy(() -> errnoHandle("setresgid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT)));
    // const char *strerrorname_np(int) / strerrordesc_np(int): glibc >= 2.32, thread-safe, static strings.
    private static final Lazy STRERRORNAME = new Lazy(() -> handle("strerrorname_np", FunctionDescriptor.of(ADDRESS, JAVA_INT)));
    private static final Lazy STRERRORDESC = new Lazy(() -> handle("strerrordesc_np", FunctionDescriptor.of(ADDRESS, JAVA_INT)));

    private LibC() {
    }

    /**
     * A downcall handle linked on first use. Linking spins bytecode (lambda forms, a downcall stub) and
     * costs milliseconds per descriptor at start-up; a run without errors never needs strerrorname_np.
     */
    static final class Lazy {
        private final java.util.function.Supplier<MethodHandle> link;
        private volatile MethodHandle handle;

        Lazy(java.util.function.Supplier<MethodHandle> link) {
            this.link = link;
        }

        MethodHandle get() {
            MethodHandle h = handle;
            if (h == null) {
                synchronized (this) {
                    h = handle;
                    if (h == null) {
                        h = link.get();
                        handle = h;
                    }
                }
            }
            return h;
        }
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    private static MethodHandle errnoHandle(String name, FunctionDescriptor fd, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        return handle(name, fd, all);
    }

    /** This thread's errno capture segment; pass it as the first argument of an errno handle. */
    static MemorySegment capture() {
        return CAPTURE.get();
    }

    /**
     * {@code syscall(nr, a1, ..., a6)}: the result, or -1 with errno saved for {@link #errno()}. Arguments
     * a call does not use are passed as 0 (the kernel ignores them).
     */
    static long syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        try {
            return (long) SYSCALL.get().invokeExact(CAPTURE.get(), nr, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static long syscall(long nr, long a1, long a2, long a3) {
        return syscall(nr, a1, a2, a3, 0, 0, 0);
    }

    /** {@code __libc_current_sigrtmin()}: the first real-time signal number applications may use. */
    static int sigrtmin() {
        try {
            return (int) (long) SIGRTMIN.get().invokeExact(CAPTURE.get(), 0L, 0L, 0L, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** errno as captured by the last errno handle called on this thread. */
    static int errno() {
        return (int) ERRNO_HANDLE.get(CAPTURE.get(), 0L);
    }

    static String strerrorname(int errno) {
        return cString(STRERRORNAME, errno);
    }

    static String strerrordesc(int errno) {
        return cString(STRERRORDESC, errno);
    }

    private static String cString(Lazy h, int errno) {
        try {
            MemorySegment p = (MemorySegment) h.get().invokeExact(errno);
            // Safe: glibc returns NULL or a pointer to a static NUL-terminated string; 256 bytes bounds the read.
            return p.equals(MemorySegment.NULL) ? null : p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * The native address of {@code segment}, to pass to a system call. Only native segments have one a
     * system call may use; a heap segment (an array) moves with the GC and is refused.
     */
    static long address(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("a system call needs native memory, not a heap segment: " + segment);
        }
        return segment.address();
    }

    /** A segment over {@code size} bytes at native address {@code address} (for mmap results). */
    static MemorySegment at(long address, long size) {
        // Safe only for addresses the kernel just handed us (mmap) with the size we asked for.
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    static final ValueLayout.OfLong SIZE_T = JAVA_LONG;
}
