package io.jvmm.devices.legacy;

import io.jvmm.devices.DeviceStateException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** BootTimer.state() / BootTimer.restore(): a fired timer stays fired with the boot time it measured. */
class BootTimerStateTest {
    final AtomicLong clock = new AtomicLong(5_000_000_000L);
    final BootTimer timer = new BootTimer(1_000_000_000L, 3_000_000_000L, clock::get);

    @Test
    void unfiredTimerRoundTripsAndStillFires() {
        BootTimerState state = timer.state();
        assertEquals(new BootTimerState(false, 0, 0), state);
        BootTimer restored = BootTimer.restore(state, 0, 4_000_000_000L, clock::get);
        assertEquals(state, restored.state());
        assertTrue(restored.result().isEmpty());
        restored.write(0, new byte[] {BootTimer.MAGIC_VALUE_SIGNAL_GUEST_BOOT_COMPLETE});
        assertEquals(Duration.ofSeconds(1), restored.result().orElseThrow().sinceBuildStart());
    }

    @Test
    void firedTimerKeepsItsBootTimeAndIgnoresLaterSignals() {
        timer.write(0, new byte[] {BootTimer.MAGIC_VALUE_SIGNAL_GUEST_BOOT_COMPLETE});
        BootTimerState state = timer.state();
        assertEquals(new BootTimerState(true, 4_000_000_000L, 2_000_000_000L), state);

        clock.addAndGet(60_000_000_000L);
        BootTimer restored = BootTimer.restore(state, 0, 0, clock::get);
        assertEquals(state, restored.state());
        assertEquals(Duration.ofSeconds(4), restored.fired().toCompletableFuture().getNow(null).sinceProcessStart());
        restored.write(0, new byte[] {BootTimer.MAGIC_VALUE_SIGNAL_GUEST_BOOT_COMPLETE});
        assertEquals(state, restored.state(), "the first boot time stays");
    }

    @Test
    void tamperedRecordsAreRefused() {
        assertEquals("boot-timer: boot times recorded although the timer has not fired",
                assertThrows(DeviceStateException.class,
                        () -> BootTimer.restore(new BootTimerState(false, 1, 0), 0, 0, clock::get)).getMessage());
        assertEquals("boot-timer: sinceProcessStartNanos -1 is negative",
                assertThrows(DeviceStateException.class,
                        () -> BootTimer.restore(new BootTimerState(true, -1, 0), 0, 0, clock::get)).getMessage());
        assertEquals("boot-timer: sinceBuildStartNanos -5 is negative",
                assertThrows(DeviceStateException.class,
                        () -> BootTimer.restore(new BootTimerState(true, 1, -5), 0, 0, clock::get)).getMessage());
    }
}
