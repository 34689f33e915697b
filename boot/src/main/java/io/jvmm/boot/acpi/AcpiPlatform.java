package io.jvmm.boot.acpi;

import java.util.List;
import java.util.Objects;

/**
 * What the ACPI tables describe: the vCPUs, the virtio-mmio devices (window and GSI each), the legacy
 * devices on their ports, and the port of the sleep/reset register device. The machine assembly fills it
 * from its own layout; this package knows no device.
 *
 * @param cpus      vCPUs, APIC IDs 0..cpus-1
 * @param virtio    the virtio-mmio devices in order (each becomes {@code \_SB.Vnnn}, HID LNRO0005)
 * @param com1Port  the 16550A's base port (PNP0501), 8 ports
 * @param com1Irq   its ISA IRQ / GSI
 * @param i8042Port the keyboard controller's data port (PNP0303; its command port is 4 above), or 0 for none
 * @param pmPort    the sleep control / reset register port (sleep status at pmPort + 1)
 */
public record AcpiPlatform(int cpus, List<MmioDevice> virtio, int com1Port, int com1Irq, int i8042Port, int pmPort) {

    /** One virtio-mmio window: {@code size} bytes at {@code base}, interrupt on GSI {@code gsi} (edge, active high). */
    public record MmioDevice(long base, long size, int gsi) {
    }

    public AcpiPlatform {
        virtio = List.copyOf(Objects.requireNonNull(virtio, "virtio"));
    }
}
