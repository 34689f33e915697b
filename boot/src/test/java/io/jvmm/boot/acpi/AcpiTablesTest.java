package io.jvmm.boot.acpi;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.core.memory.GuestRegion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tables as written into guest memory: links, checksums, the fields Linux reads; and each one run
 * through iasl (acpica-tools), which must disassemble it without an error or warning and assemble the
 * disassembly again.
 */
class AcpiTablesTest {
    static final AcpiPlatform PLATFORM = new AcpiPlatform(2, List.of(
            new AcpiPlatform.MmioDevice(0xc000_1000L, 0x1000, 5),
            new AcpiPlatform.MmioDevice(0xc000_2000L, 0x1000, 6),
            new AcpiPlatform.MmioDevice(0xc000_3000L, 0x1000, 7)), 0x3f8, 4, 0x60, 0x600);

    private record Tables(byte[] rsdp, byte[] xsdt, byte[] fadt, byte[] madt, byte[] dsdt) {
    }

    private static Tables written(AcpiPlatform platform) {
        try (Arena arena = Arena.ofConfined()) {
            GuestMemory m = GuestMemory.of(new GuestRegion(GuestAddress.of(0), arena.allocate(1 << 20, 4096)));
            AcpiTables.Written w = AcpiTables.write(m, platform);
            byte[] rsdp = read(m, w.rsdp().value(), Rsdp.SIZE);
            long xsdt = ByteBuffer.wrap(rsdp).order(ByteOrder.LITTLE_ENDIAN).getLong(Rsdp.OFF_XSDT_ADDRESS);
            assertEquals(w.xsdt().value(), xsdt);
            byte[] x = table(m, xsdt);
            ByteBuffer xb = ByteBuffer.wrap(x).order(ByteOrder.LITTLE_ENDIAN);
            byte[] fadt = table(m, xb.getLong(36));
            byte[] madt = table(m, xb.getLong(44));
            long dsdt = ByteBuffer.wrap(fadt).order(ByteOrder.LITTLE_ENDIAN).getLong(Fadt.OFF_X_DSDT);
            return new Tables(rsdp, x, fadt, madt, table(m, dsdt));
        }
    }

    private static byte[] table(GuestMemory m, long at) {
        byte[] header = read(m, at, Sdt.HEADER_SIZE);
        int length = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt(Sdt.OFF_LENGTH);
        return read(m, at, length);
    }

    private static byte[] read(GuestMemory m, long at, int length) {
        byte[] b = new byte[length];
        m.read(GuestAddress.of(at), b, 0, length);
        return b;
    }

    private static String signature(byte[] t) {
        return new String(t, 0, 4, StandardCharsets.US_ASCII);
    }

    @Test
    void rsdpLeadsToEveryTableAndAllChecksumsAreRight() {
        Tables t = written(PLATFORM);
        assertEquals("RSD PTR ", new String(t.rsdp(), 0, 8, StandardCharsets.US_ASCII));
        assertEquals(0, Sdt.sum(t.rsdp(), 0, Rsdp.V1_LENGTH), "RSDP checksum (first 20 bytes)");
        assertEquals(0, Sdt.sum(t.rsdp(), 0, Rsdp.SIZE), "RSDP extended checksum");
        assertEquals(Rsdp.REVISION, t.rsdp()[15]);
        assertEquals(List.of("XSDT", "FACP", "APIC", "DSDT"),
                List.of(signature(t.xsdt()), signature(t.fadt()), signature(t.madt()), signature(t.dsdt())));
        for (byte[] table : List.of(t.xsdt(), t.fadt(), t.madt(), t.dsdt())) {
            assertEquals(0, Sdt.sum(table, 0, table.length), signature(table) + " checksum");
        }
    }

    @Test
    void aCorruptedByteBreaksTheChecksum() {
        byte[] madt = Madt.build(1);
        madt[40] ^= 1;
        assertTrue(Sdt.sum(madt, 0, madt.length) != 0);
    }

