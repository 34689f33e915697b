package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Reads the MP tables back the way Linux's mpparse.c does: scan, checksum, walk the entries. */
class MpTableTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 254})
    void tablesAreFoundChecksummedAndListEveryCpu(int cpus) {
        try (TestMemory t = TestMemory.of(2L << 20)) {
            GuestMemory m = t.memory;
            MpTable.write(m, cpus);
            GuestAddress mpf = scan(m, 639 * 0x400, 0x400);
            assertEquals(0, sum(m, mpf, 16), "mpf_intel checksum");
            assertEquals(1, m.readU8(mpf.plus(8)), "length in 16-byte units");
            assertEquals(4, m.readU8(mpf.plus(9)), "MP spec 1.4");
            GuestAddress mpc = GuestAddress.of(Integer.toUnsignedLong(m.readInt(mpf.plus(4))));
            assertEquals("PCMP", ascii(m, mpc, 4));
            int length = m.readU16(mpc.plus(4));
            assertEquals(MpTable.configTableSize(cpus), length);
            assertEquals(0, sum(m, mpc, length), "mpc_table checksum");
            assertEquals(0xfee0_0000, m.readInt(mpc.plus(36)), "lapic address");
            int count = m.readU16(mpc.plus(34));

            int processors = 0;
            int intsrc = 0;
            int lint = 0;
            int ioapicId = -1;
            long p = mpc.value() + 44;
            for (int i = 0; i < count; i++) {
                int type = m.readU8(GuestAddress.of(p));
                switch (type) {
                    case MpTable.MP_PROCESSOR -> {
                        assertEquals(processors, m.readU8(GuestAddress.of(p + 1)), "APIC ID");
                        int flags = m.readU8(GuestAddress.of(p + 3));
                        assertEquals(processors == 0 ? 3 : 1, flags, "CPU_ENABLED | BSP for cpu 0");
                        processors++;
                        p += 20;
                    }
                    case MpTable.MP_BUS -> {
                        assertEquals("ISA   ", ascii(m, GuestAddress.of(p + 2), 6));
                        p += 8;
                    }
                    case MpTable.MP_IOAPIC -> {
                        ioapicId = m.readU8(GuestAddress.of(p + 1));
                        assertEquals(0xfec0_0000, m.readInt(GuestAddress.of(p + 4)));
                        p += 8;
                    }
                    case MpTable.MP_INTSRC -> {
                        int srcIrq = m.readU8(GuestAddress.of(p + 5));
                        assertEquals(intsrc, srcIrq);
                        assertEquals(srcIrq, m.readU8(GuestAddress.of(p + 7)), "identity pin");
                        assertEquals(cpus, m.readU8(GuestAddress.of(p + 6)), "dest IOAPIC");
                        intsrc++;
                        p += 8;
                    }
                    case MpTable.MP_LINTSRC -> {
                        lint++;
                        p += 8;
                    }
                    default -> throw new AssertionError("unknown entry type " + type);
                }
            }
            assertEquals(length, p - mpc.value(), "entries fill the table exactly");
            assertEquals(cpus, processors);
            assertEquals(cpus, ioapicId);
            assertEquals(24, intsrc);
            assertEquals(2, lint);
        }
    }

    @Test
    void tooManyCpusIsAClearError() {
        try (TestMemory t = TestMemory.of(2L << 20)) {
            assertEquals("mptable: 255 CPUs requested; 1 to 254 are supported",
                    assertThrows(BootException.class, () -> MpTable.write(t.memory, 255)).getMessage());
        }
    }

    /** Linux smp_scan_config: the 16-byte aligned "_MP_" signature in [base, base+length). */
    private static GuestAddress scan(GuestMemory m, long base, long length) {
        for (long a = base; a < base + length; a += 16) {
            if ("_MP_".equals(ascii(m, GuestAddress.of(a), 4))) {
                return GuestAddress.of(a);
            }
        }
        throw new AssertionError("no _MP_ floating pointer in 639K..640K");
    }

    private static int sum(GuestMemory m, GuestAddress at, int len) {
        int s = 0;
        for (int i = 0; i < len; i++) {
            s += m.readU8(at.plus(i));
        }
        return s & 0xff;
    }

    private static String ascii(GuestMemory m, GuestAddress at, int len) {
        byte[] b = new byte[len];
        m.read(at, b, 0, len);
        return new String(b, StandardCharsets.US_ASCII);
    }
}
