package io.jvmm.core.sys;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SysCallExceptionTest {
    @Test
    void failedCallNamesTheCallAndTheErrno() {
        var e = assertThrows(SysCallException.class, () -> Sys.ioctl(-1, 0xAE01, "KVM_CREATE_VM", 0));
        assertEquals("ioctl(KVM_CREATE_VM) failed: EBADF (Bad file descriptor)", e.getMessage());
        assertEquals(Errno.EBADF, e.errno());
        var open = assertThrows(SysCallException.class, () -> Sys.open("/nonexistent/jvmm", Sys.O_RDONLY));
        assertEquals("open(/nonexistent/jvmm) failed: ENOENT (No such file or directory)", open.getMessage());
    }

    @Test
    void errnoIsCapturedPerThread() throws Exception {
        // Two threads fail with different errnos at the same time; each must see its own.
        Thread t = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 2000; i++) {
                var e = assertThrows(SysCallException.class, () -> Sys.open("/nonexistent/x", Sys.O_RDONLY));
                assertEquals(Errno.ENOENT, e.errno());
            }
        });
        for (int i = 0; i < 2000; i++) {
            var e = assertThrows(SysCallException.class, () -> Sys.ioctl(-1, 0xAE01, "KVM_CREATE_VM", 0));
            assertEquals(Errno.EBADF, e.errno());
        }
        t.join();
    }

    @Test
    void eventfdReadsBackWhatWasWritten() {
        try (OwnedFd fd = Sys.eventfd(Sys.EFD_NONBLOCK);
             var arena = java.lang.foreign.Arena.ofConfined()) {
            var buf = arena.allocate(8);
            assertEquals(-Errno.EAGAIN, Sys.read(fd.fd(), buf, "eventfd"));
            buf.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 5);
            assertEquals(8, Sys.write(fd.fd(), buf, "eventfd"));
            assertEquals(8, Sys.read(fd.fd(), buf, "eventfd"));
            assertEquals(5, buf.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
        }
    }
}
