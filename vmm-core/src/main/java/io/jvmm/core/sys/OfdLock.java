package io.jvmm.core.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Whole-file open file description locks (fcntl(2), "Open file description locks (non-POSIX)"), the
 * kind QEMU takes on disk images: a shared (read) lock for a read-only user, an exclusive (write) lock
 * for a writer. The lock belongs to the open file description, so it conflicts with any other
 * description of the same file, in this process or another, and lasts until the descriptor that took it
 * is closed.
 *
 * <p>Why not {@code FileChannel.lock}: JDK 25 takes traditional POSIX record locks (F_SETLK, shown as
 * {@code POSIX} in /proc/locks). Those belong to the process, so two channels of one JVM never conflict
 * in the kernel (the JDK only throws OverlappingFileLockException from its own table), and closing any
 * other descriptor of the file in the process, even a {@code Files.readAllBytes}, drops the lock.
 *
 * <pre>
 * struct flock (x86-64, &lt;bits/fcntl.h&gt;)     32 bytes
 *   +0  short l_type     F_RDLCK 0 | F_WRLCK 1 | F_UNLCK 2
 *   +2  short l_whence   SEEK_SET 0
 *   +8  off_t l_start    0
 *   +16 off_t l_len      0: to the end of the file, however it grows
 *   +24 pid_t l_pid      must be 0 for F_OFD_* (the kernel answers -1 for an OFD holder in F_OFD_GETLK)
 * </pre>
 */
public final class OfdLock {
    // <asm-generic/fcntl.h> / <bits/fcntl-linux.h>
    static final int F_OFD_GETLK = 36;
    static final int F_OFD_SETLK = 37;
    static final short F_RDLCK = 0;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;
    static final short SEEK_SET = 0;
    static final int EAGAIN = 11;
    static final int EACCES = 13;

    static final StructLayout FLOCK = MemoryLayout.structLayout(
            JAVA_SHORT.withName("l_type"),
            JAVA_SHORT.withName("l_whence"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("l_start"),
            JAVA_LONG.withName("l_len"),
            JAVA_INT.withName("l_pid"),
            MemoryLayout.paddingLayout(4)).withName("flock");
    private static final VarHandle L_TYPE = FLOCK.varHandle(MemoryLayout.PathElement.groupElement("l_type"));

    private OfdLock() {
    }

    /**
     * Opens {@code path} (read-only for a shared lock, read-write for an exclusive one: F_WRLCK needs a
     * descriptor open for writing) and locks the whole file without waiting. Returns the descriptor that
     * holds the lock (close it to release), or null when another open file description holds a
     * conflicting lock. Other failures (no such file, permission) throw {@link SysCallException}.
     */
    public static OwnedFd tryLock(String path, boolean exclusive) {
        OwnedFd fd = Sys.open(path, (exclusive ? Sys.O_RDWR : Sys.O_RDONLY) | Sys.O_CLOEXEC);
        try {
            if (!setLock(fd, exclusive ? F_WRLCK : F_RDLCK)) {
                fd.close();
                return null;
            }
            return fd;
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** F_OFD_SETLK of the whole file; false when a conflicting lock is held (EAGAIN or EACCES). */
    static boolean setLock(OwnedFd fd, short type) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fl = a.allocate(FLOCK); // zeroed: SEEK_SET, start 0, len 0 (whole file), pid 0
            L_TYPE.set(fl, 0L, type);
            long rc = LibC.syscall(LibC.SYS_fcntl, fd.fd(), F_OFD_SETLK, LibC.address(fl));
            if (rc == 0) {
                return true;
            }
            int errno = LibC.errno();
            if (errno == EAGAIN || errno == EACCES) {
                return false;
            }
            throw new SysCallException("fcntl(" + fd + ", F_OFD_SETLK)", errno);
        }
    }

    /**
     * F_OFD_GETLK: whether a lock of the given kind could be taken on {@code fd}'s file now, without
     * taking it. For tests and diagnostics.
     */
    public static boolean wouldConflict(OwnedFd fd, boolean exclusive) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fl = a.allocate(FLOCK);
            L_TYPE.set(fl, 0L, exclusive ? F_WRLCK : F_RDLCK);
            long rc = LibC.syscall(LibC.SYS_fcntl, fd.fd(), F_OFD_GETLK, LibC.address(fl));
            if (rc != 0) {
                throw new SysCallException("fcntl(" + fd + ", F_OFD_GETLK)", LibC.errno());
            }
            return (short) L_TYPE.get(fl, 0L) != F_UNLCK;
        }
    }
}
