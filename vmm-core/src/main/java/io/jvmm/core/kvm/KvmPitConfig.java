package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** {@code struct kvm_pit_config}: flags and padding for KVM_CREATE_PIT2. */
public final class KvmPitConfig extends KvmStruct {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("flags"),
            MemoryLayout.sequenceLayout(15, JAVA_INT).withName("pad")).withName("kvm_pit_config");

    /** Speaker port 0x61 dummy: KVM answers reads of port 0x61 itself (Firecracker does the same). */
    public static final int KVM_PIT_SPEAKER_DUMMY = 1;

    private static final long FLAGS = offsetOf(LAYOUT, "flags");

    public KvmPitConfig(int flags) {
        super(LAYOUT);
        segment.set(JAVA_INT, FLAGS, flags);
    }
}
