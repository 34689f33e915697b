package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_clock_data}: the VM's kvm-clock in ns ({@code clock}); with KVM_CLOCK_REALTIME /
 * KVM_CLOCK_HOST_TSC in {@code flags}, the host's realtime and TSC at that instant.
 */
public final class KvmClockData extends KvmStruct {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("clock"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("pad0"),
            JAVA_LONG.withName("realtime"),
            JAVA_LONG.withName("host_tsc"),
            MemoryLayout.sequenceLayout(4, JAVA_INT).withName("pad")).withName("kvm_clock_data");

    private static final long CLOCK = offsetOf(LAYOUT, "clock");
    private static final long FLAGS = offsetOf(LAYOUT, "flags");

    public KvmClockData() {
        super(LAYOUT);
    }

    public long clock() {
        return segment.get(JAVA_LONG, CLOCK);
    }

    public int flags() {
        return segment.get(JAVA_INT, FLAGS);
    }

    /** Clears flags: KVM_SET_CLOCK then sets the clock to {@code clock} as is. */
    public KvmClockData clearFlags() {
        segment.set(JAVA_INT, FLAGS, 0);
        return this;
    }
}
