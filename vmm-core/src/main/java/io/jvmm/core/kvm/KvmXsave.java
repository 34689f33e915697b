package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * {@code struct kvm_xsave}: the vCPU's XSAVE area, 4 KiB ({@code __u32 region[1024]}), in the format
 * of the XSAVE instruction (Intel SDM vol. 1, 13.4): the legacy FXSAVE image, the XSAVE header at
 * 512, the extended components (AVX upper halves, AVX-512 ...) at their CPUID-given offsets. Kept as
 * bytes: jvmm saves and restores it whole.
 */
public final class KvmXsave extends KvmStruct {
    public static final int SIZE = 4096;
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(SIZE, JAVA_BYTE).withName("region")).withName("kvm_xsave");

    public KvmXsave() {
        super(LAYOUT);
    }
}
