package io.jvmm.machine;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.vm.VirtualMachine;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GuestRamLayoutTest {
    @Test
    void ramBelowTheMmioHoleStaysInOneRegion() {
        assertEquals(List.of(new VirtualMachine.RamRegion(GuestAddress.of(0), 256L << 20)), GuestRamLayout.regions(256L << 20));
        assertEquals(List.of(new VirtualMachine.RamRegion(GuestAddress.of(0), 3L << 30)), GuestRamLayout.regions(3L << 30));
    }

    @Test
    void ramPastThreeGibContinuesAboveFourGib() {
        assertEquals(List.of(
                new VirtualMachine.RamRegion(GuestAddress.of(0), 0xC000_0000L),
                new VirtualMachine.RamRegion(GuestAddress.of(0x1_0000_0000L), 1L << 30)), GuestRamLayout.regions(4L << 30));
    }
}
