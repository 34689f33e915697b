package io.jvmm.core.vm;

import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
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

    private static boolean ioThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("vmm-io") && t.isAlive());
    }

    @Test
    void handlersRunOnTheIoThreadForEachSignalledEventFd() throws Exception {
        try (OwnedFd a = Sys.eventfd(Sys.EFD_NONBLOCK); OwnedFd b = Sys.eventfd(Sys.EFD_NONBLOCK)) {
            AtomicInteger aRuns = new AtomicInteger();
            Semaphore bRan = new Semaphore(0);
            String[] thread = new String[1];
            IoEventLoop loop = new IoEventLoop(exit -> { });
            loop.addEventFd("a", a.fd(), aRuns::incrementAndGet);
            loop.addEventFd("b", b.fd(), () -> {
                thread[0] = Thread.currentThread().getName();
                bRan.release();
            });
            loop.start();
            for (int i = 0; i < 3; i++) {
                // One signal at a time: an eventfd counts signals, so two before a wake-up are one event.
                signal(b);
                assertTrue(bRan.tryAcquire(10, TimeUnit.SECONDS), "handler run " + (i + 1));
            }
            assertEquals("vmm-io", thread[0]);
            assertEquals(0, aRuns.get());
            assertTrue(loop.stopAndJoin(Duration.ofSeconds(10)));
        }
        assertFalse(ioThreadAlive(), "the I/O thread must end on close");
    }

    /** Fix 5.4: a handler's exception used to be logged while the loop (and the guest) went on. */
    @Test
    void aFailingHandlerEndsTheLoopAndReportsAFailureExit() throws Exception {
        try (OwnedFd a = Sys.eventfd(Sys.EFD_NONBLOCK)) {
            CompletableFuture<MachineExit> reported = new CompletableFuture<>();
            IoEventLoop loop = new IoEventLoop(reported::complete);
            loop.addEventFd("virtio-blk0-q0", a.fd(), () -> {
                throw new IllegalStateException("queue broken");
            });
            loop.start();
            signal(a);
            MachineExit exit = reported.get(10, TimeUnit.SECONDS);
            assertFalse(exit.success());
            assertEquals("vmm-io: virtio-blk0-q0: java.lang.IllegalStateException: queue broken", exit.reason());
            assertTrue(loop.stopAndJoin(Duration.ofSeconds(10)), "the loop thread ended");
        }
    }

    @Test
    void pauseReturnsWithTheLoopParkedAndResumeServesWhatCameMeanwhile() throws Exception {
        try (OwnedFd a = Sys.eventfd(Sys.EFD_NONBLOCK)) {
            Semaphore ran = new Semaphore(0);
            IoEventLoop loop = new IoEventLoop(exit -> { });
            loop.addEventFd("a", a.fd(), ran::release);
            loop.start();
            signal(a);
            assertTrue(ran.tryAcquire(10, TimeUnit.SECONDS));
            loop.pause();
            signal(a);
            assertFalse(ran.tryAcquire(300, TimeUnit.MILLISECONDS), "a handler ran while the loop was paused");
            loop.resume();
            assertTrue(ran.tryAcquire(10, TimeUnit.SECONDS), "the notification that came while paused was lost");
            loop.pause();
            assertTrue(loop.stopAndJoin(Duration.ofSeconds(10)), "a paused loop stops");
        }
        assertFalse(ioThreadAlive());
    }

    @Test
    void aHeldLoopServesNothingUntilReleasedAndAPauseMeanwhileHoldsOn() throws Exception {
        try (OwnedFd a = Sys.eventfd(Sys.EFD_NONBLOCK)) {
            Semaphore ran = new Semaphore(0);
            IoEventLoop loop = new IoEventLoop(exit -> { });
            loop.addEventFd("a", a.fd(), ran::release);
            loop.start(true);
            signal(a);
            assertFalse(ran.tryAcquire(300, TimeUnit.MILLISECONDS), "a handler ran while the loop was held");
            loop.pause(); // returns: a held loop is parked
            loop.release();
            assertFalse(ran.tryAcquire(300, TimeUnit.MILLISECONDS), "release ended a pause that was asked for meanwhile");
            loop.resume();
            assertTrue(ran.tryAcquire(10, TimeUnit.SECONDS), "the notification that came while held was lost");
            assertTrue(loop.stopAndJoin(Duration.ofSeconds(10)));
        }
        try (OwnedFd a = Sys.eventfd(Sys.EFD_NONBLOCK)) {
            IoEventLoop loop = new IoEventLoop(exit -> { });
            loop.addEventFd("a", a.fd(), () -> { });
            loop.start(true);
            assertTrue(loop.stopAndJoin(Duration.ofSeconds(10)), "a held loop that is never released stops");
        }
        assertFalse(ioThreadAlive());
    }

    /** Fix 5.3: close() used to ignore a failed join, and the machine then unmapped what the handler used. */
    @Test
    void stopAndJoinReportsAHandlerThatDoesNotReturnAndCanBeRetried() throws Exception {
        try (OwnedFd a = Sys.eventfd(Sys.EFD_NONBLOCK)) {
            CountDownLatch inHandler = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            IoEventLoop loop = new IoEventLoop(exit -> { });
            loop.addEventFd("stuck", a.fd(), () -> {
                inHandler.countDown();
                release.await();
            });
            loop.start();
            signal(a);
            assertTrue(inHandler.await(10, TimeUnit.SECONDS));
            assertFalse(loop.stopAndJoin(Duration.ofMillis(200)), "a handler that does not return must be reported");
            assertTrue(ioThreadAlive());
            release.countDown();
            assertTrue(loop.stopAndJoin(Duration.ofSeconds(10)), "a retry once the handler returned");
        }
        assertFalse(ioThreadAlive());
    }
}
