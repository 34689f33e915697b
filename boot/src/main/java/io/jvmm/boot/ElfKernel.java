package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * An uncompressed ELF64 x86-64 kernel (vmlinux), parsed and validated: its PT_LOAD segments, loaded
 * at their physical addresses, and its entry points — the 64-bit {@code e_entry} (startup_64, a
 * physical address in vmlinux) and, when the kernel has one, the PVH entry from the ELF note
 * {@code XEN_ELFNOTE_PHYS32_ENTRY} (type 18, owner "Xen"; arch/x86/platform/pvh/head.S).
 *
 * <pre>
 *  Elf64_Ehdr: 0x00 e_ident "\x7fELF" 0x04 EI_CLASS (2 = 64-bit) 0x05 EI_DATA (1 = little-endian)
 *              0x12 e_machine u16 (62 = EM_X86_64)  0x18 e_entry u64  0x20 e_phoff u64
 *              0x36 e_phentsize u16 (56)  0x38 e_phnum u16
 *  Elf64_Phdr: 0x00 p_type u32  0x08 p_offset u64  0x10 p_vaddr u64  0x18 p_paddr u64
 *              0x20 p_filesz u64  0x28 p_memsz u64
 *  Elf64_Nhdr: n_namesz u32, n_descsz u32, n_type u32, name (padded to 4), desc (padded to 4)
 * </pre>
 */
public record ElfKernel(long entry, OptionalLong pvhEntry, List<LoadSegment> segments) {

    public static final int EI_CLASS = 4;
    public static final int EI_DATA = 5;
    public static final int ELFCLASS64 = 2;
    public static final int ELFDATA2LSB = 1;
    public static final int EM_X86_64 = 62;
    public static final int PT_LOAD = 1;
    public static final int PT_NOTE = 4;
    public static final int ELF64_EHDR_SIZE = 64;
    public static final int ELF64_PHDR_SIZE = 56;
    public static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    private static final String KIND = "ELF";

    /** One PT_LOAD segment: file bytes [offset, offset+filesz) go to paddr; the rest of memsz is zero. */
    public record LoadSegment(long offset, long paddr, long vaddr, long filesz, long memsz) {
    }

    /** True when {@code image} starts with the ELF magic. */
    public static boolean hasMagic(MemorySegment image) {
        return image.byteSize() >= 4 && byteAt(image, 0) == 0x7f && byteAt(image, 1) == 'E' && byteAt(image, 2) == 'L'
                && byteAt(image, 3) == 'F';
    }

    /** {@link #parse(MemorySegment)} of an image held in a heap array. */
    public static ElfKernel parse(byte[] image) {
        return parse(MemorySegment.ofArray(image));
    }

    /** Parses and validates the ELF and program headers of {@code image}; every problem is a {@link BootException}. */
    public static ElfKernel parse(MemorySegment image) {
        ImageBytes in = new ImageBytes(KIND, image);
        in.check(0, ELF64_EHDR_SIZE, "ELF header");
        if (!hasMagic(image)) {
            throw in.error("no \\x7fELF magic (is this a vmlinux?)");
        }
        if (in.u8(EI_CLASS, "EI_CLASS") != ELFCLASS64) {
            throw in.error("EI_CLASS is " + in.u8(EI_CLASS, "EI_CLASS") + " not 2: not a 64-bit kernel");
        }
        if (in.u8(EI_DATA, "EI_DATA") != ELFDATA2LSB) {
            throw in.error("EI_DATA is " + in.u8(EI_DATA, "EI_DATA") + " not 1: not little-endian");
        }
        int machine = in.u16(0x12, "e_machine");
        if (machine != EM_X86_64) {
            throw in.error("e_machine is " + machine + " not 62 (EM_X86_64)");
        }
        long entry = in.u64(0x18, "e_entry");
        long phoff = in.u64(0x20, "e_phoff");
        int phentsize = in.u16(0x36, "e_phentsize");
        int phnum = in.u16(0x38, "e_phnum");
        if (phentsize != ELF64_PHDR_SIZE) {
            throw in.error("e_phentsize is " + phentsize + " not " + ELF64_PHDR_SIZE);
        }
        in.check(phoff, (long) phnum * ELF64_PHDR_SIZE, "program headers");
        List<LoadSegment> segments = new ArrayList<>();
        OptionalLong pvh = OptionalLong.empty();
        for (int i = 0; i < phnum; i++) {
            long ph = phoff + (long) i * ELF64_PHDR_SIZE;
            long type = in.u32(ph, "p_type");
            long offset = in.u64(ph + 0x08, "p_offset");
            long filesz = in.u64(ph + 0x20, "p_filesz");
            if (type == PT_LOAD) {
                long memsz = in.u64(ph + 0x28, "p_memsz");
                in.check(offset, filesz, "PT_LOAD segment " + i);
                if (Long.compareUnsigned(filesz, memsz) > 0) {
                    throw in.error("PT_LOAD segment " + i + " has p_filesz 0x" + Long.toHexString(filesz)
                            + " > p_memsz 0x" + Long.toHexString(memsz));
                }
                segments.add(new LoadSegment(offset, in.u64(ph + 0x18, "p_paddr"), in.u64(ph + 0x10, "p_vaddr"),
                        filesz, memsz));
            } else if (type == PT_NOTE && pvh.isEmpty()) {
                in.check(offset, filesz, "PT_NOTE segment " + i);
                pvh = findPvhEntry(in, offset, filesz);
            }
        }
        if (segments.isEmpty()) {
            throw in.error("no PT_LOAD segments");
        }
        return new ElfKernel(physicalEntry(in, entry, segments), pvh, List.copyOf(segments));
    }

