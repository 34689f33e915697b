package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct kvm_irqchip}: one in-kernel interrupt controller's state, selected by {@code chip_id}
 * (KVM_IRQCHIP_PIC_MASTER, _PIC_SLAVE, _IOAPIC). The {@code chip} union (kvm_pic_state or
 * kvm_ioapic_state, 512 bytes) is kept as bytes: jvmm saves and restores it whole.
 */
public final class KvmIrqchip extends KvmStruct {
    public static final int KVM_IRQCHIP_PIC_MASTER = 0;
    public static final int KVM_IRQCHIP_PIC_SLAVE = 1;
    public static final int KVM_IRQCHIP_IOAPIC = 2;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("chip_id"),
            JAVA_INT.withName("pad"),
            MemoryLayout.sequenceLayout(512, JAVA_BYTE).withName("chip")).withName("kvm_irqchip");

    /** A struct asking for chip {@code chipId} (KVM_GET_IRQCHIP reads chip_id). */
    public KvmIrqchip(int chipId) {
        super(LAYOUT);
        segment.set(JAVA_INT, 0, chipId);
    }

    public int chipId() {
        return segment.get(JAVA_INT, 0);
    }
}
