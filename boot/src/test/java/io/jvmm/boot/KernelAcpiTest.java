package io.jvmm.boot;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class KernelAcpiTest {

    /** {@link TestImages#elf} with one symbol per name, the names one after another in the string table. */
    static byte[] elfWithSymbols(String... names) {
        ByteArrayOutputStream strtab = new ByteArrayOutputStream();
        strtab.write(0);
        int[] offsets = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            offsets[i] = strtab.size();
            strtab.writeBytes(names[i].getBytes(StandardCharsets.US_ASCII));
            strtab.write(0);
        }
        return elfWithSymtab(strtab.toByteArray(), offsets);
    }

    /**
     * {@link TestImages#elf} with a section table: null, .symtab (one Elf64_Sym per st_name offset, linked to
     * section 2), .strtab {@code strtab}.
     */
    static byte[] elfWithSymtab(byte[] strtab, int... stNames) {
        byte[] elf = TestImages.elf(true);
        int strOff = elf.length;
        int symOff = (strOff + strtab.length + 7) & ~7;
        int symSize = 24 * stNames.length;
        int shoff = symOff + symSize;
        ByteBuffer b = ByteBuffer.allocate(shoff + 3 * 64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(elf).put(strtab);
        for (int i = 0; i < stNames.length; i++) {
            b.putInt(symOff + 24 * i, stNames[i]);
        }
        b.putLong(0x28, shoff).putShort(0x3a, (short) 64).putShort(0x3c, (short) 3);
        int symtab = shoff + 64;
        b.putInt(symtab + 4, KernelAcpi.SHT_SYMTAB).putLong(symtab + 24, symOff).putLong(symtab + 32, symSize)
                .putInt(symtab + 40, 2);
        int str = shoff + 128;
        b.putInt(str + 4, 3).putLong(str + 24, strOff).putLong(str + 32, strtab.length);
        return b.array();
    }

    @Test
    void symbolTableSaysWhetherTheKernelHasAcpi() {
        assertEquals(KernelAcpi.Support.ACPI, KernelAcpi.of(elfWithSymbols("start_kernel", "acpi_boot_init", "x")));
        assertEquals(KernelAcpi.Support.ACPI, KernelAcpi.of(elfWithSymbols("acpi_boot_init")));
        // Only whole names count: a longer symbol that contains it is not it.
        assertEquals(KernelAcpi.Support.NO_ACPI, KernelAcpi.of(elfWithSymbols("start_kernel", "xacpi_boot_init",
                "acpi_boot_init_x")));
    }

    @Test
    void aNameStoredInsideALongerOneCounts() {
        // The linker merges string-table tails: "acpi_boot_init" may exist only as the end of "early_acpi_boot_init".
        byte[] strtab = "\0early_acpi_boot_init\0".getBytes(StandardCharsets.US_ASCII);
        assertEquals(KernelAcpi.Support.ACPI, KernelAcpi.of(elfWithSymtab(strtab, 1, 7)));
        assertEquals(KernelAcpi.Support.NO_ACPI, KernelAcpi.of(elfWithSymtab(strtab, 1)));
        assertEquals(KernelAcpi.Support.NO_ACPI, KernelAcpi.of(elfWithSymtab(strtab, 1, 999)), "st_name past the table");
    }

    @Test
    void withoutSymbolsItCannotTell() {
        assertEquals(KernelAcpi.Support.UNKNOWN, KernelAcpi.of(TestImages.elf(true)));
        assertEquals(KernelAcpi.Support.UNKNOWN, KernelAcpi.of(TestImages.bzImage()));
        byte[] broken = elfWithSymbols("acpi_boot_init");
        ByteBuffer.wrap(broken).order(ByteOrder.LITTLE_ENDIAN).putShort(0x3c, (short) 1000); // section table past the end
        assertEquals(KernelAcpi.Support.UNKNOWN, KernelAcpi.of(broken));
    }

    @Test
    void theMinimalKernelHasNoAcpiAndTheAcpiKernelHas() throws Exception {
        Path cache = Path.of(System.getProperty("user.home"), ".cache/jvmm/images");
        Path minimal = cache.resolve("current-minimal/vmlinux");
        Path acpi = cache.resolve("current-acpi/vmlinux");
        assumeTrue(Files.isRegularFile(minimal) || Files.isRegularFile(acpi),
                "no guest image: ./jvmm images build (--profile acpi)");
        if (Files.isRegularFile(minimal)) {
            assertEquals(KernelAcpi.Support.NO_ACPI, KernelAcpi.of(Files.readAllBytes(minimal)));
        }
        if (Files.isRegularFile(acpi)) {
            assertEquals(KernelAcpi.Support.ACPI, KernelAcpi.of(Files.readAllBytes(acpi)));
        }
    }
}
