package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct kvm_segment}: a segment register's hidden state (24 bytes).
 *
 * <pre>
 * 0      8      12       14   15      16  17 18 19 20 21  22       23
 * | base | limit | selector | type | present | dpl | db | s | l | g | avl | unusable | padding |
 * </pre>
 */
public final class KvmSegment extends KvmStruct {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("base"),
            JAVA_INT.withName("limit"),
            JAVA_SHORT.withName("selector"),
            JAVA_BYTE.withName("type"),
            JAVA_BYTE.withName("present"),
            JAVA_BYTE.withName("dpl"),
            JAVA_BYTE.withName("db"),
            JAVA_BYTE.withName("s"),
            JAVA_BYTE.withName("l"),
            JAVA_BYTE.withName("g"),
            JAVA_BYTE.withName("avl"),
            JAVA_BYTE.withName("unusable"),
            JAVA_BYTE.withName("padding")).withName("kvm_segment");

    private static final long BASE = offsetOf(LAYOUT, "base");
    private static final long LIMIT = offsetOf(LAYOUT, "limit");
    private static final long SELECTOR = offsetOf(LAYOUT, "selector");
    private static final long TYPE = offsetOf(LAYOUT, "type");

    KvmSegment(MemorySegment segment) {
        super(segment);
    }

    public long base() {
        return segment.get(JAVA_LONG, BASE);
    }

    public int limit() {
        return segment.get(JAVA_INT, LIMIT);
    }

    public int selector() {
        return Short.toUnsignedInt(segment.get(JAVA_SHORT, SELECTOR));
    }

    public int type() {
        return Byte.toUnsignedInt(segment.get(JAVA_BYTE, TYPE));
    }

    /** Sets every field (padding zeroed). Flags are the descriptor bits KVM takes one byte each. */
    public KvmSegment set(long base, int limit, int selector, int type, boolean present, int dpl, boolean db,
                          boolean s, boolean l, boolean g, boolean avl, boolean unusable) {
        segment.fill((byte) 0);
        segment.set(JAVA_LONG, BASE, base);
        segment.set(JAVA_INT, LIMIT, limit);
        segment.set(JAVA_SHORT, SELECTOR, (short) selector);
        segment.set(JAVA_BYTE, TYPE, (byte) type);
        segment.set(JAVA_BYTE, TYPE + 1, flag(present));
        segment.set(JAVA_BYTE, TYPE + 2, (byte) dpl);
        segment.set(JAVA_BYTE, TYPE + 3, flag(db));
        segment.set(JAVA_BYTE, TYPE + 4, flag(s));
        segment.set(JAVA_BYTE, TYPE + 5, flag(l));
        segment.set(JAVA_BYTE, TYPE + 6, flag(g));
        segment.set(JAVA_BYTE, TYPE + 7, flag(avl));
        segment.set(JAVA_BYTE, TYPE + 8, flag(unusable));
        return this;
    }

    /** Real-mode segment: base = selector × 16, 64 KiB limit, as after reset. */
    public KvmSegment setRealMode(int selector, boolean code) {
        return set((long) selector << 4, 0xffff, selector, code ? 0xb : 0x3, true, 0, false, true, false, false, false, false);
    }

    private static byte flag(boolean b) {
        return (byte) (b ? 1 : 0);
    }
}
