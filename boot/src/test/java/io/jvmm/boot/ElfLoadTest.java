package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static io.jvmm.boot.PvhStartInfo.OFF_CMDLINE_PADDR;
import static io.jvmm.boot.PvhStartInfo.OFF_MEMMAP_ENTRIES;
import static io.jvmm.boot.PvhStartInfo.OFF_MEMMAP_PADDR;
import static io.jvmm.boot.PvhStartInfo.OFF_MODLIST_PADDR;
import static io.jvmm.boot.PvhStartInfo.OFF_NR_MODULES;
import static io.jvmm.boot.PvhStartInfo.OFF_RSDP_PADDR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ElfLoadTest {
    private static final long MEM = 128L << 20;

    @Test
    void pvhNoteSelectsThePvhEntryAndStartInfo() {
        byte[] initrd = new byte[0x3456];
        try (TestMemory t = TestMemory.machine(MEM)) {
            GuestMemory m = t.memory;
            BootResult r = LinuxLoader.load(m, new BootConfig(TestImages.elf(true), initrd, "console=ttyS0", 2));
            assertEquals(BootResult.KernelFormat.ELF_PVH, r.format());
            assertEquals(TestImages.PVH_ENTRY, r.bootCpu().rip());
            assertEquals(BootLayout.PVH_INFO_START.value(), r.bootCpu().rbx());
            assertEquals(0, r.bootCpu().cr0() & CpuState.X86_CR0_PG);

            GuestAddress info = BootLayout.PVH_INFO_START;
            assertEquals(0x336e_c578, m.readInt(info));
            assertEquals(1, m.readInt(info.plus(4)), "version");
            assertEquals(0x20000, m.readLong(info.plus(OFF_CMDLINE_PADDR)));
            assertEquals(0, m.readLong(info.plus(OFF_RSDP_PADDR)));
            assertEquals(1, m.readInt(info.plus(OFF_NR_MODULES)));
            long modlist = m.readLong(info.plus(OFF_MODLIST_PADDR));
            assertEquals(BootLayout.PVH_MODLIST_START.value(), modlist);
            long initrdAt = (MEM - initrd.length) & ~0xfffL;
            assertEquals(initrdAt, m.readLong(GuestAddress.of(modlist)), "module paddr");
            assertEquals(initrd.length, m.readLong(GuestAddress.of(modlist + 8)), "module size");
            assertEquals(initrdAt, r.initrdStart().value());

            List<E820.Entry> e820 = E820.build(m);
            assertEquals(e820.size(), m.readInt(info.plus(OFF_MEMMAP_ENTRIES)));
            long memmap = m.readLong(info.plus(OFF_MEMMAP_PADDR));
            for (int i = 0; i < e820.size(); i++) {
                GuestAddress slot = GuestAddress.of(memmap + 24L * i);
                assertEquals(e820.get(i), new E820.Entry(m.readLong(slot), m.readLong(slot.plus(8)), m.readInt(slot.plus(16))));
            }
        }
    }

    @Test
    void segmentsAreLoadedAtPaddrWithBssZeroed() {
        byte[] image = TestImages.elf(true);
        try (TestMemory t = TestMemory.machine(MEM)) {
            GuestMemory m = t.memory;
            m.slice(GuestAddress.of(TestImages.ELF_PADDR), TestImages.ELF_MEMSZ).fill((byte) 0x5a);
            BootResult r = LinuxLoader.load(m, new BootConfig(image, null, "", 1));
            for (int i = 0; i < TestImages.ELF_FILESZ; i += 97) {
                assertEquals((byte) (i * 7), m.readByte(GuestAddress.of(TestImages.ELF_PADDR + i)));
            }
            for (long i = TestImages.ELF_FILESZ; i < TestImages.ELF_MEMSZ; i++) {
                assertEquals(0, m.readByte(GuestAddress.of(TestImages.ELF_PADDR + i)), "bss at +" + i);
            }
            assertEquals(TestImages.ELF_PADDR + TestImages.ELF_MEMSZ, r.kernelEnd().value());
            assertEquals(null, r.initrdStart());
        }
    }

    @Test
    void withoutPvhNoteTheKernelIsEnteredAt64BitEntryWithAZeroPage() {
        try (TestMemory t = TestMemory.machine(MEM)) {
            GuestMemory m = t.memory;
            BootResult r = LinuxLoader.load(m, new BootConfig(TestImages.elf(false), new byte[100], "quiet", 1));
            assertEquals(BootResult.KernelFormat.ELF_64, r.format());
            assertEquals(TestImages.ELF_PADDR, r.bootCpu().rip());
            assertEquals(BootLayout.ZERO_PAGE_START.value(), r.bootCpu().rsi());
            assertTrue(r.bootCpu().cs().l());
            GuestAddress zp = BootLayout.ZERO_PAGE_START;
            assertEquals(0xaa55, m.readU16(zp.plus(0x1fe)));
            assertEquals(0x5372_6448, m.readInt(zp.plus(0x202)));
            assertEquals(0xff, m.readU8(zp.plus(0x210)));
            assertEquals(0x20000, m.readInt(zp.plus(0x228)));
            assertEquals(100, m.readInt(zp.plus(0x21c)));
            assertEquals(4, m.readU8(zp.plus(0x1e8)), "e820_entries (RAM, MP area, ACPI area, RAM)");
        }
    }

    @Test
    void virtualEntryIsTranslatedThroughItsSegment() {
        byte[] image = TestImages.elf(false);
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putLong(0x18, TestImages.ELF_VADDR + 0x40);
        assertEquals(TestImages.ELF_PADDR + 0x40, ElfKernel.parse(image).entry());
    }

    @Test
    void segmentBeyondMemoryIsAClearError() {
        try (TestMemory t = TestMemory.machine(16L << 20)) {
            BootException e = assertThrows(BootException.class,
                    () -> LinuxLoader.load(t.memory, new BootConfig(TestImages.elf(true), null, "", 1)));
            assertTrue(e.getMessage().startsWith("ELF: segment 0 at p_paddr 0x1000000 (0x5000 bytes) does not fit"),
                    e.getMessage());
        }
    }

    @Test
    void wrongMachineAndClassAreNamed() {
        byte[] image = TestImages.elf(true);
        image[0x12] = 3; // EM_386
        assertEquals("ELF: e_machine is 3 not 62 (EM_X86_64)",
                assertThrows(BootException.class, () -> ElfKernel.parse(image)).getMessage());
        byte[] image32 = TestImages.elf(true);
        image32[4] = 1;
        assertEquals("ELF: EI_CLASS is 1 not 2: not a 64-bit kernel",
                assertThrows(BootException.class, () -> ElfKernel.parse(image32)).getMessage());
    }
}
