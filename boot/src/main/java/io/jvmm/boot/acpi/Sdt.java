package io.jvmm.boot.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The System Description Table header every ACPI table but the RSDP starts with (ACPI 6.5 §5.2.6), and the
 * checksum rule: all bytes of a table sum to zero modulo 256.
 *
 * <pre>
 *   0 Signature[4]   4 Length u32   8 Revision u8   9 Checksum u8
 *  10 OEMID[6]      16 OEM Table ID[8]  24 OEM Revision u32  28 Creator ID[4]  32 Creator Revision u32
 *  36 table-specific fields
 * </pre>
 */
public final class Sdt {
    private Sdt() {
    }

    public static final int HEADER_SIZE = 36;
    public static final int OFF_LENGTH = 4;
    public static final int OFF_CHECKSUM = 9;
    public static final String OEM_ID = "JVMM  ";
    public static final String CREATOR_ID = "JVMM";
    public static final int OEM_REVISION = 1;
    public static final int CREATOR_REVISION = 1;

    /** A little-endian buffer of {@code length} bytes holding the header; the caller adds the fields and calls {@link #finish}. */
    static ByteBuffer start(String signature, int length, int revision) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii(signature, 4)).putInt(length).put((byte) revision).put((byte) 0);
        b.put(ascii(OEM_ID, 6)).put(ascii("JVMM" + signature, 8)).putInt(OEM_REVISION);
        b.put(ascii(CREATOR_ID, 4)).putInt(CREATOR_REVISION);
        return b;
    }

    /** The table's bytes with its checksum set; the buffer must be full. */
    static byte[] finish(ByteBuffer b) {
        if (b.hasRemaining()) {
            throw new IllegalStateException("acpi: table " + new String(b.array(), 0, 4, StandardCharsets.US_ASCII)
                    + " has " + b.remaining() + " bytes not written");
        }
        byte[] t = b.array();
        t[OFF_CHECKSUM] = checksum(t, 0, t.length);
        return t;
    }

    /** The byte that makes {@code bytes[from, to)} sum to zero modulo 256, with its own slot still zero. */
    public static byte checksum(byte[] bytes, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += bytes[i];
        }
        return (byte) -sum;
    }

    /** The sum of {@code bytes[from, to)} modulo 256: zero for a table with a correct checksum. */
    public static int sum(byte[] bytes, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += bytes[i];
        }
        return sum & 0xff;
    }

    static byte[] ascii(String s, int width) {
        byte[] out = new byte[width];
        Arrays.fill(out, (byte) ' ');
        byte[] src = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(src, 0, out, 0, Math.min(src.length, width));
        return out;
    }

    /** Generic Address Structure (§5.2.3.2), 12 bytes: an I/O port register of {@code bitWidth} bits, byte access. */
    static void putIoGas(ByteBuffer b, int port, int bitWidth) {
        b.put((byte) (port == 0 ? 0 : GAS_SYSTEM_IO)).put((byte) (port == 0 ? 0 : bitWidth)).put((byte) 0)
                .put((byte) (port == 0 ? 0 : GAS_ACCESS_BYTE)).putLong(port);
    }

    /** GAS Address Space ID 1: system I/O. */
    public static final int GAS_SYSTEM_IO = 1;
    /** GAS Access Size 1: byte access. */
    public static final int GAS_ACCESS_BYTE = 1;
    public static final int GAS_SIZE = 12;
}
