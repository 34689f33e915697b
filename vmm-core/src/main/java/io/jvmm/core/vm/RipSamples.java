package io.jvmm.core.vm;

import java.util.HashMap;
import java.util.Map;

/**
 * A histogram of sampled guest instruction pointers (per machine, all vCPUs). Written by vCPU threads
 * when the profiler asks for a sample, read once at the end.
 */
public final class RipSamples {
    private final Map<Long, Long> counts = new HashMap<>();
    private long total;

    synchronized void add(long rip) {
        counts.merge(rip, 1L, Long::sum);
        total++;
    }

    /** A copy of RIP → sample count. */
    public synchronized Map<Long, Long> snapshot() {
        return new HashMap<>(counts);
    }

    public synchronized long total() {
        return total;
    }
}
