package io.jvmm.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Synthetic kernel images with the fields a loader reads, built the way the kernel's build lays them out. */
final class TestImages {
    private TestImages() {
    }

    static final int SETUP_SECTS = 4;
    static final long PREF_ADDRESS = 0x100_0000;
    static final long INIT_SIZE = 0x80_0000;
    static final int PM_SIZE = 0x4000;

    /**
     * A bzImage: boot sector + 4 setup sectors with a protocol 2.15 header, then a protected-mode
     * part of {@link #PM_SIZE} bytes whose bytes are (offset & 0xff) so placement can be checked.
     */
    static byte[] bzImage() {
        int setupSize = (SETUP_SECTS + 1) * 512;
        ByteBuffer b = ByteBuffer.allocate(setupSize + PM_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) SETUP_SECTS);
        b.putInt(0x1f4, PM_SIZE / 16); // syssize, in 16-byte paragraphs
        b.putShort(0x1fe, (short) 0xaa55);
        b.put(0x200, (byte) 0xeb).put(0x201, (byte) (0x26c - 0x202));
        b.putInt(0x202, 0x5372_6448); // "HdrS"
        b.putShort(0x206, (short) 0x020f);
        b.put(0x211, (byte) 0x01); // LOADED_HIGH
        b.putInt(0x214, 0x10_0000); // code32_start
        b.putInt(0x22c, 0x7fff_ffff); // initrd_addr_max
        b.putInt(0x230, 0x20_0000); // kernel_alignment
        b.put(0x234, (byte) 1); // relocatable_kernel
        b.put(0x235, (byte) 21); // min_alignment
        b.putShort(0x236, (short) 0x7f); // xloadflags: XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G | ...
        b.putInt(0x238, 2047); // cmdline_size
        b.putLong(0x258, PREF_ADDRESS);
        b.putInt(0x260, (int) INIT_SIZE);
        for (int i = 0; i < PM_SIZE; i++) {
            b.put(setupSize + i, (byte) i);
        }
        return b.array();
    }

    static final long ELF_PADDR = 0x100_0000;
    static final long ELF_VADDR = 0xffff_ffff_8100_0000L;
    static final int ELF_FILESZ = 0x3000;
    static final int ELF_MEMSZ = 0x5000;
    static final long PVH_ENTRY = 0x100_1230;

    /**
     * A vmlinux-like ELF64: one PT_LOAD at p_paddr {@link #ELF_PADDR} (filesz 0x3000, memsz 0x5000),
     * e_entry = physical startup_64, and, when {@code pvh}, a PT_NOTE with an unrelated note first and
     * then XEN_ELFNOTE_PHYS32_ENTRY = {@link #PVH_ENTRY} as an 8-byte value (as _ASM_PTR emits).
     */
    static byte[] elf(boolean pvh) {
        int phnum = pvh ? 2 : 1;
        int phoff = 64;
        int notesOff = phoff + 56 * phnum;
        ByteBuffer notes = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        // note 1: "Linux", type 6, 4-byte desc (ignored)
        notes.putInt(6).putInt(4).putInt(6).put("Linux\0\0\0".getBytes(StandardCharsets.US_ASCII)).putInt(0x1234);
        // note 2: "Xen", XEN_ELFNOTE_PHYS32_ENTRY, 8-byte desc
        notes.putInt(4).putInt(8).putInt(18).put("Xen\0".getBytes(StandardCharsets.US_ASCII)).putLong(PVH_ENTRY);
        int notesSize = notes.position();
        int segOff = 0x1000;
        ByteBuffer b = ByteBuffer.allocate(segOff + ELF_FILESZ).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(0x10, (short) 2); // ET_EXEC
        b.putShort(0x12, (short) 62);
        b.putInt(0x14, 1);
        b.putLong(0x18, ELF_PADDR); // e_entry: physical, as ENTRY(phys_startup_64)
        b.putLong(0x20, phoff);
        b.putShort(0x34, (short) 64);
        b.putShort(0x36, (short) 56);
        b.putShort(0x38, (short) phnum);
        b.putInt(phoff, 1).putInt(phoff + 4, 7).putLong(phoff + 8, segOff).putLong(phoff + 0x10, ELF_VADDR)
                .putLong(phoff + 0x18, ELF_PADDR).putLong(phoff + 0x20, ELF_FILESZ).putLong(phoff + 0x28, ELF_MEMSZ)
                .putLong(phoff + 0x30, 0x200000);
        if (pvh) {
            int ph = phoff + 56;
            b.putInt(ph, 4).putInt(ph + 4, 4).putLong(ph + 8, notesOff).putLong(ph + 0x20, notesSize)
                    .putLong(ph + 0x28, notesSize).putLong(ph + 0x30, 4);
            b.put(notesOff, notes.array(), 0, notesSize);
        }
        for (int i = 0; i < ELF_FILESZ; i++) {
            b.put(segOff + i, (byte) (i * 7));
        }
        return b.array();
    }
}
