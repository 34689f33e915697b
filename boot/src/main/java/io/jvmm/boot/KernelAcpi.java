package io.jvmm.boot;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Whether a kernel image was built with ACPI, so the machine knows whether the ACPI tables alone will
 * describe its devices or the kernel needs the MP table and {@code virtio_mmio.device=} words too.
 *
 * <p>An ELF vmlinux with a symbol table answers: a kernel with CONFIG_ACPI defines {@code acpi_boot_init}
 * (arch/x86/kernel/acpi/boot.c; without CONFIG_ACPI it is an inline stub, no symbol). A bzImage's kernel is
 * compressed, and a stripped vmlinux has no symbols: both are {@link Support#UNKNOWN}.
 *
 * <pre>
 *   Elf64_Ehdr: e_shoff u64 @0x28, e_shentsize u16 @0x3a (64), e_shnum u16 @0x3c
 *   Elf64_Shdr: sh_type u32 @4 (SHT_SYMTAB = 2), sh_offset u64 @24, sh_size u64 @32, sh_link u32 @40 (its string table)
 *   Elf64_Sym:  st_name u32 @0 (offset into the string table), 24 bytes each
 * </pre>
 */
public final class KernelAcpi {
    private KernelAcpi() {
    }

    public enum Support {
        /** Built with ACPI: it reads the MADT and the DSDT. */
        ACPI,
        /** Built without ACPI: it needs the MP table and command-line device words. */
        NO_ACPI,
        /** Cannot tell (bzImage, stripped vmlinux): give it both. */
        UNKNOWN
    }

    /** The symbol a CONFIG_ACPI x86 kernel defines. */
    public static final String ACPI_SYMBOL = "acpi_boot_init";
    private static final byte[] ACPI_SYMBOL_BYTES = ACPI_SYMBOL.getBytes(StandardCharsets.US_ASCII);
    static final int SHT_SYMTAB = 2;
    static final int ELF64_SHDR_SIZE = 64;
    static final int ELF64_SYM_SIZE = 24;

    /** {@link #of(MemorySegment)} of an image held in a heap array. */
    public static Support of(byte[] kernel) {
        return of(MemorySegment.ofArray(kernel));
    }

    /** Reads the symbol table of {@code kernel} (a mapped file: only the symbol and string tables' pages are read). */
    public static Support of(MemorySegment kernel) {
        if (!ElfKernel.hasMagic(kernel)) {
            return Support.UNKNOWN;
        }
        try {
            ImageBytes in = new ImageBytes("vmlinux", kernel);
            long shoff = in.u64(0x28, "e_shoff");
            int shentsize = in.u16(0x3a, "e_shentsize");
            int shnum = in.u16(0x3c, "e_shnum");
            if (shoff == 0 || shnum == 0 || shentsize != ELF64_SHDR_SIZE) {
                return Support.UNKNOWN;
            }
            in.check(shoff, (long) shnum * ELF64_SHDR_SIZE, "section headers");
            for (int i = 0; i < shnum; i++) {
                long sh = shoff + (long) i * ELF64_SHDR_SIZE;
                if (in.u32(sh + 4, "sh_type") != SHT_SYMTAB) {
                    continue;
                }
                long link = in.u32(sh + 40, "sh_link");
                if (link >= shnum) {
                    return Support.UNKNOWN;
                }
                long symOff = in.u64(sh + 24, "sh_offset");
                long symSize = in.u64(sh + 32, "sh_size");
                in.check(symOff, symSize, "symbol table");
                long str = shoff + link * ELF64_SHDR_SIZE;
                long strOff = in.u64(str + 24, "sh_offset");
                long strSize = in.u64(str + 32, "sh_size");
                in.check(strOff, strSize, "string table");
                // Each Elf64_Sym's st_name indexes the string table. Not a search of the table itself: the
                // linker merges tails, so "acpi_boot_init" may be stored only inside "early_acpi_boot_init".
                for (long sym = symOff; sym + ELF64_SYM_SIZE <= symOff + symSize; sym += ELF64_SYM_SIZE) {
                    long name = in.u32(sym, "st_name");
                    if (name < strSize && nameAt(kernel, strOff + name, strOff + strSize, ACPI_SYMBOL_BYTES)) {
                        return Support.ACPI;
                    }
                }
                return Support.NO_ACPI;
            }
            return Support.UNKNOWN;
        } catch (BootException e) {
            return Support.UNKNOWN; // a malformed section table: the loader judges the image on its own terms
        }
    }

    /** Whether the NUL-terminated string at {@code at} (before {@code end}) is {@code want}. */
    private static boolean nameAt(MemorySegment image, long at, long end, byte[] want) {
        if (at + want.length >= end) {
            return false;
        }
        // The caller checked [strOff, strOff + strSize) against the file, and at + want.length < end.
        for (int j = 0; j < want.length; j++) {
            if (image.get(ValueLayout.JAVA_BYTE, at + j) != want[j]) {
                return false;
            }
        }
        return image.get(ValueLayout.JAVA_BYTE, at + want.length) == 0;
    }
}
