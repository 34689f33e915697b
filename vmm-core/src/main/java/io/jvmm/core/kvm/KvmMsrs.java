package io.jvmm.core.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_msrs}: a header (nmsrs, pad) followed by {@code nmsrs} × {@code struct
 * kvm_msr_entry} (index, reserved, data).
 */
public final class KvmMsrs extends KvmStruct {
    public static final StructLayout HEADER = MemoryLayout.structLayout(
            JAVA_INT.withName("nmsrs"),
            JAVA_INT.withName("pad")).withName("kvm_msrs");
    public static final StructLayout ENTRY = MemoryLayout.structLayout(
            JAVA_INT.withName("index"),
            JAVA_INT.withName("reserved"),
            JAVA_LONG.withName("data")).withName("kvm_msr_entry");

    // Architectural MSRs the boot path sets (Intel SDM vol. 4; names as in arch/x86/include/asm/msr-index.h)
    public static final int MSR_IA32_SYSENTER_CS = 0x174;
    public static final int MSR_IA32_SYSENTER_ESP = 0x175;
    public static final int MSR_IA32_SYSENTER_EIP = 0x176;
    public static final int MSR_IA32_TSC = 0x10;
    public static final int MSR_IA32_MISC_ENABLE = 0x1a0;
    public static final int MSR_STAR = 0xc0000081;
    public static final int MSR_LSTAR = 0xc0000082;
    public static final int MSR_CSTAR = 0xc0000083;
    public static final int MSR_SYSCALL_MASK = 0xc0000084;
    public static final int MSR_KERNEL_GS_BASE = 0xc0000102;

    private static final long NMSRS = offsetOf(HEADER, "nmsrs");
    private static final long ENTRY_INDEX = offsetOf(ENTRY, "index");
    private static final long ENTRY_RESERVED = offsetOf(ENTRY, "reserved");
    private static final long ENTRY_DATA = offsetOf(ENTRY, "data");

    private final int capacity;

    /** Room for {@code capacity} entries; fill with {@link #set}. */
    public KvmMsrs(int capacity) {
        super(Arena.ofAuto().allocate(HEADER.byteSize() + capacity * ENTRY.byteSize(), ENTRY.byteAlignment()));
        this.capacity = capacity;
        segment.set(JAVA_INT, NMSRS, capacity);
    }

    public int nmsrs() {
        return segment.get(JAVA_INT, NMSRS);
    }

    /** Entry {@code i}: MSR {@code index} with {@code data}. */
    public KvmMsrs set(int i, int index, long data) {
        long off = entry(i);
        segment.set(JAVA_INT, off + ENTRY_INDEX, index);
        segment.set(JAVA_INT, off + ENTRY_RESERVED, 0);
        segment.set(JAVA_LONG, off + ENTRY_DATA, data);
        return this;
    }

    public int index(int i) {
        return segment.get(JAVA_INT, entry(i) + ENTRY_INDEX);
    }

    public long data(int i) {
        return segment.get(JAVA_LONG, entry(i) + ENTRY_DATA);
    }

    private long entry(int i) {
        if (i < 0 || i >= capacity) {
            throw new IndexOutOfBoundsException(i);
        }
        return HEADER.byteSize() + i * ENTRY.byteSize();
    }
}
