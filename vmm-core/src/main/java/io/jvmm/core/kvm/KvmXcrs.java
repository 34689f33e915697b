package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_xcrs}: the extended control registers (XCR0), as {@code nr_xcrs} entries of
 * {@code struct kvm_xcr} (xcr, reserved, value) out of room for 16.
 */
public final class KvmXcrs extends KvmStruct {
    public static final int KVM_MAX_XCRS = 16;
    public static final StructLayout XCR = MemoryLayout.structLayout(
            JAVA_INT.withName("xcr"),
            JAVA_INT.withName("reserved"),
            JAVA_LONG.withName("value")).withName("kvm_xcr");
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("nr_xcrs"),
            JAVA_INT.withName("flags"),
            MemoryLayout.sequenceLayout(KVM_MAX_XCRS, XCR).withName("xcrs"),
            MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("padding")).withName("kvm_xcrs");

    public KvmXcrs() {
        super(LAYOUT);
    }

    public int nrXcrs() {
        return segment.get(JAVA_INT, 0);
    }
}
