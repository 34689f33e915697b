package io.jvmm.boot;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.jvmm.boot.E820.E820_RAM;
import static io.jvmm.boot.E820.E820_RESERVED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class E820Test {

    @Test
    void oneRegion() {
        try (TestMemory t = TestMemory.machine(256L << 20)) {
            assertEquals(List.of(
                    new E820.Entry(0, 0x9e000, E820_RAM),
                    new E820.Entry(0x9e000, 0x2000, E820_RESERVED),
                    new E820.Entry(0xe0000, 0x20000, E820_RESERVED),
                    new E820.Entry(0x100000, (256L << 20) - 0x100000, E820_RAM)), E820.build(t.memory));
        }
    }

    @Test
    void twoRegionsAroundTheMmioHole() {
        long size = 4L << 30; // 3 GiB low, 1 GiB above 4 GiB
        try (TestMemory t = TestMemory.machine(size)) {
            List<E820.Entry> map = E820.build(t.memory);
            assertEquals(List.of(
                    new E820.Entry(0, 0x9e000, E820_RAM),
                    new E820.Entry(0x9e000, 0x2000, E820_RESERVED),
                    new E820.Entry(0xe0000, 0x20000, E820_RESERVED),
                    new E820.Entry(0x100000, 0xc000_0000L - 0x100000, E820_RAM),
                    new E820.Entry(0x1_0000_0000L, 1L << 30, E820_RAM)), map);
            // Nothing in the MMIO hole, IOAPIC or LAPIC is RAM.
            for (E820.Entry e : map) {
                for (long mmio : new long[] {0xc000_0000L, 0xc000_1000L, 0xfec0_0000L, 0xfee0_0000L}) {
                    assertTrue(mmio < e.addr() || mmio >= e.end(), "0x" + Long.toHexString(mmio) + " in " + e);
                }
            }
        }
    }

    @Test
    void ramTotalEqualsGuestMemoryMinusReservedAndHole() {
        try (TestMemory t = TestMemory.machine(128L << 20)) {
            long ram = E820.build(t.memory).stream().filter(e -> e.type() == E820_RAM).mapToLong(E820.Entry::size).sum();
            assertEquals(t.memory.totalSize() - (0x100000 - 0x9e000), ram);
        }
    }

    @Test
    void loaderRejectsRamInTheMmioHole() {
        try (TestMemory t = TestMemory.sparse(java.util.List.of(new long[] {0, 0xc000_1000L}))) {
            BootException e = org.junit.jupiter.api.Assertions.assertThrows(BootException.class,
                    () -> LinuxLoader.load(t.memory, new BootConfig(TestImages.elf(true), null, "", 1)));
            assertEquals("guest memory region 0x0-0xc0001000 overlaps the MMIO hole 0xc0000000-0x100000000;"
                    + " RAM above 3 GiB must start at 4 GiB", e.getMessage());
        }
    }
}
