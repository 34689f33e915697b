package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct kvm_pit_state2}: the in-kernel i8254's three channels ({@code struct
 * kvm_pit_channel_state}, 24 bytes each: count, latches, mode, gate, count_load_time) and flags.
 */
public final class KvmPitState2 extends KvmStruct {
    public static final StructLayout CHANNEL = MemoryLayout.structLayout(
            JAVA_INT.withName("count"),
            JAVA_SHORT.withName("latched_count"),
            JAVA_BYTE.withName("count_latched"),
            JAVA_BYTE.withName("status_latched"),
            JAVA_BYTE.withName("status"),
            JAVA_BYTE.withName("read_state"),
            JAVA_BYTE.withName("write_state"),
            JAVA_BYTE.withName("write_latch"),
            JAVA_BYTE.withName("rw_mode"),
            JAVA_BYTE.withName("mode"),
            JAVA_BYTE.withName("bcd"),
            JAVA_BYTE.withName("gate"),
            JAVA_LONG.withName("count_load_time")).withName("kvm_pit_channel_state");
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(3, CHANNEL).withName("channels"),
            JAVA_INT.withName("flags"),
            MemoryLayout.sequenceLayout(9, JAVA_INT).withName("reserved")).withName("kvm_pit_state2");

    public KvmPitState2() {
        super(LAYOUT);
    }
}
