package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** {@code struct kvm_translation}: a guest linear address translated by the vCPU's current page tables. */
public final class KvmTranslation extends KvmStruct {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("linear_address"),
            JAVA_LONG.withName("physical_address"),
            JAVA_BYTE.withName("valid"),
            JAVA_BYTE.withName("writeable"),
            JAVA_BYTE.withName("usermode"),
            MemoryLayout.paddingLayout(5)).withName("kvm_translation");

    private static final long LINEAR_ADDRESS = offsetOf(LAYOUT, "linear_address");
    private static final long PHYSICAL_ADDRESS = offsetOf(LAYOUT, "physical_address");
    private static final long VALID = offsetOf(LAYOUT, "valid");

    public KvmTranslation(long linear) {
        super(LAYOUT);
        segment.set(JAVA_LONG, LINEAR_ADDRESS, linear);
    }

    public long physicalAddress() {
        return segment.get(JAVA_LONG, PHYSICAL_ADDRESS);
    }

    public boolean valid() {
        return segment.get(JAVA_BYTE, VALID) != 0;
    }
}
