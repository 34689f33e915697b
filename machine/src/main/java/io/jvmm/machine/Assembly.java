package io.jvmm.machine;

import io.jvmm.boot.BootConfig;
import io.jvmm.boot.BootResult;
import io.jvmm.boot.CpuState;
import io.jvmm.boot.KernelAcpi;
import io.jvmm.boot.LinuxLoader;
import io.jvmm.boot.acpi.AcpiPlatform;
import io.jvmm.boot.acpi.Dsdt;
import io.jvmm.core.irq.InterruptLine;
import io.jvmm.core.lifecycle.MachineExit;
import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import io.jvmm.devices.legacy.AcpiPowerDevice;
import io.jvmm.devices.legacy.BootTimer;
import io.jvmm.devices.legacy.I8042;
import io.jvmm.devices.legacy.I8042State;
import io.jvmm.devices.legacy.Serial;
import io.jvmm.devices.legacy.SerialState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * The KVM-free half of building a machine: the devices, on the wiring's buses and interrupt lines, and
 * the boot plan, in its memory (kernel, initrd and command line loaded; the boot vCPU's first state).
 * {@link Machine#build} does the KVM half around it (the VM and its memory slots, the vCPUs' CPUID);
 * tests run it on a fake {@link VmWiring}.
 *
 * <pre>
 *   port 0x3f8-0x3ff  16550A UART (COM1), GSI 4 (only with an in-kernel irqchip)
 *   port 0x60-0x64    i8042 (keyboard on IRQ 1, reset line)
 *   port 0x600-0x601  ACPI sleep control + reset / sleep status registers (poweroff, reboot; see Fadt)
 *   MMIO 0xC0000000   boot timer (write 123 = "guest booted")
 *   MMIO 0xC0001000+  virtio-mmio devices, 4 KiB each, GSI 5.. (see VirtioDevices)
 * </pre>
 *
 * @param virtio  the virtio devices; the caller closes them (their back ends) with the machine
 * @param bootCpu the boot vCPU's first state
 * @param cmdline the kernel command line as loaded (the profile's words and, unless ACPI describes the
 *                devices, the virtio entries added);
 *                null for a raw binary, which has none
 */
record Assembly(Serial serial, I8042 i8042, ConsoleWatcher console, BootTimer bootTimer, VirtioDevices virtio,
                VcpuInitializer.BootCpu bootCpu, String cmdline) {
    private static final Logger LOG = LoggerFactory.getLogger(Assembly.class);

    /**
     * Puts the devices {@code spec} asks for on {@code wiring} and loads the guest into its memory.
     *
     * @param kernel  the kernel image (a flat binary for RAW), mapped: loaded straight from the file
     * @param initrd  the initrd, or null
     * @param irqchip whether the VM has an in-kernel interrupt controller (else devices get no interrupt)
     * @param stop    ends the machine (the i8042's reset line)
     */
    static Assembly assemble(VmWiring wiring, MachineSpec spec, MemorySegment kernel, MemorySegment initrd, boolean irqchip,
                             ConsoleWatcher console, BootTimer bootTimer, Consumer<MachineExit> stop) {
        Legacy legacy = wireLegacy(wiring, irqchip, console, bootTimer, stop, null, null);
        Serial serial = legacy.serial();

        VirtioDevices virtio = VirtioDevices.attach(wiring, spec);
        try {
            if (spec.format() == MachineSpec.KernelFormat.RAW) {
                VcpuInitializer.BootCpu cpu = loadRaw(wiring.memory(), spec.rawEntry(), kernel);
                return new Assembly(serial, legacy.i8042(), console, bootTimer, virtio, cpu, null);
            }
            String profileWords = spec.cpuProfile().cmdlineAdditions();
            // With ACPI tables, a kernel known to read them needs neither the MP table nor the command-line
            // device words; any other kernel (no ACPI, or one that cannot be told: a bzImage) gets both as well.
            KernelAcpi.Support support = KernelAcpi.of(kernel);
            boolean legacyDiscovery = !spec.acpi() || support != KernelAcpi.Support.ACPI;
            String line = spec.cmdline() + (profileWords.isEmpty() ? "" : " " + profileWords)
                    + (legacyDiscovery ? virtio.cmdline() : "");
            AcpiPlatform acpi = spec.acpi() ? new AcpiPlatform(spec.cpus(), virtio.windows(), Machine.COM1_PORT,
                    Machine.COM1_GSI, Machine.I8042_PORT, Machine.ACPI_PM_PORT) : null;
            BootResult boot = LinuxLoader.load(wiring.memory(),
                    new BootConfig(kernel, initrd, line, spec.cpus(), acpi, legacyDiscovery));
            LOG.info("loaded {}", boot.summary());
            LOG.info("ACPI: {}", !spec.acpi() ? "off (MP table, devices on the command line)"
                    : support == KernelAcpi.Support.ACPI ? "tables only (the kernel has ACPI)"
                    : "tables, MP table and command-line devices (kernel ACPI support: " + support + ")");
            LOG.info("kernel command line: {}", boot.cmdline());
            return new Assembly(serial, legacy.i8042(), console, bootTimer, virtio,
                    new VcpuInitializer.BootCpu.Protected(boot.bootCpu()), boot.cmdline());
        } catch (RuntimeException e) {
            virtio.close();
            throw e;
        }
    }

    /** The legacy devices whose state a snapshot saves (the boot timer is the caller's). */
    record Legacy(Serial serial, I8042 i8042, InterruptLine com1) {
    }

    /**
     * The devices every machine has, on {@code wiring}: the 16550A on COM1 (GSI 4), the i8042 with its
     * keyboard (GSI 1, aux GSI 12) and reset line, the ACPI sleep/reset registers, the boot timer. Used by
     * {@link #assemble} and by a restore (which loads nothing). A restored device sends no edge for an
     * interrupt it had raised: that one was delivered before the snapshot and is in the irqchip's state.
     *
     * @param irqchip     whether the VM has an in-kernel interrupt controller (else the devices get none)
     * @param serialState a snapshot's UART state to restore, or null for a UART after reset
     * @param i8042State  a snapshot's i8042 state to restore, or null for a controller after reset
     */
    static Legacy wireLegacy(VmWiring wiring, boolean irqchip, ConsoleWatcher console, BootTimer bootTimer,
                             Consumer<MachineExit> stop, SerialState serialState, I8042State i8042State) {
        InterruptLine com1 = irqchip ? wiring.interrupt("serial", Machine.COM1_GSI) : InterruptLine.NONE;
        InterruptLine keyboard = irqchip ? wiring.interrupt("i8042-kbd", Machine.I8042_KBD_GSI) : InterruptLine.NONE;
        InterruptLine aux = irqchip ? wiring.interrupt("i8042-aux", Machine.I8042_AUX_GSI) : InterruptLine.NONE;
        Serial serial = serialState == null ? new Serial(com1, console) : Serial.restore(serialState, com1, console);
        wiring.pio().insert("serial", Machine.COM1_PORT, Serial.PORT_COUNT, serial);
        Runnable reset = () -> {
            serial.flush(); // the console is written on a thread of its own: let it catch up, then ask it
            stop.accept(console.panicLine()
                    .map(l -> MachineExit.failure("guest kernel panicked: " + l))
                    .orElse(MachineExit.ok("guest reset (reboot, i8042)")));
        };
        I8042 i8042 = i8042State == null ? new I8042(reset, keyboard, aux)
                : I8042.restore(i8042State, reset, keyboard, aux);
        wiring.pio().insert("i8042", Machine.I8042_PORT, I8042.PORT_COUNT, i8042);
        // Stateless (write-only registers): nothing for a snapshot to save.
        wiring.pio().insert("acpi-pm", Machine.ACPI_PM_PORT, AcpiPowerDevice.PORT_COUNT,
                new AcpiPowerDevice(Dsdt.S5_SLP_TYP,
                        () -> stop.accept(MachineExit.ok("guest powered off (ACPI S5)")),
                        () -> {
                            serial.flush();
                            stop.accept(console.panicLine()
                                    .map(l -> MachineExit.failure("guest kernel panicked: " + l))
                                    .orElse(MachineExit.ok("guest reset (reboot, ACPI reset register)")));
                        }));
        wiring.mmio().insert("boot-timer", GuestRamLayout.BOOT_TIMER_ADDRESS, BootTimer.MMIO_SIZE, bootTimer);
        return new Legacy(serial, i8042, com1);
    }

    private static VcpuInitializer.BootCpu loadRaw(GuestMemory memory, MachineSpec.RawEntry entry, MemorySegment binary) {
        GuestAddress at = GuestAddress.of(entry.address());
        if (!memory.contains(at, Math.max(1, binary.byteSize()))) {
            throw new IllegalArgumentException("kernel: " + binary.byteSize() + " bytes at " + at
                    + " do not fit in guest memory (" + MachineSpec.describeSize(memory.totalSize()) + ")");
        }
        memory.write(at, binary);
        return switch (entry.mode()) {
            case REAL -> new VcpuInitializer.BootCpu.RealMode(entry.address());
            case LONG -> new VcpuInitializer.BootCpu.Protected(CpuState.longMode(memory, at, GuestAddress.of(0)));
        };
    }
}
