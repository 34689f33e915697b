package io.jvmm.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BootTimerTest {
    final AtomicLong clock = new AtomicLong(5_000_000_000L);
    // Process started at 1 s, the VM build at 3 s, on the fake clock.
    final BootTimer timer = new BootTimer(1_000_000_000L, 3_000_000_000L, clock::get);

    @Test
    void magicByteAtOffsetZeroRecordsBothDurations() {
        assertTrue(timer.result().isEmpty());
        timer.write(0, new byte[] {123});
        BootTimer.BootTime t = timer.result().orElseThrow();
        assertEquals(Duration.ofSeconds(4), t.sinceProcessStart());
        assertEquals(Duration.ofSeconds(2), t.sinceBuildStart());
        assertEquals(t, timer.fired().toCompletableFuture().getNow(null));
    }

    @Test
    void onlyTheFirstSignalCounts() {
        timer.write(0, new byte[] {123});
        clock.addAndGet(TimeUnit.SECONDS.toNanos(10));
        timer.write(0, new byte[] {123});
        assertEquals(Duration.ofSeconds(2), timer.result().orElseThrow().sinceBuildStart());
    }

    @Test
    void otherAccessesAreIgnored() {
        timer.write(0, new byte[] {122});
        timer.write(1, new byte[] {123});
        timer.write(0, new byte[] {123, 0});            // 16-bit write: not a byte write
        timer.write(0, new byte[] {123, 0, 0, 0});
        timer.write(0, new byte[0]);
        timer.write(0xfff, new byte[] {123});
        timer.write(-1, new byte[] {123});
        assertTrue(timer.result().isEmpty());
        byte[] data = {1, 2, 3, 4, 5, 6, 7, 8};
        timer.read(0, data);
        assertArrayEquals(new byte[8], data);
        timer.read(0x10000, new byte[3]);
    }

    @Test
    @Timeout(10)
    void awaitReturnsWhenTheGuestSignalsAndTimesOutOtherwise() throws Exception {
        assertEquals(Optional.empty(), timer.await(Duration.ofMillis(20)));
        Thread vcpu = Thread.ofPlatform().name("test-vcpu-0").start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            timer.write(0, new byte[] {123});
        });
        Optional<BootTimer.BootTime> t = timer.await(Duration.ofSeconds(5));
        vcpu.join();
        assertEquals(Duration.ofSeconds(4), t.orElseThrow().sinceProcessStart());
    }
}
