package io.jvmm.machine.snapshot;

import io.jvmm.core.kvm.KvmIoapicState;
import io.jvmm.core.kvm.KvmIrqchip;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which saved IOAPIC pins {@link VmState#restore} lowers: raised ones that are edge-triggered, only. */
class VmStateTest {
    static final long CHIP = KvmIrqchip.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("chip"));

    @Test
    void raisedEdgePinsAreTheRaisedPinsWithoutLevelTriggering() {
        byte[] ioapic = new byte[(int) KvmIrqchip.LAYOUT.byteSize()];
        MemorySegment s = MemorySegment.ofArray(ioapic);
        long irr = CHIP + KvmIoapicState.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("irr"));
        long table = CHIP + KvmIoapicState.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("redirtbl"));
        s.set(ValueLayout.JAVA_INT_UNALIGNED, irr, 1 << 4 | 1 << 9 | 1 << 23);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, table + 8 * 4, 0x24);                                              // edge
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, table + 8 * 9, 0x29 | KvmIoapicState.IOAPIC_TRIG_MODE_LEVEL);   // level (ACPI SCI)
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, table + 8 * 23, 0x10000);                                         // edge, masked
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, table + 8 * 5, 0x21);                                             // edge, not raised
        VmState state = new VmState(new byte[0], new byte[0], ioapic, new byte[0], new byte[0]);
        assertEquals(1 << 4 | 1 << 23, state.raisedEdgePins());
        assertEquals(0, new VmState(new byte[0], new byte[0], new byte[ioapic.length], new byte[0], new byte[0]).raisedEdgePins());
    }
}
