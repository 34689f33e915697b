package io.jvmm.boot;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitrdTest {
    private static final long KERNEL_END = 0x180_0000;

    @Test
    void highestPageAlignedBelowRamEnd() {
        assertEquals(0x0fef_f000L, Initrd.highestAddress(0x10_0001, KERNEL_END, 0x1000_0000L, 0xffff_ffffL));
        assertEquals(0x0ff0_0000L, Initrd.highestAddress(0x10_0000, KERNEL_END, 0x1000_0000L, 0xffff_ffffL));
    }

    @Test
    void initrdAddrMaxCapsPlacement() {
        // initrd_addr_max is the highest byte the initrd may occupy: the initrd ends at or below it + 1.
        long addr = Initrd.highestAddress(0x1000, KERNEL_END, 0xc000_0000L, 0x37ff_ffffL);
        assertEquals(0x37ff_f000L, addr);
        assertTrue(addr + 0x1000 - 1 <= 0x37ff_ffffL);
    }

    @Test
    void ramBelowMmioHoleCapsPlacementForLargeGuests() {
        assertEquals(0xbfff_f000L, Initrd.highestAddress(0x800, KERNEL_END, 0xc000_0000L, 0xffff_ffffL));
    }

    @Test
    void overlapWithTheKernelIsRejected() {
        BootException e = assertThrows(BootException.class,
                () -> Initrd.highestAddress(0x80_1000, KERNEL_END, 0x200_0000, 0xffff_ffffL));
        assertTrue(e.getMessage().contains("would overlap the kernel"), e.getMessage());
    }

    @Test
    void initrdLargerThanMemoryIsRejected() {
        BootException e = assertThrows(BootException.class,
                () -> Initrd.highestAddress(0x1_0000_0000L, KERNEL_END, 0x1000_0000L, 0xffff_ffffL));
        assertTrue(e.getMessage().startsWith("initrd of 4294967296 bytes is larger than the memory"), e.getMessage());
    }

    @Test
    void loaderRejectsAnInitrdThatDoesNotFitAboveTheKernel() {
        try (TestMemory t = TestMemory.of(32L << 20)) {
            // kernel occupies up to 24 MiB (pref 16 MiB + init_size 8 MiB); 9 MiB of initrd cannot fit in 8 MiB
            BootException e = assertThrows(BootException.class, () -> LinuxLoader.load(t.memory,
                    new BootConfig(TestImages.bzImage(), new byte[9 << 20], "", 1)));
            assertTrue(e.getMessage().contains("would overlap the kernel"), e.getMessage());
        }
    }
}
