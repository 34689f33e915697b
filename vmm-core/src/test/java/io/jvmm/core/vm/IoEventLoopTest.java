package io.jvmm.core.vm;

import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CountDownLatch;
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
            CountDownLatch bRan = new CountDownLatch(3);
            String[] thread = new String[1];
            IoEventLoop loop = new IoEventLoop();
            loop.addEventFd("a", a.fd(), aRuns::incrementAndGet);
            loop.addEventFd("b", b.fd(), () -> {
                thread[0] = Thread.currentThread().getName();
                bRan.countDown();
                if (bRan.getCount() == 2) {
                    throw new IllegalStateException("a failing handler does not stop the loop");
                }
            });
            loop.start();
            for (int i = 0; i < 3; i++) {
                signal(b);
                Thread.sleep(20);
            }
            assertTrue(bRan.await(10, TimeUnit.SECONDS));
            assertEquals("vmm-io", thread[0]);
            assertEquals(0, aRuns.get());
            loop.close();
        }
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("vmm-io") && t.isAlive()),
                "the I/O thread must end on close");
    }
}
