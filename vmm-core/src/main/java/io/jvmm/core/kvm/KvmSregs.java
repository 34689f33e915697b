package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct kvm_sregs}: segment registers, descriptor tables, control registers, EFER, APIC base
 * and the pending-interrupt bitmap (312 bytes).
 */
public final class KvmSregs extends KvmStruct {
    /** {@code struct kvm_dtable}: base u64, limit u16, padding[3] u16. */
    public static final StructLayout DTABLE = MemoryLayout.structLayout(
            JAVA_LONG.withName("base"),
            JAVA_SHORT.withName("limit"),
            MemoryLayout.sequenceLayout(3, JAVA_SHORT).withName("padding")).withName("kvm_dtable");

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            KvmSegment.LAYOUT.withName("cs"),
            KvmSegment.LAYOUT.withName("ds"),
            KvmSegment.LAYOUT.withName("es"),
            KvmSegment.LAYOUT.withName("fs"),
            KvmSegment.LAYOUT.withName("gs"),
            KvmSegment.LAYOUT.withName("ss"),
            KvmSegment.LAYOUT.withName("tr"),
            KvmSegment.LAYOUT.withName("ldt"),
            DTABLE.withName("gdt"),
            DTABLE.withName("idt"),
            JAVA_LONG.withName("cr0"),
            JAVA_LONG.withName("cr2"),
            JAVA_LONG.withName("cr3"),
            JAVA_LONG.withName("cr4"),
            JAVA_LONG.withName("cr8"),
            JAVA_LONG.withName("efer"),
            JAVA_LONG.withName("apic_base"),
            MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("interrupt_bitmap")).withName("kvm_sregs");

    /** Segment register names in C field order. */
    public enum Seg { cs, ds, es, fs, gs, ss, tr, ldt }

    /** Control registers and MSR-like fields, by C name. */
    public enum Ctl { cr0, cr2, cr3, cr4, cr8, efer, apic_base }

    public KvmSregs() {
        super(LAYOUT);
    }

    public KvmSegment seg(Seg s) {
        return new KvmSegment(segment.asSlice(offsetOf(LAYOUT, s.name()), KvmSegment.LAYOUT.byteSize()));
    }

    public long get(Ctl c) {
        return segment.get(JAVA_LONG, offsetOf(LAYOUT, c.name()));
    }

    public KvmSregs set(Ctl c, long v) {
        segment.set(JAVA_LONG, offsetOf(LAYOUT, c.name()), v);
        return this;
    }

    /** Sets the GDT ("gdt") or IDT ("idt") base and limit. */
    public KvmSregs dtable(String which, long base, int limit) {
        long off = offsetOf(LAYOUT, which);
        segment.asSlice(off, DTABLE.byteSize()).fill((byte) 0);
        segment.set(JAVA_LONG, off, base);
        segment.set(JAVA_SHORT, off + 8, (short) limit);
        return this;
    }

    public long dtableBase(String which) {
        return segment.get(JAVA_LONG, offsetOf(LAYOUT, which));
    }

    public int dtableLimit(String which) {
        return Short.toUnsignedInt(segment.get(JAVA_SHORT, offsetOf(LAYOUT, which) + 8));
    }

    MemorySegment raw() {
        return segment;
    }
}
