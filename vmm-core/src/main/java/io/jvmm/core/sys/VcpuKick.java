package io.jvmm.core.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Kicks a thread out of a blocking {@code KVM_RUN} with a signal, without a signal handler.
 *
 * <p>The scheme QEMU used for years: the kick signal (SIGRTMIN+3; the JVM uses no real-time signals) is
 * blocked in the vCPU thread at all times, and the vCPU is told with {@code KVM_SET_SIGNAL_MASK} to run
 * the guest with it unblocked. A kick sent with {@code pthread_kill} while the guest runs (or sits in
 * in-kernel HLT) makes KVM_RUN return {@code EINTR}; a kick sent while the thread is outside KVM_RUN
 * stays pending and makes the next KVM_RUN return at once. Since the signal is blocked outside KVM_RUN
 * it is never delivered: {@link #consume()} takes it off the pending set with {@code sigtimedwait}.
 * No Java code ever runs in signal context.
 */
public final class VcpuKick {
    private static final int SIG_BLOCK = 0;
    /** glibc's sigset_t is 1024 bits; the kernel's (KVM_SET_SIGNAL_MASK) is 64. */
    private static final int GLIBC_SIGSET_BYTES = 128;
    public static final int KERNEL_SIGSET_BYTES = 8;

    private static final int KICK_SIGNAL = sigrtmin() + 3;

    private final long pthread;

    private VcpuKick(long pthread) {
        this.pthread = pthread;
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
            int rc = (int) LibC.PTHREAD_SIGMASK.get().invokeExact(SIG_BLOCK, set, MemorySegment.NULL);
            if (rc != 0) {
                throw new SysCallException("pthread_sigmask(SIG_BLOCK)", rc);
            }
            return new VcpuKick((long) LibC.PTHREAD_SELF.get().invokeExact());
        } catch (SysCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
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
            int rc = (int) LibC.PTHREAD_SIGMASK.get().invokeExact(SIG_BLOCK, MemorySegment.NULL, old);
            if (rc != 0) {
                throw new SysCallException("pthread_sigmask(query)", rc);
            }
            int bit = KICK_SIGNAL - 1; // < 64: real-time signals are 32..64
            long mask = old.get(ValueLayout.JAVA_LONG, 0) & ~(1L << bit);
            kernelSigset.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, mask);
        } catch (SysCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Sends the kick. Harmless if the thread is not in KVM_RUN: the next KVM_RUN returns at once. */
    public void kick() {
        int rc;
        try {
            rc = (int) LibC.PTHREAD_KILL.get().invokeExact(pthread, KICK_SIGNAL);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        // ESRCH: the thread has ended (it was stopping anyway); anything else is a jvmm bug.
        if (rc != 0 && rc != 3) {
            throw new SysCallException("pthread_kill", rc);
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
            int rc = (int) LibC.SIGTIMEDWAIT.get().invokeExact(LibC.capture(), set, MemorySegment.NULL, zero);
            return rc == KICK_SIGNAL;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void addSignal(MemorySegment set, int sig) {
        int bit = sig - 1;
        long word = set.get(ValueLayout.JAVA_LONG, (bit / 64) * 8L);
        set.set(ValueLayout.JAVA_LONG, (bit / 64) * 8L, word | (1L << (bit % 64)));
    }

    private static int sigrtmin() {
        try {
            return (int) LibC.SIGRTMIN.get().invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
