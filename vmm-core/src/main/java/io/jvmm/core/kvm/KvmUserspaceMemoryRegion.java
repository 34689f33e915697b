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

    private static final long SLOT = offsetOf(LAYOUT, "slot");
    private static final long FLAGS = offsetOf(LAYOUT, "flags");
    private static final long GUEST_PHYS_ADDR = offsetOf(LAYOUT, "guest_phys_addr");
    private static final long MEMORY_SIZE = offsetOf(LAYOUT, "memory_size");
    private static final long USERSPACE_ADDR = offsetOf(LAYOUT, "userspace_addr");

    public KvmUserspaceMemoryRegion(int slot, int flags, long guestPhysAddr, long memorySize, long userspaceAddr) {
        super(LAYOUT);
        segment.set(JAVA_INT, SLOT, slot);
        segment.set(JAVA_INT, FLAGS, flags);
        segment.set(JAVA_LONG, GUEST_PHYS_ADDR, guestPhysAddr);
        segment.set(JAVA_LONG, MEMORY_SIZE, memorySize);
        segment.set(JAVA_LONG, USERSPACE_ADDR, userspaceAddr);
    }
}
