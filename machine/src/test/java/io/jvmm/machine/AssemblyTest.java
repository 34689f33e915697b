package io.jvmm.machine;

import io.jvmm.boot.BootLayout;
import io.jvmm.boot.PvhStartInfo;
import io.jvmm.boot.acpi.AcpiTables;
import io.jvmm.boot.acpi.Dsdt;
import io.jvmm.boot.acpi.Fadt;
import io.jvmm.boot.cpu.CpuProfile;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.devices.legacy.BootTimer;
import io.jvmm.devices.virtio.VirtioMmio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The KVM-free half of {@code Machine.build}, on a fake wiring: which interrupt lines, doorbells and bus
 * ranges each device gets, what the kernel is told about them, and where the boot vCPU starts.
 */
class AssemblyTest {
    private static final long RAM = 32L << 20;
    private static final long BASE = GuestRamLayout.VIRTIO_MMIO_BASE;
    private static final long SIZE = VirtioMmio.VIRTIO_MMIO_SIZE;

    @TempDir
    Path dir;

    private final FakeWiring wiring = new FakeWiring(RAM);
    private final ByteArrayOutputStream consoleOut = new ByteArrayOutputStream();
    private final List<MachineExit> stops = new ArrayList<>();
    private Assembly assembly;

    @AfterEach
    void close() {
        if (assembly != null) {
            assembly.virtio().close();
        }
        wiring.close();
    }

