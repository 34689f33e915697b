package io.jvmm.boot.acpi;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

/**
 * Writes the ACPI tables into guest memory, in the BIOS area of the legacy hole, where a PC's firmware
 * keeps them and where Linux's scan for the RSDP looks (Firecracker puts its RSDP at 0xE0000 too):
 *
 * <pre>
 *   0x000e_0000  RSDP (36 bytes) ──► XSDT ──► FADT ──► DSDT (X_DSDT)
 *   0x000e_0040  XSDT                    └──► MADT
 *      ...       FADT, MADT, DSDT, each 16-byte aligned
 *   0x0010_0000  end of the area (E820 marks 0xe0000-0x100000 reserved)
 * </pre>
 */
public final class AcpiTables {
    private AcpiTables() {
    }

    public static final GuestAddress RSDP_START = GuestAddress.of(0xe_0000);
    public static final long AREA_END = 0x10_0000;
    private static final int ALIGN = 16;

    /** Where each table went. */
    public record Written(GuestAddress rsdp, GuestAddress xsdt, GuestAddress fadt, GuestAddress madt, GuestAddress dsdt,
                          long end) {
    }

    /** Writes RSDP, XSDT, FADT, MADT and DSDT for {@code platform}; fails if they do not fit the area. */
    public static Written write(GuestMemory memory, AcpiPlatform platform) {
        byte[] dsdt = Dsdt.build(platform);
        byte[] madt = Madt.build(platform.cpus());
        long xsdtAt = align(RSDP_START.value() + Rsdp.SIZE);
        long xsdtSize = Sdt.HEADER_SIZE + 2 * 8;
        long fadtAt = align(xsdtAt + xsdtSize);
        long madtAt = align(fadtAt + Fadt.SIZE);
        long dsdtAt = align(madtAt + madt.length);
        long end = dsdtAt + dsdt.length;
        if (end > AREA_END) {
            throw new IllegalArgumentException("acpi: tables of " + (end - RSDP_START.value()) + " bytes do not fit 0xe0000-0x100000");
        }
        byte[] fadt = Fadt.build(dsdtAt, platform.pmPort(), platform.i8042Port() != 0);
        byte[] xsdt = Xsdt.build(fadtAt, madtAt);
        memory.write(RSDP_START, Rsdp.build(xsdtAt));
        memory.write(GuestAddress.of(xsdtAt), xsdt);
        memory.write(GuestAddress.of(fadtAt), fadt);
        memory.write(GuestAddress.of(madtAt), madt);
        memory.write(GuestAddress.of(dsdtAt), dsdt);
        return new Written(RSDP_START, GuestAddress.of(xsdtAt), GuestAddress.of(fadtAt), GuestAddress.of(madtAt),
                GuestAddress.of(dsdtAt), end);
    }

    private static long align(long a) {
        return (a + ALIGN - 1) & -ALIGN;
    }
}
