package io.jvmm.core.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;

/**
 * System calls used by jvmm, one method each, errno turned into {@link SysCallException}. Every native
 * call of jvmm goes through this package; all of them through {@link LibC#syscall}, one downcall stub
 * (see LibC for why). A segment passed by address is kept reachable until the call has returned
 * ({@link Reference#reachabilityFence}): the kernel reads or writes it during the call.
 */
public final class Sys {
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_NONBLOCK = 0x800;

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MADV_DONTDUMP = 16;
    /** Linux 5.14+: map the range's pages into the page tables without writing them (EINVAL before). */
    public static final int MADV_POPULATE_READ = 22;

    public static final int MFD_CLOEXEC = 1;

    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;

    private static final long MAP_FAILED = -1L;

    private Sys() {
    }

    /** open(2); {@code what} names the file in errors. */
    public static OwnedFd open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) LibC.syscall(LibC.SYS_open, LibC.address(a.allocateFrom(path)), flags, 0);
            if (fd < 0) {
                throw new SysCallException("open(" + path + ")", LibC.errno());
            }
            return new OwnedFd(fd, path);
        }
    }

    /** Takes ownership of a descriptor a call handed back (KVM_CREATE_VM, KVM_CREATE_VCPU, ...). */
    public static OwnedFd adopt(int fd, String what) {
        return new OwnedFd(fd, what);
    }

    static void close(int fd, String what) {
        long rc = LibC.syscall(LibC.SYS_close, fd, 0, 0);
        // close(2): the fd is released even when close reports EINTR/EIO; never retry.
        if (rc < 0) {
            throw new SysCallException("close(" + what + ")", LibC.errno());
        }
    }

    /** ioctl(2) with a pointer argument; returns the (non-negative) result. */
    public static int ioctl(int fd, long request, String name, MemorySegment arg) {
        long rc = LibC.syscall(LibC.SYS_ioctl, fd, request, LibC.address(arg));
        Reference.reachabilityFence(arg);
        if (rc < 0) {
            throw new SysCallException("ioctl(" + name + ")", LibC.errno());
        }
        return (int) rc;
    }

    /** ioctl(2) with an integer argument; returns the (non-negative) result. */
    public static int ioctl(int fd, long request, String name, long arg) {
        long rc = LibC.syscall(LibC.SYS_ioctl, fd, request, arg);
        if (rc < 0) {
            throw new SysCallException("ioctl(" + name + ")", LibC.errno());
        }
        return (int) rc;
    }

    /**
     * ioctl(2) that reports failure as {@code -errno} instead of throwing: for KVM_RUN, whose EINTR and
     * EAGAIN are part of normal operation and must not cost an exception on the hot path.
     */
    public static int ioctlOrErrno(int fd, long request, long arg) {
        long rc = LibC.syscall(LibC.SYS_ioctl, fd, request, arg);
        return rc < 0 ? -LibC.errno() : (int) rc;
    }

    /** mmap(2) of {@code length} bytes; {@code fd} -1 for anonymous memory. */
    public static Mapping mmap(long length, int prot, int flags, int fd, long offset, String what) {
        long p = LibC.syscall(LibC.SYS_mmap, 0, length, prot, flags, fd, offset);
        if (p == MAP_FAILED) {
            throw new SysCallException("mmap(" + what + ", " + length + " bytes)", LibC.errno());
        }
        // Safe: the kernel just mapped exactly `length` bytes at this address for us; Mapping unmaps it once.
        return new Mapping(LibC.at(p, length), what);
    }

    static void munmap(MemorySegment segment, String what) {
        long rc = LibC.syscall(LibC.SYS_munmap, LibC.address(segment), segment.byteSize(), 0);
        if (rc < 0) {
            throw new SysCallException("munmap(" + what + ")", LibC.errno());
        }
    }

    /** madvise(2); advice failures are reported, callers may ignore them. */
    public static void madvise(MemorySegment segment, int advice) {
        long rc = LibC.syscall(LibC.SYS_madvise, LibC.address(segment), segment.byteSize(), advice);
        Reference.reachabilityFence(segment);
        if (rc < 0) {
            throw new SysCallException("madvise(" + advice + ")", LibC.errno());
        }
    }

    /**
     * memfd_create(2), close-on-exec, sized to {@code size} bytes with ftruncate(2): an anonymous file
     * whose pages are allocated when first touched ({@code name} shows in /proc/PID/maps as
     * {@code /memfd:NAME}).
     */
    public static OwnedFd memfd(String name, long size) {
        int fd;
        try (Arena a = Arena.ofConfined()) {
            fd = (int) LibC.syscall(LibC.SYS_memfd_create, LibC.address(a.allocateFrom(name)), MFD_CLOEXEC, 0);
        }
        if (fd < 0) {
            throw new SysCallException("memfd_create(" + name + ")", LibC.errno());
        }
        OwnedFd owned = new OwnedFd(fd, "memfd " + name);
        long rc = LibC.syscall(LibC.SYS_ftruncate, fd, size, 0);
        if (rc < 0) {
            int e = LibC.errno();
            owned.close();
            throw new SysCallException("ftruncate(memfd " + name + ", " + size + ")", e);
        }
        return owned;
    }

    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;

    /**
     * lseek(2) with SEEK_DATA or SEEK_HOLE: the next offset at or after {@code offset} that holds data
     * (or starts a hole); -1 when there is no more data (ENXIO).
     */
    public static long lseek(int fd, long offset, int whence) {
        long r = LibC.syscall(LibC.SYS_lseek, fd, offset, whence);
        if (r < 0) {
            int e = LibC.errno();
            if (e == Errno.ENXIO) {
                return -1;
            }
            throw new SysCallException("lseek", e);
        }
        return r;
    }

    /** eventfd(2) (the kernel's eventfd2, as glibc calls it), close-on-exec. */
    public static OwnedFd eventfd(int flags) {
        int fd = (int) LibC.syscall(LibC.SYS_eventfd2, 0, flags | EFD_CLOEXEC, 0);
        if (fd < 0) {
            throw new SysCallException("eventfd", LibC.errno());
        }
        return new OwnedFd(fd, "eventfd");
    }

    /** read(2) into {@code buf}; returns bytes read, or -errno for EAGAIN/EINTR (callers retry or wait). */
    public static long read(int fd, MemorySegment buf, String what) {
        long n = LibC.syscall(LibC.SYS_read, fd, LibC.address(buf), buf.byteSize());
        Reference.reachabilityFence(buf);
        return transferred(n, "read", what);
    }

    /** write(2) from {@code buf}; returns bytes written, or -errno for EAGAIN/EINTR. */
    public static long write(int fd, MemorySegment buf, String what) {
        long n = LibC.syscall(LibC.SYS_write, fd, LibC.address(buf), buf.byteSize());
        Reference.reachabilityFence(buf);
        return transferred(n, "write", what);
    }

    /**
     * pwrite(2) of all of {@code buf} at {@code offset} of the file {@code fd}, retried after EINTR and short
     * writes; a failure (ENOSPC of a full tmpfs, EFBIG past the file's end...) is a {@link SysCallException}.
     */
    public static void pwriteFully(int fd, MemorySegment buf, long offset, String what) {
        long done = 0;
        long size = buf.byteSize();
        while (done < size) {
            long n = LibC.syscall(LibC.SYS_pwrite64, fd, LibC.address(buf) + done, size - done, offset + done, 0, 0);
            Reference.reachabilityFence(buf);
            if (n < 0 && LibC.errno() == Errno.EINTR) {
                continue;
            }
            if (n <= 0) {
                throw new SysCallException("pwrite(" + what + ")", n < 0 ? LibC.errno() : Errno.ENOSPC);
            }
            done += n;
        }
    }

    /** read/write result: the byte count, -errno for the retryable EAGAIN/EINTR, else an exception. */
    private static long transferred(long n, String call, String what) {
        if (n >= 0) {
            return n;
        }
        int e = LibC.errno();
        if (e == Errno.EAGAIN || e == Errno.EINTR) {
            return -e;
        }
        throw new SysCallException(call + "(" + what + ")", e);
    }

    /** {@code struct pollfd { int fd; short events; short revents; }}: its size and the offsets of its fields. */
    public static final int POLLFD_SIZE = 8;
    public static final int POLLFD_EVENTS = 4;
    public static final int POLLFD_REVENTS = 6;
    public static final short POLLIN = 0x1;

    /**
     * poll(2) over {@code pollfds} ({@code struct pollfd[n]}: int fd, short events, short revents);
     * returns the number ready, 0 on timeout, -EINTR when interrupted.
     */
    public static int poll(MemorySegment pollfds, int n, int timeoutMillis) {
        long rc = LibC.syscall(LibC.SYS_poll, LibC.address(pollfds), n, timeoutMillis);
        Reference.reachabilityFence(pollfds);
        if (rc < 0) {
            int e = LibC.errno();
            if (e == Errno.EINTR) {
                return -e;
            }
            throw new SysCallException("poll", e);
        }
        return (int) rc;
    }

    /** TCGETS fills the kernel's struct termios (36 bytes on x86-64); glibc's 60 is room enough. */
    private static final int TCGETS = 0x5401;
    private static final int KERNEL_TERMIOS_BYTES = 60;

    /** isatty(3) as glibc does it: whether TCGETS succeeds on {@code fd}. */
    public static boolean isatty(int fd) {
        try (Arena a = Arena.ofConfined()) {
            return LibC.syscall(LibC.SYS_ioctl, fd, TCGETS, LibC.address(a.allocate(KERNEL_TERMIOS_BYTES))) == 0;
        }
    }

    public static int getpid() {
        return (int) LibC.syscall(LibC.SYS_getpid, 0, 0, 0);
    }
}
