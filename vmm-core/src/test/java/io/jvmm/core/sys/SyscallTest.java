package io.jvmm.core.sys;

import io.jvmm.core.kvm.KernelHeaderCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Every system call goes through {@code syscall(2)} by number: the numbers, and the calls themselves. */
class SyscallTest {
    @Test
    void numbersMatchTheKernelHeader() throws Exception {
        assumeTrue(KernelHeaderCheck.available(), KernelHeaderCheck.unavailableReason());
        Map<String, Long> java = new LinkedHashMap<>();
        for (var f : LibC.class.getDeclaredFields()) {
            if (f.getName().startsWith("SYS_")) {
                java.put(f.getName(), f.getLong(null));
            }
        }
        assertEquals(25, java.size(), "system call numbers in LibC");
        Map<String, String> expressions = new LinkedHashMap<>();
        java.keySet().forEach(name -> expressions.put(name, name));
        assertEquals(java, KernelHeaderCheck.evaluate("#include <sys/syscall.h>\n", expressions));
    }

    @Test
    void callsReachTheKernel() {
        assertEquals(ProcessHandle.current().pid(), Sys.getpid());
        try (OwnedFd efd = Sys.eventfd(Sys.EFD_NONBLOCK); Arena a = Arena.ofConfined()) {
            assertFalse(Sys.isatty(efd.fd()));
            MemorySegment buf = a.allocate(8);
            assertEquals(-Errno.EAGAIN, Sys.read(efd.fd(), buf, "eventfd"), "an empty non-blocking eventfd");
            buf.set(ValueLayout.JAVA_LONG, 0, 5);
            assertEquals(8, Sys.write(efd.fd(), buf, "eventfd"));
            buf.set(ValueLayout.JAVA_LONG, 0, 0);
            assertEquals(8, Sys.read(efd.fd(), buf, "eventfd"));
            assertEquals(5, buf.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    @Test
    void failureCarriesTheCallAndErrno() {
        SysCallException e = assertThrows(SysCallException.class, () -> Sys.ioctl(-1, 0xAE01, "KVM_CREATE_VM", 0L));
        assertTrue(e.getMessage().contains("ioctl(KVM_CREATE_VM)") && e.getMessage().contains("EBADF"), e.getMessage());
    }

    /**
     * {@code __libc_current_sigrtmin} linked with syscall's shape (to share its stub) answers what the function
     * linked with its own C signature answers; glibc has reserved two real-time signals since NPTL.
     */
    @Test
    @SuppressWarnings("restricted")
    void sigrtminThroughTheSyscallShape() throws Throwable {
        java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
        var own = linker.downcallHandle(linker.defaultLookup().find("__libc_current_sigrtmin").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_INT));
        int expected = (int) own.invokeExact();
        assertEquals(expected, LibC.sigrtmin());
        assertTrue(expected >= 32 && expected <= 35, "SIGRTMIN " + expected);
    }

    @Test
    void heapSegmentsAreRefused() {
        MemorySegment heap = MemorySegment.ofArray(new byte[8]);
        assertThrows(IllegalArgumentException.class, () -> Sys.write(1, heap, "stdout"));
    }

    @Test
    void kickIsConsumedFromThePendingSet() throws Exception {
        // On a thread of its own: the kick signal stays blocked in it for its lifetime.
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                VcpuKick kick = VcpuKick.forCurrentThread();
                assertFalse(VcpuKick.consume(), "nothing pending yet");
                kick.kick();
                kick.kick();
                assertTrue(VcpuKick.consume());
                assertTrue(VcpuKick.consume(), "real-time signals queue");
                assertFalse(VcpuKick.consume());
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment mask = a.allocate(VcpuKick.KERNEL_SIGSET_BYTES);
                    VcpuKick.fillRunMask(mask);
                    assertEquals(0, mask.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) & (1L << (VcpuKick.signal() - 1)),
                            "the guest runs with the kick unblocked");
                }
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "kick-test");
        t.start();
        t.join(10_000);
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }
}
