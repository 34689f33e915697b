package io.jvmm.boot.acpi;

import java.nio.ByteBuffer;

/**
 * The Multiple APIC Description Table (ACPI 6.5 §5.2.12): one Processor Local APIC entry per vCPU (APIC
 * IDs 0..N-1, as KVM numbers them) and the IOAPIC (ID N, GSIs 0-23) — what the MP table says for a kernel
 * without ACPI. No Interrupt Source Overrides: KVM's default routing sends ISA IRQ n to IOAPIC pin n.
 *
 * <pre>
 *  36 Local Interrupt Controller Address u32 (0xFEE00000)   40 Flags u32 (PCAT_COMPAT: KVM has the 8259s)
 *  44 entries:  type 0 Processor Local APIC, 8 bytes: type len uid apic_id flags u32 (Enabled)
 *               type 1 I/O APIC, 12 bytes: type len id reserved address u32 gsi_base u32
 * </pre>
 */
public final class Madt {
    private Madt() {
    }

    public static final int REVISION = 5;
    public static final int PCAT_COMPAT = 1;
    public static final int TYPE_LOCAL_APIC = 0;
    public static final int TYPE_IO_APIC = 1;
    public static final int LOCAL_APIC_SIZE = 8;
    public static final int IO_APIC_SIZE = 12;
    public static final int LAPIC_ENABLED = 1;
    public static final long LOCAL_APIC_ADDRESS = 0xfee0_0000L;
    public static final long IO_APIC_ADDRESS = 0xfec0_0000L;

    public static byte[] build(int cpus) {
        if (cpus < 1 || cpus > 254) {
            throw new IllegalArgumentException("acpi: MADT for " + cpus + " CPUs; 1 to 254 have 8-bit APIC IDs beside the IOAPIC");
        }
        ByteBuffer b = Sdt.start("APIC", Sdt.HEADER_SIZE + 8 + cpus * LOCAL_APIC_SIZE + IO_APIC_SIZE, REVISION);
        b.putInt((int) LOCAL_APIC_ADDRESS).putInt(PCAT_COMPAT);
        for (int cpu = 0; cpu < cpus; cpu++) {
            b.put((byte) TYPE_LOCAL_APIC).put((byte) LOCAL_APIC_SIZE).put((byte) cpu).put((byte) cpu).putInt(LAPIC_ENABLED);
        }
        b.put((byte) TYPE_IO_APIC).put((byte) IO_APIC_SIZE).put((byte) cpus).put((byte) 0)
                .putInt((int) IO_APIC_ADDRESS).putInt(0);
        return Sdt.finish(b);
    }
}
