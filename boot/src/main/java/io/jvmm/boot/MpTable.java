package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The Intel MultiProcessor Specification 1.4 tables, so that a guest without ACPI finds all vCPUs,
 * the IOAPIC and the ISA interrupt routing (Linux arch/x86/kernel/mpparse.c reads them; struct names
 * from arch/x86/include/asm/mpspec_def.h). The floating pointer sits at 639K, where Linux scans for
 * it; it points at the configuration table below it in the reserved EBDA area.
 *
 * <pre>
 *  mpf_intel @0x9fc00 (16 bytes)          mpc_table @0x9e000 (44-byte header, then entries)
 *   0 "_MP_"    4 physptr u32 ---------->  0 "PCMP"  4 length u16  6 spec u8 (4)  7 checksum u8
 *   8 length u8 (1 = 16 bytes)             8 oem[8] 16 productid[12] 28 oemptr u32 32 oemsize u16
 *   9 specification u8 (4 = 1.4)          34 oemcount u16 (entries)  36 lapic u32 (0xfee00000)
 *  10 checksum u8 11..15 feature1..5      40 reserved u32
 *                                         entries: N x mpc_cpu (20) | mpc_bus "ISA" (8) |
 *  checksum: all bytes of the structure   mpc_ioapic id N (8) | 24 x mpc_intsrc (8) |
 *  sum to 0 (mod 256)                     2 x mpc_lintsrc (8): ExtINT -> LINT0, NMI -> LINT1
 * </pre>
 */
public final class MpTable {
    private MpTable() {
    }

    public static final byte[] SMP_MAGIC_IDENT = "_MP_".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] MPC_SIGNATURE = "PCMP".getBytes(StandardCharsets.US_ASCII);
    public static final int MPF_SIZE = 16;
    public static final int MPC_HEADER_SIZE = 44;
    public static final int MP_PROCESSOR = 0;
    public static final int MP_BUS = 1;
    public static final int MP_IOAPIC = 2;
    public static final int MP_INTSRC = 3;
    public static final int MP_LINTSRC = 4;
    public static final int MPC_CPU_SIZE = 20;
    public static final int MPC_ENTRY_SIZE = 8;
    public static final int CPU_ENABLED = 1;
    public static final int CPU_BOOTPROCESSOR = 2;
    public static final int MPC_APIC_USABLE = 1;
    public static final int MP_INT = 0;
    public static final int MP_NMI = 1;
    public static final int MP_EXTINT = 3;
    /** Local APIC version 0x14 (integrated xAPIC), IOAPIC version 0x11, as KVM emulates. */
    public static final int APIC_VERSION = 0x14;
    public static final int IOAPIC_VERSION = 0x11;
    public static final int CPU_STEPPING = 0x600;
    public static final int CPU_FEATURE_FPU = 1 << 0;
    public static final int CPU_FEATURE_APIC = 1 << 9;
    public static final int ISA_BUS_ID = 0;
    /** IOAPIC pins 0..23: ISA IRQs 0-15 identity-mapped, and GSIs 16-23 for devices. */
    public static final int IOAPIC_PINS = 24;
    /** 8-bit APIC IDs, and the IOAPIC takes ID N: at most 254 CPUs. */
    public static final int MAX_CPUS = 254;

    /** Bytes of the configuration table for {@code cpus} processors. */
    public static int configTableSize(int cpus) {
        return MPC_HEADER_SIZE + cpus * MPC_CPU_SIZE + MPC_ENTRY_SIZE * (1 + 1 + IOAPIC_PINS + 2);
    }

    /** Writes both structures for {@code cpus} vCPUs with APIC IDs 0..cpus-1. */
    public static void write(GuestMemory memory, int cpus) {
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new BootException("mptable: " + cpus + " CPUs requested; 1 to " + MAX_CPUS + " are supported");
        }
        GuestAddress mpc = BootLayout.MPC_TABLE_START;
        int size = configTableSize(cpus);
        if (mpc.value() + size > BootLayout.EBDA_START.value()) {
            throw new BootException("mptable: table for " + cpus + " CPUs does not fit below the floating pointer");
        }
        ByteBuffer t = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        t.put(MPC_SIGNATURE).putShort((short) size).put((byte) 4).put((byte) 0);
        t.put(ascii("JVMM", 8)).put(ascii("000000000001", 12));
        t.putInt(0).putShort((short) 0).putShort((short) (cpus + 1 + 1 + IOAPIC_PINS + 2));
        t.putInt((int) BootLayout.APIC_START).putInt(0);
        for (int cpu = 0; cpu < cpus; cpu++) {
            t.put((byte) MP_PROCESSOR).put((byte) cpu).put((byte) APIC_VERSION)
                    .put((byte) (CPU_ENABLED | (cpu == 0 ? CPU_BOOTPROCESSOR : 0)))
                    .putInt(CPU_STEPPING).putInt(CPU_FEATURE_APIC | CPU_FEATURE_FPU).putInt(0).putInt(0);
        }
        t.put((byte) MP_BUS).put((byte) ISA_BUS_ID).put(ascii("ISA", 6));
        int ioapicId = cpus;
        t.put((byte) MP_IOAPIC).put((byte) ioapicId).put((byte) IOAPIC_VERSION).put((byte) MPC_APIC_USABLE)
                .putInt((int) BootLayout.IOAPIC_START);
        for (int pin = 0; pin < IOAPIC_PINS; pin++) {
            // irqflag 0: polarity and trigger "conforming to the bus" (edge, active high for ISA).
            t.put((byte) MP_INTSRC).put((byte) MP_INT).putShort((short) 0).put((byte) ISA_BUS_ID)
                    .put((byte) pin).put((byte) ioapicId).put((byte) pin);
        }
        // Local interrupts: the 8259 output (ExtINT) to LINT0 of the BSP, NMI to LINT1 of all (0xff).
        t.put((byte) MP_LINTSRC).put((byte) MP_EXTINT).putShort((short) 0).put((byte) ISA_BUS_ID)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        t.put((byte) MP_LINTSRC).put((byte) MP_NMI).putShort((short) 0).put((byte) ISA_BUS_ID)
                .put((byte) 0).put((byte) 0xff).put((byte) 1);
        byte[] table = t.array();
        table[7] = checksum(table);
        memory.write(mpc, table);

        ByteBuffer f = ByteBuffer.allocate(MPF_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        f.put(SMP_MAGIC_IDENT).putInt((int) mpc.value()).put((byte) 1).put((byte) 4);
        byte[] mpf = f.array();
        mpf[10] = checksum(mpf);
        memory.write(BootLayout.EBDA_START, mpf);
    }

    /** The byte that makes {@code bytes} sum to zero modulo 256 (with its own slot still zero). */
    static byte checksum(byte[] bytes) {
        int sum = 0;
        for (byte b : bytes) {
            sum += b;
        }
        return (byte) -sum;
    }

    private static byte[] ascii(String s, int width) {
        byte[] out = new byte[width];
        byte[] src = s.getBytes(StandardCharsets.US_ASCII);
        java.util.Arrays.fill(out, (byte) ' ');
        System.arraycopy(src, 0, out, 0, Math.min(src.length, width));
        return out;
    }
}
