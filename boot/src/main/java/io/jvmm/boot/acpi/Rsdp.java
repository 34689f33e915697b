package io.jvmm.boot.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Root System Description Pointer, ACPI 2.0+ form (ACPI 6.5 §5.2.5.3). Linux finds it through
 * boot_params.acpi_rsdp_addr, the PVH start info's rsdp_paddr, or by scanning 0xE0000-0xFFFFF on
 * 16-byte boundaries; jvmm gives all three.
 *
 * <pre>
 *   0 "RSD PTR "   8 Checksum u8 (first 20 bytes)   9 OEMID[6]   15 Revision u8 (2)
 *  16 RsdtAddress u32 (0: jvmm has only an XSDT)     20 Length u32 (36)
 *  24 XsdtAddress u64   32 Extended Checksum u8 (all 36 bytes)   33 reserved[3]
 * </pre>
 */
public final class Rsdp {
    private Rsdp() {
    }

    public static final int SIZE = 36;
    public static final int REVISION = 2;
    public static final int OFF_CHECKSUM = 8;
    public static final int OFF_XSDT_ADDRESS = 24;
    public static final int OFF_EXTENDED_CHECKSUM = 32;
    /** The ACPI 1.0 checksum covers the first 20 bytes. */
    public static final int V1_LENGTH = 20;

    public static byte[] build(long xsdtAddress) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Sdt.ascii("RSD PTR ", 8)).put((byte) 0).put(Sdt.ascii(Sdt.OEM_ID, 6)).put((byte) REVISION)
                .putInt(0).putInt(SIZE).putLong(xsdtAddress).put((byte) 0).put(new byte[3]);
        byte[] t = b.array();
        t[OFF_CHECKSUM] = Sdt.checksum(t, 0, V1_LENGTH);
        t[OFF_EXTENDED_CHECKSUM] = Sdt.checksum(t, 0, SIZE);
        return t;
    }
}
