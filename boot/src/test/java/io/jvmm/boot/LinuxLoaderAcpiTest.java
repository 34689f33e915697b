package io.jvmm.boot;

import io.jvmm.boot.acpi.AcpiPlatform;
import io.jvmm.boot.acpi.AcpiTables;
import io.jvmm.core.memory.GuestAddress;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The loader hands the RSDP to the kernel on every entry path, and leaves the MP table out when told to. */
class LinuxLoaderAcpiTest {
    private static final AcpiPlatform PLATFORM = new AcpiPlatform(1,
            List.of(new AcpiPlatform.MmioDevice(0xc000_1000L, 0x1000, 5)), 0x3f8, 4, 0x60, 0x600);

    @Test
    void bzImageGetsTheRsdpInItsZeroPage() {
        try (TestMemory t = TestMemory.of(64L << 20)) {
            LinuxLoader.load(t.memory, new BootConfig(TestImages.bzImage(), null, "console=ttyS0", 1, PLATFORM, false));
            assertEquals(AcpiTables.RSDP_START.value(),
                    t.memory.readLong(BootLayout.ZERO_PAGE_START.plus(BootParams.OFF_ACPI_RSDP_ADDR)));
            assertEquals(0, t.memory.readInt(BootLayout.EBDA_START), "no MP floating pointer");
            assertEquals(0x2052_5450_2044_5352L, t.memory.readLong(AcpiTables.RSDP_START), "\"RSD PTR \"");
        }
    }

    @Test
    void pvhGetsTheRsdpInItsStartInfoAndAnMpTableWhenAsked() {
        try (TestMemory t = TestMemory.of(64L << 20)) {
            LinuxLoader.load(t.memory, new BootConfig(TestImages.elf(true), null, "", 1, PLATFORM, true));
            assertEquals(AcpiTables.RSDP_START.value(),
                    t.memory.readLong(BootLayout.PVH_INFO_START.plus(PvhStartInfo.OFF_RSDP_PADDR)));
            assertEquals(0x5f50_4d5f, t.memory.readInt(BootLayout.EBDA_START), "\"_MP_\"");
        }
    }

    @Test
    void withoutAPlatformThereAreNoTablesAndTheRsdpFieldsStayZero() {
        try (TestMemory t = TestMemory.of(64L << 20)) {
            LinuxLoader.load(t.memory, new BootConfig(TestImages.elf(false), null, "", 1));
            assertEquals(0, t.memory.readLong(BootLayout.ZERO_PAGE_START.plus(BootParams.OFF_ACPI_RSDP_ADDR)));
            assertEquals(0, t.memory.readLong(AcpiTables.RSDP_START));
            assertEquals(0x5f50_4d5f, t.memory.readInt(GuestAddress.of(BootLayout.EBDA_START.value())));
        }
    }
}
