package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * {@code struct kvm_ioapic_state} (arch/x86/include/uapi/asm/kvm.h), the IOAPIC member of the {@code chip} union
 * of a {@link KvmIrqchip} with chip_id KVM_IRQCHIP_IOAPIC; read-only view over those bytes.
 *
 * <pre>
 *   0 base_address u64   8 ioregsel u32   12 id u32   16 irr u32   20 pad u32
 *  24 redirtbl[24]: u64 each (IOAPIC redirection entries: bits 7:0 vector, 16 mask, 15 trig_mode
 *     (1 = level), 14 remote_irr, 63:56 dest_id)
 * </pre>
 *
 * <p>{@code irr} is KVM's pin input state (arch/x86/kvm/ioapic.c): a pin's bit is set when its line is raised and
 * cleared only when it is lowered. For an edge-triggered pin a raise while the bit is set is not an edge: KVM
 * drops it as coalesced.
 */
public final class KvmIoapicState extends KvmStruct {
    public static final int KVM_IOAPIC_NUM_PINS = 24;
    /** Redirection entry bit 15: 1 level-triggered, 0 edge-triggered. */
    public static final long IOAPIC_TRIG_MODE_LEVEL = 1L << 15;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("base_address"),
            JAVA_INT.withName("ioregsel"),
            JAVA_INT.withName("id"),
            JAVA_INT.withName("irr"),
            JAVA_INT.withName("pad"),
            MemoryLayout.sequenceLayout(KVM_IOAPIC_NUM_PINS, JAVA_LONG).withName("redirtbl")).withName("kvm_ioapic_state");

    private static final long IRR = offsetOf(LAYOUT, "irr");
    private static final long REDIRTBL = offsetOf(LAYOUT, "redirtbl");
    private static final long CHIP = offsetOf(KvmIrqchip.LAYOUT, "chip");

    private KvmIoapicState(MemorySegment segment) {
        super(segment);
    }

    /**
     * The IOAPIC state inside the bytes of a {@code struct kvm_irqchip} (its {@code chip} union); the segment may
     * be a heap one (a snapshot's bytes), so fields are read without alignment requirements.
     */
    public static KvmIoapicState ofIrqchip(MemorySegment irqchip) {
        return new KvmIoapicState(irqchip.asSlice(CHIP, LAYOUT.byteSize()));
    }

    public int irr() {
        return segment.get(JAVA_INT_UNALIGNED, IRR);
    }

    /** Redirection table entry {@code pin} (0..23). */
    public long redirtbl(int pin) {
        return segment.get(JAVA_LONG_UNALIGNED, REDIRTBL + 8L * pin);
    }

    /** The pins whose line is recorded as raised ({@code irr}) and whose entry is edge-triggered, as a bit mask. */
    public int raisedEdgePins() {
        int pins = 0;
        int irr = irr();
        for (int pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++) {
            if ((irr & (1 << pin)) != 0 && (redirtbl(pin) & IOAPIC_TRIG_MODE_LEVEL) == 0) {
                pins |= 1 << pin;
            }
        }
        return pins;
    }
}
