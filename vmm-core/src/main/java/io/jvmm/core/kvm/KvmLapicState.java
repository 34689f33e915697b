package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct kvm_lapic_state}: the local APIC's 1 KiB register page, registers at their MMIO
 * offsets (Intel SDM vol. 3, table 11-1).
 */
public final class KvmLapicState extends KvmStruct {
    public static final int SIZE = 1024;
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(SIZE, JAVA_BYTE).withName("regs")).withName("kvm_lapic_state");

    /** Local vector table entries for LINT0/LINT1 (arch/x86/include/asm/apicdef.h). */
    public static final int APIC_LVT0 = 0x350;
    public static final int APIC_LVT1 = 0x360;
    /** Delivery modes in LVT bits 10:8. */
    public static final int APIC_MODE_NMI = 0x4;
    public static final int APIC_MODE_EXTINT = 0x7;

    public KvmLapicState() {
        super(LAYOUT);
    }

    public int reg(int offset) {
        return segment.get(JAVA_INT, offset);
    }

    public KvmLapicState reg(int offset, int value) {
        segment.set(JAVA_INT, offset, value);
        return this;
    }
}
