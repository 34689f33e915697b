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

    /** {@link TestImages#elf} with a section table: null, .symtab (linked to 2), .strtab holding {@code names}. */
    static byte[] elfWithSymbols(String... names) {
        byte[] elf = TestImages.elf(true);
        ByteArrayOutputStream strtab = new ByteArrayOutputStream();
        strtab.write(0);
        for (String n : names) {
            strtab.writeBytes(n.getBytes(StandardCharsets.US_ASCII));
            strtab.write(0);
        }
        int strOff = elf.length;
        int strSize = strtab.size();
        int shoff = (strOff + strSize + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(shoff + 3 * 64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(elf).put(strtab.toByteArray());
        b.putLong(0x28, shoff).putShort(0x3a, (short) 64).putShort(0x3c, (short) 3);
        int symtab = shoff + 64;
        b.putInt(symtab + 4, KernelAcpi.SHT_SYMTAB).putInt(symtab + 40, 2);
        int str = shoff + 128;
        b.putInt(str + 4, 3).putLong(str + 24, strOff).putLong(str + 32, strSize);
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