    /** Lowest p_paddr of the loaded segments. */
    public long start() {
        return segments.stream().mapToLong(LoadSegment::paddr).min().orElseThrow();
    }

    /** First byte past the highest loaded segment (bss included). */
    public long end() {
        return segments.stream().mapToLong(s -> s.paddr() + s.memsz()).max().orElseThrow();
    }

    /**
     * Copies every PT_LOAD segment from {@code image} (the file {@link #parse} read: mapped, the copy goes
     * straight from the page cache into guest RAM) to its p_paddr and zeroes the rest of its p_memsz.
     */
    public void load(GuestMemory memory, MemorySegment image, long ramEnd) {
        for (int i = 0; i < segments.size(); i++) {
            LoadSegment s = segments.get(i);
            GuestAddress at = GuestAddress.of(s.paddr());
            if (Long.compareUnsigned(s.paddr(), BootLayout.HIMEM_START.value()) < 0) {
                throw new BootException(String.format("ELF: segment %d at p_paddr 0x%x is below 1 MiB, where the"
                        + " loader keeps its tables", i, s.paddr()));
            }
            if (Long.compareUnsigned(s.memsz(), ramEnd) > 0 || Long.compareUnsigned(s.paddr(), ramEnd - s.memsz()) > 0) {
                throw new BootException(String.format("ELF: segment %d at p_paddr 0x%x (0x%x bytes) does not fit in"
                        + " guest RAM below 0x%x; give the guest more memory", i, s.paddr(), s.memsz(), ramEnd));
            }
            // parse() checked [p_offset, p_offset + p_filesz) against the file.
            memory.write(at, image.asSlice(s.offset(), s.filesz()));
            memory.slice(at.plus(s.filesz()), s.memsz() - s.filesz()).fill((byte) 0);
        }
    }

    private static OptionalLong findPvhEntry(ImageBytes in, long offset, long size) {
        long pos = offset;
        long end = offset + size;
        while (end - pos >= 12) {
            long namesz = in.u32(pos, "n_namesz");
            long descsz = in.u32(pos + 4, "n_descsz");
            long type = in.u32(pos + 8, "n_type");
            long name = pos + 12;
            long desc = name + align4(namesz);
            long next = desc + align4(descsz);
            if (next > end) {
                throw in.error(String.format("ELF note at offset 0x%x runs past its PT_NOTE segment", pos));
            }
            if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && in.u32(name, "note name") == 0x006e6558L) {
                if (descsz != 4 && descsz != 8) {
                    throw in.error("XEN_ELFNOTE_PHYS32_ENTRY has a " + descsz + "-byte value, not 4 or 8");
                }
                long value = descsz == 4 ? in.u32(desc, "PVH entry") : in.u64(desc, "PVH entry");
                if (value < 0 || value > 0xffff_ffffL) {
                    throw in.error(String.format("PVH entry 0x%x is above 4 GiB", value));
                }
                return OptionalLong.of(value);
            }
            pos = next;
        }
        return OptionalLong.empty();
    }

    /** vmlinux's e_entry is physical (ENTRY(phys_startup_64)); accept a virtual one inside a segment too. */
    private static long physicalEntry(ImageBytes in, long entry, List<LoadSegment> segments) {
        for (LoadSegment s : segments) {
            if (Long.compareUnsigned(entry - s.paddr(), s.memsz()) < 0) {
                return entry;
            }
        }
        for (LoadSegment s : segments) {
            if (Long.compareUnsigned(entry - s.vaddr(), s.memsz()) < 0) {
                return s.paddr() + (entry - s.vaddr());
            }
        }
        throw in.error(String.format("e_entry 0x%x is in no PT_LOAD segment", entry));
    }

    private static byte byteAt(MemorySegment image, long offset) {
        return image.get(ValueLayout.JAVA_BYTE, offset);
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }
}