    @Test
    void fadtIsHardwareReducedWithSleepAndResetRegistersAtThePmPort() {
        ByteBuffer f = ByteBuffer.wrap(written(PLATFORM).fadt()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(Fadt.SIZE, f.capacity());
        int flags = f.getInt(Fadt.OFF_FLAGS);
        assertTrue((flags & Fadt.HW_REDUCED_ACPI) != 0 && (flags & Fadt.RESET_REG_SUP) != 0, Integer.toHexString(flags));
        for (int[] reg : new int[][] {{Fadt.OFF_RESET_REG, 0x600}, {Fadt.OFF_SLEEP_CONTROL_REG, 0x600},
                {Fadt.OFF_SLEEP_STATUS_REG, 0x601}}) {
            assertEquals(Sdt.GAS_SYSTEM_IO, f.get(reg[0]));
            assertEquals(8, f.get(reg[0] + 1));
            assertEquals(reg[1], f.getLong(reg[0] + 4));
        }
        assertEquals(Fadt.RESET_VALUE, f.get(Fadt.OFF_RESET_VALUE));
        assertTrue((f.getShort(Fadt.OFF_IAPC_BOOT_ARCH) & Fadt.IAPC_8042) != 0);
    }

    @Test
    void madtHasOneLocalApicPerCpuAndTheIoapic() {
        byte[] madt = Madt.build(3);
        assertEquals(Sdt.HEADER_SIZE + 8 + 3 * 8 + 12, madt.length);
        for (int cpu = 0; cpu < 3; cpu++) {
            int e = 44 + cpu * 8;
            assertEquals(Madt.TYPE_LOCAL_APIC, madt[e]);
            assertEquals(cpu, madt[e + 3], "APIC ID");
            assertEquals(Madt.LAPIC_ENABLED, madt[e + 4]);
        }
        int io = 44 + 3 * 8;
        assertEquals(Madt.TYPE_IO_APIC, madt[io]);
        assertEquals(3, madt[io + 2], "IOAPIC ID after the CPUs'");
        assertEquals((int) Madt.IO_APIC_ADDRESS, ByteBuffer.wrap(madt).order(ByteOrder.LITTLE_ENDIAN).getInt(io + 4));
        assertThrows(IllegalArgumentException.class, () -> Madt.build(0));
        assertThrows(IllegalArgumentException.class, () -> Madt.build(255));
    }

    @Test
    void tablesForNineteenDevicesAndManyCpusStillFitTheArea() {
        List<AcpiPlatform.MmioDevice> devices = new ArrayList<>();
        for (int n = 0; n < 19; n++) {
            devices.add(new AcpiPlatform.MmioDevice(0xc000_1000L + n * 0x1000L, 0x1000, 5 + n));
        }
        Tables t = written(new AcpiPlatform(254, devices, 0x3f8, 4, 0x60, 0x600));
        assertEquals(0, Sdt.sum(t.dsdt(), 0, t.dsdt().length));
    }

    // --- iasl ---------------------------------------------------------------------------------------

    private static Path iasl() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "iasl");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private record Run(int status, String output) {
    }

    private static Run run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(iasl().toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "iasl did not finish");
        return new Run(p.exitValue(), out);
    }

    @Test
    void iaslDisassemblesEachTableCleanlyAndAssemblesItAgain(@TempDir Path dir) throws Exception {
        assumeTrue(iasl() != null, "iasl not installed: apt-get install acpica-tools (or run .ci/install-test-tools)");
        Tables t = written(PLATFORM);
        for (byte[] table : List.of(t.xsdt(), t.fadt(), t.madt(), t.dsdt())) {
            String name = signature(table).toLowerCase(java.util.Locale.ROOT);
            Files.write(dir.resolve(name + ".dat"), table);
            Run d = run(dir, "-d", name + ".dat");
            assertEquals(0, d.status(), name + ": iasl -d failed:\n" + d.output());
            assertCleanOutput(name + " disassembly", d.output());
            String dsl = Files.readString(dir.resolve(name + ".dsl"));
            assertTrue(!dsl.contains("**** ") || !dsl.toLowerCase(java.util.Locale.ROOT).contains("invalid"),
                    name + ": the disassembly flags a field:\n" + dsl);
            Files.delete(dir.resolve(name + ".dat"));
            Run a = run(dir, name + ".dsl");
            assertEquals(0, a.status(), name + ": re-assembly failed:\n" + a.output());
            assertCleanOutput(name + " re-assembly", a.output());
            if (name.equals("dsdt")) {
                assertTrue(dsl.contains("\"LNRO0005\""), dsl);
                assertTrue(dsl.contains("EisaId (\"PNP0501\")") && dsl.contains("EisaId (\"PNP0303\")"), dsl);
                assertTrue(dsl.contains("0xC0003000,         // Address Base"), dsl);
                assertTrue(dsl.contains("Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, )"), dsl);
                assertTrue(dsl.contains("Name (\\_S5, Package (0x04)"), dsl);
            }
            if (name.equals("facp")) {
                assertTrue(dsl.contains("Hardware Reduced (V5) : 1"), dsl);
            }
        }
    }

    private static void assertCleanOutput(String what, String output) {
        for (String line : output.split("\n")) {
            String l = line.strip();
            assertTrue(!l.matches("(?i).*\\b(error|warning)s?\\b.*") || l.matches(".*\\b0 Errors, 0 Warnings.*")
                    || l.startsWith("Compilation successful"), what + ": " + l + "\n" + output);
        }
    }
}
