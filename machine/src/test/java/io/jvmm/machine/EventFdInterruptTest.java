package io.jvmm.machine;

import io.jvmm.core.sys.OwnedFd;
import io.jvmm.core.sys.Sys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Fix 5.8: a trigger racing close() must never write to the fd number once it was closed (and maybe reused). */
@Timeout(120)
class EventFdInterruptTest {
    @Test
    void triggerRacingCloseNeverFailsNorWritesToAReusedFdNumber() throws Exception {
        for (int round = 0; round < 2000; round++) {
            EventFdInterrupt irq = new EventFdInterrupt(Sys.eventfd(Sys.EFD_NONBLOCK), 4);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            boolean[] done = new boolean[1];
            Object lock = new Object();
            Thread triggering = Thread.ofPlatform().name("irq-trigger").start(() -> {
                try {
                    while (true) {
                        synchronized (lock) {
                            if (done[0]) {
                                return;
                            }
                        }
                        irq.trigger();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            for (int spin = ThreadLocalRandom.current().nextInt(20_000); spin > 0; spin--) {
                Thread.onSpinWait();
            }
            irq.close();
            // The lowest free number is the one just closed: a stray write would land in this eventfd.
            try (OwnedFd victim = Sys.eventfd(Sys.EFD_NONBLOCK)) {
                for (int spin = 0; spin < 2_000; spin++) {
                    Thread.onSpinWait();
                }
                synchronized (lock) {
                    done[0] = true;
                }
                triggering.join();
                assertNull(failure.get(), "a trigger after close() failed");
                assertEquals(0, counter(victim), "a trigger wrote into the fd number after close()");
            }
        }
    }

    /** The eventfd's counter (reading resets it); 0 when nothing was written (EAGAIN). */
    private static long counter(OwnedFd fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8);
            long n = Sys.read(fd.fd(), buf, "victim");
            return n == 8 ? buf.get(ValueLayout.JAVA_LONG, 0) : 0;
        }
    }
}
