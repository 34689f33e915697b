package io.jvmm.boot;

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
    static final int SHT_SYMTAB = 2;
    static final int ELF64_SHDR_SIZE = 64;

    public static Support of(byte[] kernel) {
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
                long str = shoff + link * ELF64_SHDR_SIZE;
                long offset = in.u64(str + 24, "sh_offset");
                long size = in.u64(str + 32, "sh_size");
                in.check(offset, size, "string table");
                return contains(kernel, (int) offset, (int) size, ACPI_SYMBOL) ? Support.ACPI : Support.NO_ACPI;
            }
            return Support.UNKNOWN;
        } catch (BootException e) {
            return Support.UNKNOWN; // a malformed section table: the loader judges the image on its own terms
        }
    }

    /** Whether {@code table[offset, offset + size)} holds {@code name} as a whole NUL-terminated string. */
    private static boolean contains(byte[] image, int offset, int size, String name) {
        byte[] want = name.getBytes(StandardCharsets.US_ASCII);
        int end = offset + size - want.length - 1;
        outer:
        for (int i = offset; i <= end; i++) {
            if ((i > offset && image[i - 1] != 0) || image[i + want.length] != 0) {
                continue;
            }
            for (int j = 0; j < want.length; j++) {
                if (image[i + j] != want[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
