package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/** {@code struct kvm_fpu}: x87 and SSE state in FXSAVE order (416 bytes). */
public final class KvmFpu extends KvmStruct {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(8, MemoryLayout.sequenceLayout(16, JAVA_BYTE)).withName("fpr"),
            JAVA_SHORT.withName("fcw"),
            JAVA_SHORT.withName("fsw"),
            JAVA_BYTE.withName("ftwx"),
            JAVA_BYTE.withName("pad1"),
            JAVA_SHORT.withName("last_opcode"),
            JAVA_LONG.withName("last_ip"),
            JAVA_LONG.withName("last_dp"),
            MemoryLayout.sequenceLayout(16, MemoryLayout.sequenceLayout(16, JAVA_BYTE)).withName("xmm"),
            JAVA_INT.withName("mxcsr"),
            JAVA_INT.withName("pad2")).withName("kvm_fpu");

    private static final long FCW = offsetOf(LAYOUT, "fcw");
    private static final long MXCSR = offsetOf(LAYOUT, "mxcsr");

    /** x87 control word after FNINIT (all exceptions masked, 64-bit precision). */
    public static final int FCW_DEFAULT = 0x37f;
    /** MXCSR after reset: all SSE exceptions masked. */
    public static final int MXCSR_DEFAULT = 0x1f80;

    public KvmFpu() {
        super(LAYOUT);
    }

    public int fcw() {
        return Short.toUnsignedInt(segment.get(JAVA_SHORT, FCW));
    }

    public KvmFpu fcw(int v) {
        segment.set(JAVA_SHORT, FCW, (short) v);
        return this;
    }

    public int mxcsr() {
        return segment.get(JAVA_INT, MXCSR);
    }

    public KvmFpu mxcsr(int v) {
        segment.set(JAVA_INT, MXCSR, v);
        return this;
    }
}
