package io.jvmm.boot.acpi;

import java.util.ArrayList;
import java.util.List;

/**
 * The Differentiated System Description Table (ACPI 6.5 §5.2.11.1): the header, then AML written by
 * {@link Aml}. It names the devices a guest cannot find by probing and the S5 sleep type:
 *
 * <pre>
 *   Scope (\_SB) {
 *     Device (COM1) { _HID EISAID("PNP0501")  _UID 1  _CRS { IO (0x3f8, 8)  IRQNoFlags {4} } }
 *     Device (PS2K) { _HID EISAID("PNP0303")  _CRS { IO (0x60, 1)  IO (0x64, 1)  IRQNoFlags {1} } }
 *     Device (V000) { _HID "LNRO0005"  _UID 0  _CRS { Memory32Fixed (ReadWrite, base, 0x1000)
 *                                                     Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {gsi} } }
 *     ...                                      one per virtio-mmio device (Linux: drivers/virtio/virtio_mmio.c's
 *   }                                          acpi_match_table; Firecracker's device manager does the same)
 *   Name (\_S5, Package () { 5, 5, 0, 0 })     SLP_TYPa, SLP_TYPb for "soft off"
 * </pre>
 */
public final class Dsdt {
    private Dsdt() {
    }

    public static final int REVISION = 2;
    /** The sleep type {@code \_S5} names: the value the guest writes in SLP_TYP to power off. */
    public static final int S5_SLP_TYP = 5;
    /** The ACPI ID Linux's virtio-mmio driver matches. */
    public static final String VIRTIO_MMIO_HID = "LNRO0005";
    public static final String COM_HID = "PNP0501";
    public static final String I8042_KEYBOARD_HID = "PNP0303";
    public static final int I8042_KEYBOARD_IRQ = 1;
    /** The i8042's command/status port, 4 above its data port. */
    public static final int I8042_COMMAND_OFFSET = 4;
    /** 16550A registers: 8 ports. */
    public static final int COM_PORTS = 8;

    public static byte[] build(AcpiPlatform p) {
        List<byte[]> devices = new ArrayList<>();
        devices.add(Aml.device("COM1",
                Aml.name("_HID", Aml.eisaId(COM_HID)),
                Aml.name("_UID", Aml.integer(1)),
                Aml.name("_CRS", ResourceTemplate.of(
                        ResourceTemplate.io(p.com1Port(), p.com1Port(), 1, COM_PORTS),
                        ResourceTemplate.irqNoFlags(p.com1Irq())))));
        if (p.i8042Port() != 0) {
            int data = p.i8042Port();
            int command = data + I8042_COMMAND_OFFSET;
            devices.add(Aml.device("PS2K",
                    Aml.name("_HID", Aml.eisaId(I8042_KEYBOARD_HID)),
                    Aml.name("_CRS", ResourceTemplate.of(
                            ResourceTemplate.io(data, data, 1, 1),
                            ResourceTemplate.io(command, command, 1, 1),
                            ResourceTemplate.irqNoFlags(I8042_KEYBOARD_IRQ)))));
        }
        for (int n = 0; n < p.virtio().size(); n++) {
            AcpiPlatform.MmioDevice d = p.virtio().get(n);
            devices.add(Aml.device(String.format("V%03d", n),
                    Aml.name("_HID", Aml.string(VIRTIO_MMIO_HID)),
                    Aml.name("_UID", Aml.integer(n)),
                    Aml.name("_CRS", ResourceTemplate.of(
                            ResourceTemplate.memory32Fixed(true, d.base(), d.size()),
                            ResourceTemplate.interrupt(true, false, false, d.gsi())))));
        }
        byte[] aml = Aml.concat(
                Aml.scope("\\_SB", devices.toArray(byte[][]::new)),
                Aml.name("\\_S5", Aml.packageOf(Aml.integer(S5_SLP_TYP), Aml.integer(S5_SLP_TYP),
                        Aml.integer(0), Aml.integer(0))));
        var b = Sdt.start("DSDT", Sdt.HEADER_SIZE + aml.length, REVISION);
        b.put(aml);
        return Sdt.finish(b);
    }
}
