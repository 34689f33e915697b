package io.jvmm.machine;

import io.jvmm.boot.SystemMap;
import io.jvmm.core.vm.RipSamples;

import java.util.Map;

/**
 * Where the guest spends its time: every vCPU's instruction pointer, sampled at the interval given to
 * {@link Machine#enableProfiling}, and the report that names kernel functions through System.map.
 */
public final class GuestProfile {
    private final RipSamples samples;

    GuestProfile(RipSamples samples) {
        this.samples = samples;
    }

    /** Samples taken so far. */
    public long sampleCount() {
        return samples.total();
    }

    /** A copy of guest RIP → samples. */
    public Map<Long, Long> samples() {
        return samples.snapshot();
    }

    /**
     * The {@code top} functions by samples, highest first, with their share; {@code map} null names no
     * functions (raw addresses).
     */
    public String report(SystemMap map, int top) {
        return GuestProfileReport.format(samples.snapshot(), map, top);
    }
}
