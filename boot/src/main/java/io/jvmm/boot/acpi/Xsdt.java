package io.jvmm.boot.acpi;

import java.nio.ByteBuffer;

/** The Extended System Description Table (ACPI 6.5 §5.2.8): the header, then one u64 address per table. */
public final class Xsdt {
    private Xsdt() {
    }

    public static final int REVISION = 1;

    public static byte[] build(long... tables) {
        ByteBuffer b = Sdt.start("XSDT", Sdt.HEADER_SIZE + 8 * tables.length, REVISION);
        for (long t : tables) {
            b.putLong(t);
        }
        return Sdt.finish(b);
    }
}
