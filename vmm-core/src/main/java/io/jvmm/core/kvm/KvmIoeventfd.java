package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_ioeventfd}: a guest write of {@code len} bytes to {@code addr} (matching
 * {@code datamatch} when that flag is set) signals the eventfd inside KVM, without an exit to jvmm.
 */
public final class KvmIoeventfd extends KvmStruct {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("datamatch"),
            JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"),
            JAVA_INT.withName("fd"),
            JAVA_INT.withName("flags"),
            MemoryLayout.sequenceLayout(36, JAVA_BYTE).withName("pad")).withName("kvm_ioeventfd");

    public static final int KVM_IOEVENTFD_FLAG_DATAMATCH = 1 << 0;
    public static final int KVM_IOEVENTFD_FLAG_PIO = 1 << 1;
    public static final int KVM_IOEVENTFD_FLAG_DEASSIGN = 1 << 2;

    private static final long DATAMATCH = offsetOf(LAYOUT, "datamatch");
    private static final long ADDR = offsetOf(LAYOUT, "addr");
    private static final long LEN = offsetOf(LAYOUT, "len");
    private static final long FD = offsetOf(LAYOUT, "fd");
    private static final long FLAGS = offsetOf(LAYOUT, "flags");

    public KvmIoeventfd(long addr, int len, int fd, int flags, long datamatch) {
        super(LAYOUT);
        segment.set(JAVA_LONG, DATAMATCH, datamatch);
        segment.set(JAVA_LONG, ADDR, addr);
        segment.set(JAVA_INT, LEN, len);
        segment.set(JAVA_INT, FD, fd);
        segment.set(JAVA_INT, FLAGS, flags);
    }
}
