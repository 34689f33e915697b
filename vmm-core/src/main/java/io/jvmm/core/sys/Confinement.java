package io.jvmm.core.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The system calls that finish the jail inside its namespaces: {@code pivot_root} into the jail's
 * directory, detaching the old root, and dropping to an ordinary user. Run once, as root, before any
 * machine exists and before the seccomp filter (which refuses {@code pivot_root} and {@code umount2}).
 *
 * <p>A JVM runs many threads, which share one root directory (CLONE_FS) and one mount namespace:
 * {@code pivot_root} moves the root of every thread whose root was the old one (pivot_root(2)), so one
 * call suffices. Credentials, though, belong to each thread: {@link #dropTo} uses glibc's wrappers,
 * which apply the change to all threads, never the raw system calls.
 */
public final class Confinement {
    static final int MNT_DETACH = 2;   // <sys/mount.h>: lazy unmount
    static final int PR_SET_PDEATHSIG = 1;   // <linux/prctl.h>
    static final int SIGKILL = 9;

    private Confinement() {
    }

    /**
     * Makes the current directory the root: {@code pivot_root(".", ".")} stacks the old root on top of
     * the new one, and {@code umount2(".", MNT_DETACH)} takes it away (the pivot_root(2) idiom, which needs
     * no put_old directory); then the working directory is the new "/". The caller has chdir'd into the
     * new root, which must be a mount point in a private mount namespace.
     */
    public static void pivotRootHere() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dot = a.allocateFrom(".");
            if (LibC.syscall(LibC.SYS_pivot_root, LibC.address(dot), LibC.address(dot), 0) != 0) {
                throw new SysCallException("pivot_root(., .)", LibC.errno());
            }
            if (LibC.syscall(LibC.SYS_umount2, LibC.address(dot), MNT_DETACH, 0) != 0) {
                throw new SysCallException("umount2(old root, MNT_DETACH)", LibC.errno());
            }
            chdir("/");
        }
    }

    public static void chdir(String dir) {
        try (Arena a = Arena.ofConfined()) {
            if (LibC.syscall(LibC.SYS_chdir, LibC.address(a.allocateFrom(dir)), 0, 0) != 0) {
                throw new SysCallException("chdir(" + dir + ")", LibC.errno());
            }
        }
    }

    /**
     * Drops every thread of this process to {@code uid}/{@code gid} (real, effective and saved) with no
     * supplementary groups, in the order that keeps the privilege each step needs: groups, gid, then uid.
     * Once no uid is 0 the kernel clears the permitted, effective and ambient capabilities (capabilities(7)).
     */
    public static void dropTo(int uid, int gid) {
        try {
            int rc = (int) LibC.SETGROUPS.get().invokeExact(LibC.capture(), 0L, MemorySegment.NULL);
            if (rc != 0) {
                throw new SysCallException("setgroups(0)", LibC.errno());
            }
            rc = (int) LibC.SETRESGID.get().invokeExact(LibC.capture(), gid, gid, gid);
            if (rc != 0) {
                throw new SysCallException("setresgid(" + Integer.toUnsignedString(gid) + ")", LibC.errno());
            }
            rc = (int) LibC.SETRESUID.get().invokeExact(LibC.capture(), uid, uid, uid);
            if (rc != 0) {
                throw new SysCallException("setresuid(" + Integer.toUnsignedString(uid) + ")", LibC.errno());
            }
            // A change of credentials clears the parent-death signal (prctl(2)) that the launcher set
            // (unshare --kill-child): set it again, so that the VMM dies with the launcher. The kernel sends it
            // for any thread of the child that holds one (kernel/exit.c, forget_original_parent).
            if (LibC.syscall(LibC.SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0) != 0) {
                throw new SysCallException("prctl(PR_SET_PDEATHSIG)", LibC.errno());
            }
        } catch (SysCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
