package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** {@code struct kvm_irqfd}: an eventfd whose signal KVM turns into an interrupt on {@code gsi}. */
public final class KvmIrqfd extends KvmStruct {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"),
            JAVA_INT.withName("gsi"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("resamplefd"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("pad")).withName("kvm_irqfd");

    public static final int KVM_IRQFD_FLAG_DEASSIGN = 1;

    private static final long FD = offsetOf(LAYOUT, "fd");
    private static final long GSI = offsetOf(LAYOUT, "gsi");
    private static final long FLAGS = offsetOf(LAYOUT, "flags");

    public KvmIrqfd(int fd, int gsi, int flags) {
        super(LAYOUT);
        segment.set(JAVA_INT, FD, fd);
        segment.set(JAVA_INT, GSI, gsi);
        segment.set(JAVA_INT, FLAGS, flags);
    }
}
