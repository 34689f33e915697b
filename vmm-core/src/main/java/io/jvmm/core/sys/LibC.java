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
 * <p>Calls that can fail are linked with {@code captureCallState("errno")}: the JDK copies errno into a
 * segment we pass right after the call, before anything else can overwrite it. The segment is
 * per thread (vCPU threads call ioctl concurrently), never shared.
 *
 * <p>Return conventions follow libc: -1 (or MAP_FAILED) and errno. The wrappers in this package turn
 * them into {@link SysCallException}; nothing here throws.
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

    // int open(const char *path, int flags, ...)
    static final Lazy OPEN = new Lazy(() -> errnoHandle("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2)));
    // int fcntl(int fd, int cmd, ...): the record-lock commands take a struct flock pointer.
    static final Lazy FCNTL_PTR = new Lazy(() -> errnoHandle("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2)));
    static final Lazy CLOSE = new Lazy(() -> errnoHandle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT)));
    // int ioctl(int fd, unsigned long request, ...): the third argument is a pointer or an integer.
    static final Lazy IOCTL_PTR = new Lazy(() -> errnoHandle("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2)));
    static final Lazy IOCTL_LONG = new Lazy(() -> errnoHandle("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2)));
    // void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
    static final Lazy MMAP = new Lazy(() -> errnoHandle("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG)));
    static final Lazy MUNMAP = new Lazy(() -> errnoHandle("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG)));
    static final Lazy MADVISE = new Lazy(() -> errnoHandle("madvise",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT)));
    // int memfd_create(const char *name, unsigned int flags); int ftruncate(int fd, off_t length)
    static final Lazy MEMFD_CREATE = new Lazy(() -> errnoHandle("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT)));
    static final Lazy FTRUNCATE = new Lazy(() -> errnoHandle("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG)));
    // off_t lseek(int fd, off_t offset, int whence)
    static final Lazy LSEEK = new Lazy(() -> errnoHandle("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT)));
    static final Lazy EVENTFD = new Lazy(() -> errnoHandle("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT)));
    static final Lazy READ = new Lazy(() -> errnoHandle("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG)));
    static final Lazy WRITE = new Lazy(() -> errnoHandle("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG)));
    // int poll(struct pollfd *fds, nfds_t nfds, int timeout)
    static final Lazy POLL = new Lazy(() -> errnoHandle("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT)));
    // Threads and signals, for kicking a vCPU out of KVM_RUN (see VcpuKick).
    static final Lazy PTHREAD_SELF = new Lazy(() -> handle("pthread_self", FunctionDescriptor.of(JAVA_LONG)));
    // int pthread_kill(pthread_t, int): returns the error number instead of setting errno.
    static final Lazy PTHREAD_KILL = new Lazy(() -> handle("pthread_kill", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT)));
    // int pthread_sigmask(int how, const sigset_t *set, sigset_t *old): returns the error number.
    static final Lazy PTHREAD_SIGMASK = new Lazy(() -> handle("pthread_sigmask",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS)));
    // int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
    static final Lazy SIGTIMEDWAIT = new Lazy(() -> errnoHandle("sigtimedwait",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS)));
    static final Lazy SIGRTMIN = new Lazy(() -> handle("__libc_current_sigrtmin", FunctionDescriptor.of(JAVA_INT)));
    static final Lazy GETPID = new Lazy(() -> handle("getpid", FunctionDescriptor.of(JAVA_INT)));
    static final Lazy ISATTY = new Lazy(() -> handle("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT)));
    // int prctl(int option, ...): PR_SET_NO_NEW_PRIVS takes four unsigned long arguments.
    static final Lazy PRCTL = new Lazy(() -> errnoHandle("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1)));
    // long syscall(long number, ...): glibc 2.36 has no seccomp(2) wrapper; three arguments, the last a pointer.
    static final Lazy SYSCALL3 = new Lazy(() -> errnoHandle("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(1)));
    // int tcgetattr(int fd, struct termios *); int tcsetattr(int fd, int actions, const struct termios *)
    static final Lazy TCGETATTR = new Lazy(() -> errnoHandle("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS)));
    static final Lazy TCSETATTR = new Lazy(() -> errnoHandle("tcsetattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS)));
    // void cfmakeraw(struct termios *): what `stty raw -echo` sets, computed by glibc.
    static final Lazy CFMAKERAW = new Lazy(() -> handle("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS)));
    // const char *strerrorname_np(int) / strerrordesc_np(int): glibc >= 2.32, thread-safe, static strings.
    private static final Lazy STRERRORNAME = new Lazy(() -> handle("strerrorname_np", FunctionDescriptor.of(ADDRESS, JAVA_INT)));
    private static final Lazy STRERRORDESC = new Lazy(() -> handle("strerrordesc_np", FunctionDescriptor.of(ADDRESS, JAVA_INT)));

    private LibC() {
    }

    /**
     * A downcall handle linked on first use. Linking spins bytecode (lambda forms, a downcall stub) and
     * costs milliseconds per handle at start-up; a run that never polls or never reads an eventfd
     * should not pay for those handles.
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

    /** A segment over {@code size} bytes at native address {@code address} (for mmap results). */
    static MemorySegment at(long address, long size) {
        // Safe only for addresses the kernel just handed us (mmap) with the size we asked for.
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    static final ValueLayout.OfLong SIZE_T = JAVA_LONG;
}
