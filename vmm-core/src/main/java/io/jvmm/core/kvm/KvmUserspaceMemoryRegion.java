package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** {@code struct kvm_userspace_memory_region}: maps host memory at {@code userspace_addr} into the guest. */
public final class KvmUserspaceMemoryRegion extends KvmStruct {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("slot"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("guest_phys_addr"),
            JAVA_LONG.withName("memory_size"),
            JAVA_LONG.withName("userspace_addr")).withName("kvm_userspace_memory_region");

    public KvmUserspaceMemoryRegion(int slot, int flags, long guestPhysAddr, long memorySize, long userspaceAddr) {
        super(LAYOUT);
        segment.set(JAVA_INT, 0, slot);
        segment.set(JAVA_INT, 4, flags);
        segment.set(JAVA_LONG, 8, guestPhysAddr);
        segment.set(JAVA_LONG, 16, memorySize);
        segment.set(JAVA_LONG, 24, userspaceAddr);
    }
}
