package io.jvmm.core.vm;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * Exit counts of one machine: per exit kind ({@code IO_OUT}, {@code MMIO_READ}, ...) and per device
 * (the bus mapping's name, or {@code unhandled-pio}/{@code unhandled-mmio}). Updated by every vCPU
 * thread; LongAdder keeps concurrent increments cheap.
 */
public final class ExitStats {
    private final ConcurrentHashMap<String, LongAdder> byKind = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> byDevice = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong firstExitNanos = new java.util.concurrent.atomic.AtomicLong();
    private volatile LongConsumer firstExitListener;

    /** Records the time of the machine's first exit (a cheap "the guest is running" marker). */
    void noteExit(long nanoTime) {
        if (firstExitNanos.get() == 0 && firstExitNanos.compareAndSet(0, nanoTime)) {
            LongConsumer l = firstExitListener;
            if (l != null) {
                l.accept(nanoTime);
            }
        }
    }

    /**
     * Calls {@code listener} once, with the {@link System#nanoTime()} of the first exit, on the vCPU thread
     * that took it (before the exit is handled: keep it short). Set it before the machine starts.
     */
    public void onFirstExit(LongConsumer listener) {
        firstExitListener = listener;
    }

    /** {@link System#nanoTime()} of the first exit of any vCPU, or 0 when none happened yet. */
    public long firstExitNanos() {
        return firstExitNanos.get();
    }

    void countKind(String kind) {
        byKind.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    void countDevice(String device) {
        byDevice.computeIfAbsent(device, k -> new LongAdder()).increment();
    }

    /** Exit counts per kind, sorted by name. */
    public Map<String, Long> byKind() {
        return snapshot(byKind);
    }

    /** Exit counts per device, sorted by name. */
    public Map<String, Long> byDevice() {
        return snapshot(byDevice);
    }

    public long total() {
        return byKind.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** A multi-line report for {@code --stats}. */
    public String format() {
        StringBuilder sb = new StringBuilder("exits: ").append(total()).append('\n');
        byKind().forEach((k, v) -> sb.append(String.format("  %-16s %10d%n", k, v)));
        sb.append("exits by device:\n");
        byDevice().forEach((k, v) -> sb.append(String.format("  %-16s %10d%n", k, v)));
        return sb.toString();
    }
}
