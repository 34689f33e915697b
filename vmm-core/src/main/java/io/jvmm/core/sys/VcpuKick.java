package io.jvmm.core.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Kicks a thread out of a blocking {@code KVM_RUN} with a signal, without a signal handler.
 *
 * <p>The scheme QEMU used for years: the kick signal (SIGRTMIN+3; the JVM uses no real-time signals) is
 * blocked in the vCPU thread at all times, and the vCPU is told with {@code KVM_SET_SIGNAL_MASK} to run
 * the guest with it unblocked. A kick sent with {@code tgkill} (what {@code pthread_kill} does) while the guest runs (or sits in
 * in-kernel HLT) makes KVM_RUN return {@code EINTR}; a kick sent while the thread is outside KVM_RUN
 * stays pending and makes the next KVM_RUN return at once. Since the signal is blocked outside KVM_RUN
 * it is never delivered: {@link #consume()} takes it off the pending set with {@code rt_sigtimedwait}.
 * No Java code ever runs in signal context.
 */
public final class VcpuKick {
    private static final int SIG_BLOCK = 0;
    /** glibc's sigset_t is 1024 bits; the kernel's (KVM_SET_SIGNAL_MASK) is 64. */
    private static final int GLIBC_SIGSET_BYTES = 128;
    public static final int KERNEL_SIGSET_BYTES = 8;

    private static final int KICK_SIGNAL = sigrtmin() + 3;

    private final int tgid;
    private final int tid;

    private VcpuKick(int tgid, int tid) {
        this.tgid = tgid;
        this.tid = tid;
    }

    /** The kernel's id of the thread this kicks (gettid(2)): its /proc/self/task entry. */
    public int tid() {
        return tid;
    }

    /** The signal number used for kicks. */
    public static int signal() {
        return KICK_SIGNAL;
    }

    /**
     * Blocks the kick signal in the calling thread and returns a handle other threads use to kick it.
     * Call on the vCPU thread before its first KVM_RUN.
     */
    public static VcpuKick forCurrentThread() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(GLIBC_SIGSET_BYTES);
            addSignal(set, KICK_SIGNAL);
            // rt_sigprocmask(2) changes the calling thread's mask, as pthread_sigmask does; the kernel reads the
            // first 8 bytes of glibc's sigset_t (signals 1-64).
            if (LibC.syscall(LibC.SYS_rt_sigprocmask, SIG_BLOCK, LibC.address(set), 0, KERNEL_SIGSET_BYTES, 0, 0) < 0) {
                throw new SysCallException("rt_sigprocmask(SIG_BLOCK)", LibC.errno());
            }
            return new VcpuKick(Sys.getpid(), (int) LibC.syscall(LibC.SYS_gettid, 0, 0, 0));
        }
    }

    /**
     * Writes into {@code kernelSigset} (8 bytes, the kernel's sigset for {@code KVM_SET_SIGNAL_MASK}) the
     * mask the guest should run with: the calling thread's current mask (HotSpot blocks SIGQUIT in Java
     * threads, for instance) with the kick unblocked. Call on the vCPU thread after
     * {@link #forCurrentThread()}.
     */
    public static void fillRunMask(MemorySegment kernelSigset) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment old = a.allocate(GLIBC_SIGSET_BYTES);
            if (LibC.syscall(LibC.SYS_rt_sigprocmask, SIG_BLOCK, 0, LibC.address(old), KERNEL_SIGSET_BYTES, 0, 0) < 0) {
                throw new SysCallException("rt_sigprocmask(query)", LibC.errno());
            }
            int bit = KICK_SIGNAL - 1; // < 64: real-time signals are 32..64
            long mask = old.get(ValueLayout.JAVA_LONG, 0) & ~(1L << bit);
            kernelSigset.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, mask);
        }
    }

    /** Sends the kick. Harmless if the thread is not in KVM_RUN: the next KVM_RUN returns at once. */
    public void kick() {
        // tgkill(2) with our own process id: the signal can only reach a thread of this process.
        if (LibC.syscall(LibC.SYS_tgkill, tgid, tid, KICK_SIGNAL) < 0) {
            int e = LibC.errno();
            // ESRCH: the thread has ended (it was stopping anyway); anything else is a jvmm bug.
            if (e != Errno.ESRCH) {
                throw new SysCallException("tgkill", e);
            }
        }
    }

    /**
     * Takes a pending kick off the calling thread's pending set. Call on the vCPU thread after KVM_RUN
     * returned EINTR; returns true if a kick was pending. Real-time signals queue (two kicks sent while
     * the thread was outside KVM_RUN are two pending signals): call until it returns false before the
     * thread ends.
     */
    public static boolean consume() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(GLIBC_SIGSET_BYTES);
            addSignal(set, KICK_SIGNAL);
            MemorySegment zero = a.allocate(16); // struct timespec {0, 0}: poll, do not wait
            long rc = LibC.syscall(LibC.SYS_rt_sigtimedwait, LibC.address(set), 0, LibC.address(zero), KERNEL_SIGSET_BYTES, 0, 0);
            return rc == KICK_SIGNAL;
        }
    }

    private static void addSignal(MemorySegment set, int sig) {
        int bit = sig - 1;
        long word = set.get(ValueLayout.JAVA_LONG, (bit / 64) * 8L);
        set.set(ValueLayout.JAVA_LONG, (bit / 64) * 8L, word | (1L << (bit % 64)));
    }

    private static int sigrtmin() {
        return LibC.sigrtmin();
    }
}