    private Path file(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    private Assembly assemble(MachineSpec spec, boolean irqchip, MachineListener listener) throws Exception {
        MemorySegment kernel = MemorySegment.ofArray(Files.readAllBytes(spec.kernel()));
        assembly = Assembly.assemble(wiring, spec, kernel, null, irqchip, new ConsoleWatcher(consoleOut, listener),
                new BootTimer(0, 0, System::nanoTime), stops::add);
        return assembly;
    }

    @Test
    void linuxGuestWithTwoDisksAndRng() throws Exception {
        MachineSpec spec = MachineSpec.builder()
                .kernel(file("vmlinux", TestKernels.elfPvh()))
                .memoryBytes(RAM).cpus(2)
                .disk(file("a.img", new byte[1 << 20]), false)
                .disk(file("b.img", new byte[1 << 20]), true)
                .rng(true)
                .cpuProfile(CpuProfile.HARDWARE)
                .build();
        Assembly a = assemble(spec, true, new MachineListener() { });

        // The serial's irqfd on GSI 4, the i8042's keyboard and aux on GSI 1 and 12; virtio device n on
        // GSI 5 + n, named as on the bus.
        assertEquals(Machine.COM1_GSI, wiring.gsiOf("serial"));
        assertEquals(1, wiring.gsiOf("i8042-kbd"));
        assertEquals(12, wiring.gsiOf("i8042-aux"));
        assertEquals(5, wiring.gsiOf("virtio-blk0"));
        assertEquals(6, wiring.gsiOf("virtio-blk1"));
        assertEquals(7, wiring.gsiOf("virtio-rng0"));
        assertEquals(6, wiring.irqs.size());

        // One doorbell per queue, at the device's QueueNotify register, matching the queue index.
        List<String> bells = wiring.doorbells.stream()
                .map(d -> d.name() + "@0x" + Long.toHexString(d.address()) + "/" + d.length() + "=" + d.value()).toList();
        assertEquals(List.of(
                "virtio-blk0-q0@0xc0001050/4=0",
                "virtio-blk1-q0@0xc0002050/4=0",
                "virtio-rng0-q0@0xc0003050/4=0"), bells);
        assertTrue(wiring.readables.isEmpty(), "no TAP, nothing else for the I/O thread to watch");

        // The buses: every device at its place.
        assertEquals("serial", wiring.pio().find(Machine.COM1_PORT).name());
        assertEquals("i8042", wiring.pio().find(Machine.I8042_PORT + 4).name());
        assertEquals("boot-timer", wiring.mmio().find(GuestRamLayout.BOOT_TIMER_ADDRESS).name());
        for (int n = 0; n < 3; n++) {
            assertEquals(List.of("virtio-blk0", "virtio-blk1", "virtio-rng0").get(n),
                    wiring.mmio().find(BASE + n * SIZE + VirtioMmio.VIRTIO_MMIO_QUEUE_NOTIFY).name());
        }
        assertNull(wiring.mmio().find(BASE + 3 * SIZE));

        // The kernel is told where the devices are, after the spec's command line.
        String words = " virtio_mmio.device=4K@0xc0001000:5 virtio_mmio.device=4K@0xc0002000:6"
                + " virtio_mmio.device=4K@0xc0003000:7";
        assertEquals(MachineSpec.DEFAULT_CMDLINE + words, a.cmdline());
        byte[] loaded = new byte[a.cmdline().length() + 1];
        wiring.memory().read(BootLayout.CMDLINE_START, loaded, 0, loaded.length);
        assertEquals(a.cmdline() + "\0", new String(loaded, StandardCharsets.US_ASCII));

        // The boot vCPU enters the kernel the PVH way.
        var cpu = assertInstanceOf(VcpuInitializer.BootCpu.Protected.class, a.bootCpu());
        assertEquals(TestKernels.PVH_ENTRY, cpu.state().rip());
    }

    @Test
    void aDoorbellReachesItsQueueAndAnInterruptItsLine() throws Exception {
        MachineSpec spec = MachineSpec.builder().kernel(file("vmlinux", TestKernels.elfPvh())).memoryBytes(RAM)
                .rng(true).cpuProfile(CpuProfile.HARDWARE).build();
        assemble(spec, true, new MachineListener() { });
        // Before the driver set the device up, a notify is ignored, but it must reach the transport without
        // harm (the I/O thread runs exactly this).
        wiring.doorbells.getFirst().handler().run();
        // The UART raises its line when the guest enables the THR-empty interrupt (IER bit 1).
        wiring.pio().write(Machine.COM1_PORT + 1, new byte[] {0x02});
        assertTrue(wiring.irqs.getFirst().triggers().get() > 0, "serial interrupt raised through its line");
    }

    @Test
    void theCpuProfileWordsComeBeforeTheDevices() throws Exception {
        MachineSpec spec = MachineSpec.builder().kernel(file("vmlinux", TestKernels.elfPvh())).memoryBytes(RAM)
                .append("quiet").rng(true).cpuProfile(CpuProfile.emulatingHost("test")).build();
        Assembly a = assemble(spec, true, new MachineListener() { });
        assertEquals(MachineSpec.DEFAULT_CMDLINE + " quiet " + CpuProfile.EMULATING_HOST_CMDLINE
                + " virtio_mmio.device=4K@0xc0001000:5", a.cmdline());
    }

    @Test
    void rawGuestWithoutIrqchipGetsNoInterruptLines() throws Exception {
        MachineSpec spec = MachineSpec.builder().kernel(file("hello.bin", HelloGuest.realMode()))
                .format(MachineSpec.KernelFormat.RAW).memoryBytes(RAM).cpuProfile(CpuProfile.HARDWARE).build();
        Assembly a = assemble(spec, false, new MachineListener() { });
        assertTrue(wiring.irqs.isEmpty(), wiring.irqs.toString());
        assertTrue(wiring.doorbells.isEmpty());
        assertNull(a.cmdline());
        assertEquals(new VcpuInitializer.BootCpu.RealMode(0x1000), a.bootCpu());
        byte[] at = new byte[HelloGuest.REAL_MODE.length];
        wiring.memory().read(GuestAddress.of(0x1000), at, 0, at.length);
        assertArrayEquals(HelloGuest.realMode(), at);
    }

    @Test
    void aRawBinaryPastGuestMemoryIsRefusedByField() throws Exception {
        MachineSpec spec = MachineSpec.builder().kernel(file("hello.bin", HelloGuest.realMode()))
                .format(MachineSpec.KernelFormat.RAW).rawEntry(new MachineSpec.RawEntry(MachineSpec.RawEntry.Mode.LONG, RAM - 4))
                .memoryBytes(RAM).cpuProfile(CpuProfile.HARDWARE).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> assemble(spec, false, new MachineListener() { }));
        assertEquals("kernel: 20 bytes at 0x1fffffc do not fit in guest memory (32 MiB)", e.getMessage());
    }

    @Test
    void consoleOutputReachesTheListenerAndAResetStopsTheMachine() throws Exception {
        MachineSpec spec = MachineSpec.builder().kernel(file("hello.bin", HelloGuest.realMode()))
                .format(MachineSpec.KernelFormat.RAW).memoryBytes(RAM).cpuProfile(CpuProfile.HARDWARE).build();
        ByteArrayOutputStream heard = new ByteArrayOutputStream();
        assemble(spec, false, new MachineListener() {
            @Override
            public void consoleOutput(byte[] data, int offset, int length) {
                heard.write(data, offset, length);
            }
        });
        for (byte b : "hi\n".getBytes(StandardCharsets.US_ASCII)) {
            wiring.pio().write(Machine.COM1_PORT, new byte[] {b});   // THR
        }
        assembly.serial().flush();
        assertEquals("hi\n", consoleOut.toString(StandardCharsets.US_ASCII));
        assertEquals("hi\n", heard.toString(StandardCharsets.US_ASCII));

        wiring.pio().write(Machine.I8042_PORT + 4, new byte[] {(byte) 0xfe});   // pulse the reset line
        assertEquals(1, stops.size());
        assertNotNull(stops.getFirst());
        assertEquals(MachineExit.ok("guest reset (reboot, i8042)"), stops.getFirst());
    }

