package io.jvmm.boot.acpi;

import java.io.ByteArrayOutputStream;

/**
 * Resource descriptors (ACPI 6.5 §6.4, "Resource Data Types for ACPI") and the {@code ResourceTemplate ()}
 * buffer that holds them, as a {@code _CRS} returns it. Small descriptors start with one byte
 * (type << 3 | length); large ones with 0x80 | type and a 16-bit length of what follows.
 *
 * <pre>
 *   IO (Decode16, min, max, align, len)     0x47 info(bit0: 16-bit decode) min u16 max u16 align u8 len u8
 *   IRQNoFlags () { irqs }                  0x22 mask u16 (bit n: ISA IRQ n; edge, active high, exclusive)
 *   Memory32Fixed (ReadWrite, base, len)    0x86 len=9 u16  info(bit0: read-write) base u32 len u32
 *   Interrupt (ResourceConsumer, Edge,      0x89 len u16  flags(bit0 consumer, bit1 edge, bit2 active low,
 *              ActiveHigh, Exclusive) {gsi}      bit3 shared, bit4 wake)  count u8  gsi u32 ...
 *   end tag                                 0x79 checksum u8 (0: "treated as correct", what iasl writes)
 * </pre>
 */
public final class ResourceTemplate {
    private ResourceTemplate() {
    }

    public static final int IO_DESCRIPTOR = 0x47;
    public static final int IRQ_NO_FLAGS_DESCRIPTOR = 0x22;
    public static final int END_TAG = 0x79;
    public static final int MEMORY32_FIXED_DESCRIPTOR = 0x86;
    public static final int EXTENDED_INTERRUPT_DESCRIPTOR = 0x89;
    public static final int IO_DECODE_16 = 0x01;
    public static final int MEMORY_READ_WRITE = 0x01;
    public static final int INT_CONSUMER = 0x01;
    public static final int INT_EDGE = 0x02;
    public static final int INT_ACTIVE_LOW = 0x04;
    public static final int INT_SHARED = 0x08;

    /** {@code ResourceTemplate () { descriptors }}: an AML Buffer with the end tag appended. */
    public static byte[] of(byte[]... descriptors) {
        return Aml.buffer(Aml.concat(Aml.concat(descriptors), new byte[] {END_TAG, 0}));
    }

    /** {@code IO (Decode16, min, max, alignment, length)}. */
    public static byte[] io(int min, int max, int alignment, int length) {
        checkRange("IO min", min, 0xffff);
        checkRange("IO max", max, 0xffff);
        checkRange("IO alignment", alignment, 0xff);
        checkRange("IO length", length, 0xff);
        return new byte[] {IO_DESCRIPTOR, IO_DECODE_16, (byte) min, (byte) (min >>> 8), (byte) max, (byte) (max >>> 8),
                (byte) alignment, (byte) length};
    }

    /** {@code IRQNoFlags () { irqs }}: ISA IRQs 0-15. */
    public static byte[] irqNoFlags(int... irqs) {
        int mask = 0;
        for (int irq : irqs) {
            checkRange("IRQ", irq, 15);
            mask |= 1 << irq;
        }
        return new byte[] {IRQ_NO_FLAGS_DESCRIPTOR, (byte) mask, (byte) (mask >>> 8)};
    }

    /** {@code Memory32Fixed (ReadWrite or ReadOnly, base, length)}. */
    public static byte[] memory32Fixed(boolean readWrite, long base, long length) {
        checkRange("Memory32Fixed base", base, 0xffff_ffffL);
        checkRange("Memory32Fixed length", length, 0xffff_ffffL);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(MEMORY32_FIXED_DESCRIPTOR);
        u16(out, 9);
        out.write(readWrite ? MEMORY_READ_WRITE : 0);
        u32(out, base);
        u32(out, length);
        return out.toByteArray();
    }

    /**
     * {@code Interrupt (ResourceConsumer, Edge|Level, ActiveHigh|ActiveLow, Exclusive|Shared) { gsis }}: the
     * extended interrupt descriptor, which names GSIs (any number, not only ISA IRQs).
     */
    public static byte[] interrupt(boolean edge, boolean activeLow, boolean shared, long... gsis) {
        if (gsis.length < 1 || gsis.length > 255) {
            throw new IllegalArgumentException("Interrupt: " + gsis.length + " interrupts; 1 to 255 fit a descriptor");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(EXTENDED_INTERRUPT_DESCRIPTOR);
        u16(out, 2 + 4 * gsis.length);
        out.write(INT_CONSUMER | (edge ? INT_EDGE : 0) | (activeLow ? INT_ACTIVE_LOW : 0) | (shared ? INT_SHARED : 0));
        out.write(gsis.length);
        for (long gsi : gsis) {
            checkRange("Interrupt number", gsi, 0xffff_ffffL);
            u32(out, gsi);
        }
        return out.toByteArray();
    }

    private static void checkRange(String what, long v, long max) {
        if (v < 0 || v > max) {
            throw new IllegalArgumentException(what + " 0x" + Long.toHexString(v) + " is outside 0..0x" + Long.toHexString(max));
        }
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
    }

    private static void u32(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }
}
