package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.jvmm.boot.BootLayout.ZERO_PAGE_START;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loads a synthetic bzImage and checks the zero page, the kernel placement and the boot CPU state. */
class BzImageLoadTest {
    private static final long MEM = 64L << 20;

    @Test
    void zeroPageFieldsForSyntheticBzImage() {
        byte[] image = TestImages.bzImage();
        byte[] initrd = new byte[10_000];
        initrd[0] = 0x42;
        String cmdline = "console=ttyS0 reboot=k panic=1";
        try (TestMemory t = TestMemory.of(MEM)) {
            GuestMemory m = t.memory;
            BootResult r = LinuxLoader.load(m, new BootConfig(image, initrd, cmdline, 1));
            GuestAddress zp = ZERO_PAGE_START;

            assertEquals(BootResult.KernelFormat.BZIMAGE_64, r.format());
            // Loaded at pref_address (16 MiB): it fits, so the decompressor need not move.
            assertEquals(TestImages.PREF_ADDRESS, r.kernelStart().value());
            assertEquals(TestImages.PREF_ADDRESS + TestImages.INIT_SIZE, r.kernelEnd().value());
            byte[] pm = new byte[TestImages.PM_SIZE];
            m.read(GuestAddress.of(TestImages.PREF_ADDRESS), pm, 0, pm.length);
            byte[] expected = new byte[TestImages.PM_SIZE];
            System.arraycopy(image, 5 * 512, expected, 0, expected.length);
            assertArrayEquals(expected, pm);

            // hdr copied from the image, with the loader's fields on top
            assertEquals(0xaa55, m.readU16(zp.plus(0x1fe)));
            assertEquals(0x5372_6448, m.readInt(zp.plus(0x202)));
            assertEquals(0x020f, m.readU16(zp.plus(0x206)));
            assertEquals(TestImages.SETUP_SECTS, m.readU8(zp.plus(0x1f1)));
            assertEquals(0xff, m.readU8(zp.plus(0x210)), "type_of_loader");
            assertEquals(1, m.readU8(zp.plus(0x211)) & 1, "loadflags LOADED_HIGH");
            assertEquals((int) TestImages.PREF_ADDRESS, m.readInt(zp.plus(0x214)), "code32_start");
            assertEquals(0x20000, m.readInt(zp.plus(0x228)), "cmd_line_ptr");
            assertEquals(0, m.readInt(zp.plus(0x0c8)), "ext_cmd_line_ptr");
            assertEquals(2047, m.readInt(zp.plus(0x238)), "cmdline_size");
            assertEquals((int) TestImages.INIT_SIZE, m.readInt(zp.plus(0x260)), "init_size");
            assertEquals(0x7fff_ffff, m.readInt(zp.plus(0x22c)), "initrd_addr_max kept");

            // initrd: highest page-aligned address below the end of RAM
            long expectInitrd = (MEM - initrd.length) & ~0xfffL;
            assertEquals((int) expectInitrd, m.readInt(zp.plus(0x218)), "ramdisk_image");
            assertEquals(initrd.length, m.readInt(zp.plus(0x21c)), "ramdisk_size");
            assertEquals(0, m.readInt(zp.plus(0x0c0)), "ext_ramdisk_image");
            assertEquals(0x42, m.readU8(GuestAddress.of(expectInitrd)));

            // command line, NUL-terminated
            byte[] cl = new byte[cmdline.length() + 1];
            m.read(BootLayout.CMDLINE_START, cl, 0, cl.length);
            assertEquals(cmdline, new String(cl, 0, cmdline.length(), StandardCharsets.US_ASCII));
            assertEquals(0, cl[cmdline.length()]);

            // e820: RAM below the MP table, the reserved MP area, the reserved ACPI area, RAM from 1 MiB to the end
            assertEquals(4, m.readU8(zp.plus(0x1e8)), "e820_entries");
            assertE820(m, 0, 0, 0x9e000, E820.E820_RAM);
            assertE820(m, 1, 0x9e000, 0x2000, E820.E820_RESERVED);
            assertE820(m, 2, 0xe0000, 0x20000, E820.E820_RESERVED);
            assertE820(m, 3, 0x100000, MEM - 0x100000, E820.E820_RAM);
            assertEquals(0, m.readU8(zp.plus(0x1ef)), "sentinel");

            // boot CPU: 64-bit entry at load + 0x200, rsi = zero page
            CpuState cpu = r.bootCpu();
            assertEquals(TestImages.PREF_ADDRESS + 0x200, cpu.rip());
            assertEquals(ZERO_PAGE_START.value(), cpu.rsi());
            assertTrue(cpu.cs().l());
            assertEquals(0, cpu.rflags() & (1 << 9), "interrupts off");
        }
    }

    @Test
    void loadsAtOneMibWhenPrefAddressIsZero() {
        byte[] image = TestImages.bzImage();
        java.nio.ByteBuffer.wrap(image).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0x258, 0);
        try (TestMemory t = TestMemory.of(MEM)) {
            BootResult r = LinuxLoader.load(t.memory, new BootConfig(image, null, "", 1));
            assertEquals(0x100000, r.kernelStart().value());
            assertEquals(0x100200, r.bootCpu().rip());
            // relocatable: the decompressor runs at align_up(1 MiB, kernel_alignment 2 MiB) for init_size
            assertEquals(0x200000 + TestImages.INIT_SIZE, r.kernelEnd().value());
            assertEquals(0, t.memory.readInt(ZERO_PAGE_START.plus(0x218)), "no ramdisk");
            assertEquals(0x100000, t.memory.readInt(ZERO_PAGE_START.plus(0x214)), "code32_start");
        }
    }

    @Test
    void kernelLargerThanMemoryIsAClearError() {
        try (TestMemory t = TestMemory.of(16L << 20)) {
            BootException e = assertThrows(BootException.class,
                    () -> LinuxLoader.load(t.memory, new BootConfig(TestImages.bzImage(), null, "", 1)));
            assertTrue(e.getMessage().startsWith("bzImage: kernel needs guest RAM up to 0x1800000"), e.getMessage());
        }
    }

    @Test
    void commandLineLongerThanCmdlineSizeIsRejected() {
        try (TestMemory t = TestMemory.of(MEM)) {
            BootException e = assertThrows(BootException.class,
                    () -> LinuxLoader.load(t.memory, new BootConfig(TestImages.bzImage(), null, "x".repeat(2048), 1)));
            assertEquals("kernel command line is 2048 bytes, longer than the 2047 the kernel accepts (cmdline_size)",
                    e.getMessage());
        }
    }

    @Test
    void neitherElfNorBzImageIsNamed() {
        try (TestMemory t = TestMemory.of(MEM)) {
            BootException e = assertThrows(BootException.class,
                    () -> LinuxLoader.load(t.memory, new BootConfig(new byte[4096], null, "", 1)));
            assertTrue(e.getMessage().startsWith("kernel: neither an ELF vmlinux"), e.getMessage());
        }
    }

    private static void assertE820(GuestMemory m, int i, long addr, long size, int type) {
        GuestAddress slot = ZERO_PAGE_START.plus(0x2d0 + 20L * i);
        assertEquals(addr, m.readLong(slot), "e820[" + i + "].addr");
        assertEquals(size, m.readLong(slot.plus(8)), "e820[" + i + "].size");
        assertEquals(type, m.readInt(slot.plus(16)), "e820[" + i + "].type");
    }
}
