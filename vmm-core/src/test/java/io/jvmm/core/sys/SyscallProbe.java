package io.jvmm.core.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Raw system calls for the seccomp tests only: {@code syscall(nr, a0..a5)}, answering the result or
 * -errno. jvmm itself has one method per call in {@link Sys}; the tests need calls jvmm never makes.
 */
@SuppressWarnings("restricted")
final class SyscallProbe {
    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));

    private SyscallProbe() {
    }

    static long call(long nr, long... args) {
        long[] a = java.util.Arrays.copyOf(args, 6);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
            long r = (long) SYSCALL.invokeExact(capture, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
            return r < 0 ? -(int) ERRNO.get(capture, 0L) : r;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A NUL-terminated copy of {@code s} that lives as long as {@code arena}; its address for a call. */
    static long cString(Arena arena, String s) {
        return arena.allocateFrom(s).address();
    }

    /** The errno name of a -errno result, or "ok" for a success. */
    static String outcome(long r) {
        return r >= 0 ? "ok" : Errno.name((int) -r);
    }
}