    private String readAscii(long at, int length) {
        byte[] b = new byte[length];
        wiring.memory().read(GuestAddress.of(at), b, 0, length);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void anAcpiKernelFindsItsDevicesInTheTablesAlone() throws Exception {
        MachineSpec spec = MachineSpec.builder().kernel(file("vmlinux", TestKernels.elfPvhWithSymbols("acpi_boot_init")))
                .memoryBytes(RAM).cpus(2).rng(true).cpuProfile(CpuProfile.HARDWARE).build();
        Assembly a = assemble(spec, true, new MachineListener() { });
        assertEquals(MachineSpec.DEFAULT_CMDLINE, a.cmdline(), "no virtio_mmio.device= words");
        assertEquals("RSD PTR ", readAscii(AcpiTables.RSDP_START.value(), 8));
        assertEquals(AcpiTables.RSDP_START.value(), wiring.memory().readLong(
                BootLayout.PVH_INFO_START.plus(PvhStartInfo.OFF_RSDP_PADDR)), "PVH start info points at the RSDP");
        assertEquals("\0\0\0\0", readAscii(BootLayout.EBDA_START.value(), 4), "no MP floating pointer");
        String area = readAscii(AcpiTables.RSDP_START.value(), 0x1000);
        assertTrue(area.contains("LNRO0005"), "the DSDT names the virtio-rng device");
    }

    @Test
    void aKernelWithoutAcpiAlsoGetsTheMpTableAndTheWords() throws Exception {
        expectTablesMpTableAndWords(TestKernels.elfPvhWithSymbols("start_kernel"));
    }

    @Test
    void aKernelOfUnknownAcpiSupportAlsoGetsTheMpTableAndTheWords() throws Exception {
        expectTablesMpTableAndWords(TestKernels.elfPvh()); // no symbol table
    }

    private void expectTablesMpTableAndWords(byte[] kernel) throws Exception {
        MachineSpec spec = MachineSpec.builder().kernel(file("vmlinux", kernel)).memoryBytes(RAM).rng(true)
                .cpuProfile(CpuProfile.HARDWARE).build();
        Assembly a = assemble(spec, true, new MachineListener() { });
        assertEquals(MachineSpec.DEFAULT_CMDLINE + " virtio_mmio.device=4K@0xc0001000:5", a.cmdline());
        assertEquals("_MP_", readAscii(BootLayout.EBDA_START.value(), 4));
        assertEquals("RSD PTR ", readAscii(AcpiTables.RSDP_START.value(), 8), "the tables are there too");
    }

    @Test
    void acpiOffWritesNoTables() throws Exception {
        MachineSpec spec = MachineSpec.builder().kernel(file("vmlinux", TestKernels.elfPvhWithSymbols("acpi_boot_init")))
                .memoryBytes(RAM).rng(true).acpi(false).cpuProfile(CpuProfile.HARDWARE).build();
        Assembly a = assemble(spec, true, new MachineListener() { });
        assertEquals(MachineSpec.DEFAULT_CMDLINE + " virtio_mmio.device=4K@0xc0001000:5", a.cmdline());
        assertEquals("\0\0\0\0\0\0\0\0", readAscii(AcpiTables.RSDP_START.value(), 8));
        assertEquals(0, wiring.memory().readLong(BootLayout.PVH_INFO_START.plus(PvhStartInfo.OFF_RSDP_PADDR)));
        assertEquals("_MP_", readAscii(BootLayout.EBDA_START.value(), 4));
    }

    @Test
    void acpiPowerOffAndResetStopTheMachineSayingWhich() throws Exception {
        MachineSpec spec = MachineSpec.builder().kernel(file("hello.bin", HelloGuest.realMode()))
                .format(MachineSpec.KernelFormat.RAW).memoryBytes(RAM).cpuProfile(CpuProfile.HARDWARE).build();
        assemble(spec, false, new MachineListener() { });
        // Linux's acpi_hw_extended_sleep(S5): clear WAK_STS, then SLP_TYP 5 | SLP_EN into SLEEP_CONTROL_REG.
        wiring.pio().write(Machine.ACPI_PM_PORT + 1, new byte[] {(byte) 0x80});
        assertTrue(stops.isEmpty());
        wiring.pio().write(Machine.ACPI_PM_PORT, new byte[] {(byte) (Dsdt.S5_SLP_TYP << 2 | 0x20)});
        wiring.pio().write(Machine.ACPI_PM_PORT, new byte[] {(byte) Fadt.RESET_VALUE});
        assertEquals(List.of(MachineExit.ok("guest powered off (ACPI S5)"),
                MachineExit.ok("guest reset (reboot, ACPI reset register)")), stops);
    }
}
