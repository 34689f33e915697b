package io.jvmm.core.vm;

import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class IoEventLoopTest {
    private static void signal(OwnedFd fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(8);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            Sys.write(fd.fd(), one, "test");
        }
    }

    @Test
    void handlersRunOnTheIoThreadForEachSignalledEventFd() throws Exception {
        try (OwnedFd a = Sys.eventfd(Sys.EFD_NONBLOCK); OwnedFd b = Sys.eventfd(Sys.EFD_NONBLOCK)) {
            AtomicInteger aRuns = new AtomicInteger();
            java.util.concurrent.Semaphore bRan = new java.util.concurrent.Semaphore(0);
            AtomicInteger bRuns = new AtomicInteger();
            String[] thread = new String[1];
            IoEventLoop loop = new IoEventLoop();
            loop.addEventFd("a", a.fd(), aRuns::incrementAndGet);
            loop.addEventFd("b", b.fd(), () -> {
                thread[0] = Thread.currentThread().getName();
                bRan.release();
                if (bRuns.incrementAndGet() == 1) {
                    throw new IllegalStateException("a failing handler does not stop the loop");
                }
            });
            loop.start();
            for (int i = 0; i < 3; i++) {
                // One signal at a time: an eventfd counts signals, so two before a wake-up are one event.
                signal(b);
                assertTrue(bRan.tryAcquire(10, TimeUnit.SECONDS), "handler run " + (i + 1));
            }
            assertEquals("vmm-io", thread[0]);
            assertEquals(0, aRuns.get());
            loop.close();
        }
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("vmm-io") && t.isAlive()),
                "the I/O thread must end on close");
    }
}
