package io.jvmm.machine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RawEntryTest {
    @Test
    void parsesModesAndAddresses() {
        assertEquals(new MachineSpec.RawEntry(MachineSpec.RawEntry.Mode.REAL, 0x1000), MachineSpec.RawEntry.parse("real:0x1000"));
        assertEquals(new MachineSpec.RawEntry(MachineSpec.RawEntry.Mode.LONG, 0x100000), MachineSpec.RawEntry.parse("long:0x100000"));
        assertEquals(4096, MachineSpec.RawEntry.parse("real:4096").address());
        assertThrows(IllegalArgumentException.class, () -> MachineSpec.RawEntry.parse("0x1000"));
        assertThrows(IllegalArgumentException.class, () -> MachineSpec.RawEntry.parse("protected:0x1000"));
        assertThrows(IllegalArgumentException.class, () -> MachineSpec.RawEntry.parse("real:0x20000"));
        assertThrows(IllegalArgumentException.class, () -> MachineSpec.RawEntry.parse("long:zz"));
    }
}
