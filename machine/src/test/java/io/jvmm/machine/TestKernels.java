package io.jvmm.machine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Synthetic kernel images with just what the loader reads (the boot module's tests check the loader). */
final class TestKernels {
    static final long ELF_PADDR = 0x100_0000;
    static final long PVH_ENTRY = 0x100_1230;

    private TestKernels() {
    }

    /**
     * A vmlinux-like ELF64: one PT_LOAD of 0x1000 bytes at p_paddr {@link #ELF_PADDR} and a PT_NOTE with
     * XEN_ELFNOTE_PHYS32_ENTRY = {@link #PVH_ENTRY}, so the loader enters it the PVH way.
     */
    static byte[] elfPvh() {
        int phoff = 64;
        int notesOff = phoff + 2 * 56;
        ByteBuffer notes = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        // "Xen", XEN_ELFNOTE_PHYS32_ENTRY (18), an 8-byte value
        notes.putInt(4).putInt(8).putInt(18).put("Xen\0".getBytes(StandardCharsets.US_ASCII)).putLong(PVH_ENTRY);
        int notesSize = notes.position();
        int segOff = 0x1000;
        int segSize = 0x1000;
        ByteBuffer b = ByteBuffer.allocate(segOff + segSize).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(0x10, (short) 2);            // e_type ET_EXEC
        b.putShort(0x12, (short) 62);           // e_machine EM_X86_64
        b.putInt(0x14, 1);                      // e_version
        b.putLong(0x18, ELF_PADDR);             // e_entry
        b.putLong(0x20, phoff);                 // e_phoff
        b.putShort(0x34, (short) 64);           // e_ehsize
        b.putShort(0x36, (short) 56);           // e_phentsize
        b.putShort(0x38, (short) 2);            // e_phnum
        // PT_LOAD, RWX: p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align
        b.putInt(phoff, 1).putInt(phoff + 4, 7).putLong(phoff + 8, segOff).putLong(phoff + 0x10, 0xffff_ffff_8100_0000L)
                .putLong(phoff + 0x18, ELF_PADDR).putLong(phoff + 0x20, segSize).putLong(phoff + 0x28, segSize)
                .putLong(phoff + 0x30, 0x200000);
        // PT_NOTE
        int ph = phoff + 56;
        b.putInt(ph, 4).putInt(ph + 4, 4).putLong(ph + 8, notesOff).putLong(ph + 0x20, notesSize)
                .putLong(ph + 0x28, notesSize).putLong(ph + 0x30, 4);
        b.put(notesOff, notes.array(), 0, notesSize);
        return b.array();
    }

    /**
     * {@link #elfPvh()} with a section table whose symbol table's strings hold {@code symbols} (null section,
     * .symtab linked to section 2, .strtab): enough for KernelAcpi to read which symbols the kernel defines.
     */
    static byte[] elfPvhWithSymbols(String... symbols) {
        byte[] elf = elfPvh();
        java.io.ByteArrayOutputStream strtab = new java.io.ByteArrayOutputStream();
        strtab.write(0);
        for (String s : symbols) {
            strtab.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            strtab.write(0);
        }
        int strOff = elf.length;
        int symOff = (strOff + strtab.size() + 7) & ~7;
        int shoff = symOff + 24 * symbols.length;
        ByteBuffer b = ByteBuffer.allocate(shoff + 3 * 64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(elf).put(strtab.toByteArray());
        int name = 1;
        for (int i = 0; i < symbols.length; i++) {           // Elf64_Sym.st_name of each
            b.putInt(symOff + 24 * i, name);
            name += symbols[i].length() + 1;
        }
        b.putLong(0x28, shoff).putShort(0x3a, (short) 64).putShort(0x3c, (short) 3); // e_shoff, e_shentsize, e_shnum
        b.putInt(shoff + 64 + 4, 2).putLong(shoff + 64 + 24, symOff).putLong(shoff + 64 + 32, 24L * symbols.length)
                .putInt(shoff + 64 + 40, 2);                                            // SHT_SYMTAB, sh_link 2
        b.putInt(shoff + 128 + 4, 3).putLong(shoff + 128 + 24, strOff).putLong(shoff + 128 + 32, strtab.size()); // SHT_STRTAB
        return b.array();
    }
}
