package io.jvmm.core.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct kvm_cpuid2}: header (nent, padding) followed by {@code nent} ×
 * {@code struct kvm_cpuid_entry2} (function, index, flags, eax, ebx, ecx, edx, padding[3]).
 */
public final class KvmCpuid2 extends KvmStruct {
    public static final StructLayout HEADER = MemoryLayout.structLayout(
            JAVA_INT.withName("nent"),
            JAVA_INT.withName("padding")).withName("kvm_cpuid2");
    public static final StructLayout ENTRY = MemoryLayout.structLayout(
            JAVA_INT.withName("function"),
            JAVA_INT.withName("index"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("eax"),
            JAVA_INT.withName("ebx"),
            JAVA_INT.withName("ecx"),
            JAVA_INT.withName("edx"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("padding")).withName("kvm_cpuid_entry2");

    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the entry depends on ECX (the index). */
    public static final int KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;
    /** Enough for every leaf KVM reports on current CPUs (QEMU and Firecracker use 80-256). */
    public static final int MAX_ENTRIES = 256;

    /** One CPUID leaf/subleaf as KVM passes it. */
    public record Entry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    }

    private static final long NENT = offsetOf(HEADER, "nent");
    private static final long FUNCTION = offsetOf(ENTRY, "function");
    private static final long INDEX = offsetOf(ENTRY, "index");
    private static final long FLAGS = offsetOf(ENTRY, "flags");
    private static final long EAX = offsetOf(ENTRY, "eax");
    private static final long EBX = offsetOf(ENTRY, "ebx");
    private static final long ECX = offsetOf(ENTRY, "ecx");
    private static final long EDX = offsetOf(ENTRY, "edx");

    private final int capacity;

    public KvmCpuid2(int capacity) {
        super(Arena.ofAuto().allocate(HEADER.byteSize() + capacity * ENTRY.byteSize(), ENTRY.byteAlignment()));
        this.capacity = capacity;
        segment.set(JAVA_INT, NENT, capacity);
    }

    /** A struct holding exactly {@code entries}. */
    public static KvmCpuid2 of(List<Entry> entries) {
        KvmCpuid2 c = new KvmCpuid2(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            long off = c.entry(i);
            c.segment.set(JAVA_INT, off + FUNCTION, e.function());
            c.segment.set(JAVA_INT, off + INDEX, e.index());
            c.segment.set(JAVA_INT, off + FLAGS, e.flags());
            c.segment.set(JAVA_INT, off + EAX, e.eax());
            c.segment.set(JAVA_INT, off + EBX, e.ebx());
            c.segment.set(JAVA_INT, off + ECX, e.ecx());
            c.segment.set(JAVA_INT, off + EDX, e.edx());
            // padding[3] stays zero: the arena zero-fills
        }
        return c;
    }

    public int nent() {
        return segment.get(JAVA_INT, NENT);
    }

    /** The entries KVM filled in (nent of them). */
    public List<Entry> entries() {
        int n = Math.min(nent(), capacity);
        List<Entry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long off = entry(i);
            out.add(new Entry(segment.get(JAVA_INT, off + FUNCTION), segment.get(JAVA_INT, off + INDEX),
                    segment.get(JAVA_INT, off + FLAGS), segment.get(JAVA_INT, off + EAX), segment.get(JAVA_INT, off + EBX),
                    segment.get(JAVA_INT, off + ECX), segment.get(JAVA_INT, off + EDX)));
        }
        return out;
    }

    private long entry(int i) {
        return HEADER.byteSize() + i * ENTRY.byteSize();
    }
}
