package io.jvmm.devices.legacy;

import io.jvmm.core.bus.BusDevice;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The boot timer: an MMIO page (the assembly puts it at 0xC0000000, {@link #MMIO_SIZE} bytes) where the
 * guest's init writes the byte 123 once it is up, so the VMM can measure boot time from outside. The magic
 * value and the rule "one byte at offset 0" are Firecracker's (src/vmm/src/devices/pseudo/boot_timer.rs,
 * MAGIC_VALUE_SIGNAL_GUEST_BOOT_COMPLETE); a guest does it with e.g. {@code devmem 0xc0000000 8 123}.
 *
 * <p>The first such write records two durations, both read from the clock given to the constructor: since
 * the VMM process started and since the VM's build started. It logs one line and completes
 * {@link #fired()}; later writes are ignored (the first one is the boot time). Every other access is
 * ignored and reads return zeros.
 */
public final class BootTimer implements BusDevice {
    private static final Logger LOG = LoggerFactory.getLogger(BootTimer.class);

    /** Size of the MMIO range to insert. */
    public static final long MMIO_SIZE = 0x1000;
    /** The byte the guest writes at offset 0 when it has booted. */
    public static final int MAGIC_VALUE_SIGNAL_GUEST_BOOT_COMPLETE = 123;

    /** When the guest said it had booted, measured from two reference points. */
    public record BootTime(Duration sinceProcessStart, Duration sinceBuildStart) {
        public BootTime {
            Objects.requireNonNull(sinceProcessStart, "sinceProcessStart");
            Objects.requireNonNull(sinceBuildStart, "sinceBuildStart");
        }
    }

    private final long processStartNanos;
    private final long buildStartNanos;
    private final LongSupplier nanoTime;
    private final CompletableFuture<BootTime> result = new CompletableFuture<>();

    /**
     * @param processStartNanos when the VMM process started, on the {@code nanoTime} clock (the assembly
     *     can derive it from {@code ProcessHandle.current().info().startInstant()})
     * @param buildStartNanos   when the assembly started building this VM, on the same clock
     * @param nanoTime          a monotonic clock in nanoseconds ({@code System::nanoTime} in production)
     */
    public BootTimer(long processStartNanos, long buildStartNanos, LongSupplier nanoTime) {
        this.processStartNanos = processStartNanos;
        this.buildStartNanos = buildStartNanos;
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /**
     * The timer's state, for a snapshot: whether the guest has signalled, and the boot time it measured.
     * Precondition: the device is quiescent (the machine has paused the vCPUs).
     */
    public BootTimerState state() {
        BootTime t = result.getNow(null);
        return t == null ? new BootTimerState(false, 0, 0)
                : new BootTimerState(true, t.sinceProcessStart().toNanos(), t.sinceBuildStart().toNanos());
    }

    /**
     * A timer in the state a snapshot recorded. When the record says it fired, {@link #result()} and
     * {@link #fired()} hold the boot time measured by the VM that was snapshotted (a listener on
     * {@link #fired()} runs at once), and a later signal from the guest is ignored as usual. The record is
     * untrusted: negative durations, or durations without the fired flag, throw
     * {@link io.jvmm.devices.DeviceStateException}.
     *
     * @param processStartNanos as for {@link #BootTimer(long, long, LongSupplier)}
     * @param buildStartNanos   as for {@link #BootTimer(long, long, LongSupplier)}
     * @param nanoTime          as for {@link #BootTimer(long, long, LongSupplier)}
     */
    public static BootTimer restore(BootTimerState state, long processStartNanos, long buildStartNanos,
                                    LongSupplier nanoTime) {
        Objects.requireNonNull(state, "state").validate();
        BootTimer timer = new BootTimer(processStartNanos, buildStartNanos, nanoTime);
        if (state.fired()) {
            timer.result.complete(new BootTime(Duration.ofNanos(state.sinceProcessStartNanos()),
                    Duration.ofNanos(state.sinceBuildStartNanos())));
        }
        return timer;
    }

    /** For exit traces: a write of 123 at offset 0 is the guest saying it has booted. */
    @Override
    public Register describe(long offset, boolean write, byte[] data) {
        boolean signal = write && offset == 0 && data.length == 1 && (data[0] & 0xff) == MAGIC_VALUE_SIGNAL_GUEST_BOOT_COMPLETE;
        return new Register("boot-timer", signal ? "the guest has booted (123)" : "ignored");
    }

    @Override
    public void read(long offset, byte[] data) {
        Arrays.fill(data, (byte) 0);
    }

    @Override
    public void write(long offset, byte[] data) {
        // Only a byte-wide write at offset 0 counts, as in Firecracker.
        if (offset != 0 || data.length != 1 || (data[0] & 0xff) != MAGIC_VALUE_SIGNAL_GUEST_BOOT_COMPLETE) {
            return;
        }
        long now = nanoTime.getAsLong();
        BootTime time = new BootTime(Duration.ofNanos(now - processStartNanos), Duration.ofNanos(now - buildStartNanos));
        if (result.complete(time)) {
            LOG.info("Guest boot complete: {} since VMM start, {} since VM build start",
                    millis(time.sinceProcessStart()), millis(time.sinceBuildStart()));
        } else {
            LOG.debug("Boot timer written again; keeping the first boot time");
        }
    }

    /** The boot time, once the guest has signalled it. */
    public Optional<BootTime> result() {
        return Optional.ofNullable(result.getNow(null));
    }

    /**
     * Waits up to {@code timeout} for the guest's signal.
     *
     * @return the boot time, or empty if the guest did not signal within the timeout
     */
    public Optional<BootTime> await(Duration timeout) throws InterruptedException {
        try {
            return Optional.of(result.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the boot timer future never completes exceptionally", e);
        }
    }

    /** Completes with the boot time when the guest signals it; callers cannot complete it themselves. */
    public CompletionStage<BootTime> fired() {
        return result.minimalCompletionStage();
    }

    private static String millis(Duration d) {
        return String.format("%.1f ms", d.toNanos() / 1e6);
    }
}
