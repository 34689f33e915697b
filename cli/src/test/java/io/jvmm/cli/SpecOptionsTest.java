package io.jvmm.cli;

import io.jvmm.machine.MachineSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecOptionsTest {
    @Test
    void entryModesAndAddresses() {
        assertEquals(new MachineSpec.RawEntry(MachineSpec.RawEntry.Mode.REAL, 0x1000), SpecOptions.entry("real:0x1000"));
        assertEquals(new MachineSpec.RawEntry(MachineSpec.RawEntry.Mode.LONG, 0x100000), SpecOptions.entry("long:0x100000"));
        assertEquals(4096, SpecOptions.entry("real:4096").address());
        for (String bad : new String[] {"0x1000", "protected:0x1000", "long:zz"}) {
            UserError e = assertThrows(UserError.class, () -> SpecOptions.entry(bad));
            assertTrue(e.getMessage().startsWith("--entry "), e.getMessage());
        }
    }

    @Test
    void acpiOnOrOff() {
        assertTrue(SpecOptions.onOff("on", "--acpi"));
        assertEquals(false, SpecOptions.onOff("off", "--acpi"));
        assertEquals("--acpi must be on or off, got 'yes'",
                assertThrows(UserError.class, () -> SpecOptions.onOff("yes", "--acpi")).getMessage());
    }

    @Test
    void disks() {
        assertEquals(new MachineSpec.DiskSpec(Path.of("a.img"), false), SpecOptions.disk("a.img"));
        assertEquals(new MachineSpec.DiskSpec(Path.of("a.img"), true), SpecOptions.disk("a.img,ro"));
        assertEquals(new MachineSpec.DiskSpec(Path.of("a.img"), false), SpecOptions.disk("a.img,rw"));
        assertEquals("--disk a.img,fast: unknown option 'fast' (only ro, rw)",
                assertThrows(UserError.class, () -> SpecOptions.disk("a.img,fast")).getMessage());
        assertEquals("--disk needs a path: --disk PATH[,ro]", assertThrows(UserError.class, () -> SpecOptions.disk(",ro")).getMessage());
    }

    @Test
    void nets() {
        assertEquals(new MachineSpec.NetSpec("tap0", null), SpecOptions.net("tap=tap0"));
        assertEquals(new MachineSpec.NetSpec("tap0", "52:54:00:12:34:56"), SpecOptions.net("tap=tap0,mac=52:54:00:12:34:56"));
        assertEquals("--net mac=x: needs tap=NAME", assertThrows(UserError.class, () -> SpecOptions.net("mac=x")).getMessage());
        assertTrue(assertThrows(UserError.class, () -> SpecOptions.net("tap=t,vhost")).getMessage().startsWith("--net "));
    }

    @Test
    void kernelFormats() {
        assertEquals(MachineSpec.KernelFormat.RAW, SpecOptions.kernelFormat("raw"));
        assertThrows(UserError.class, () -> SpecOptions.kernelFormat("pe"));
    }
}
