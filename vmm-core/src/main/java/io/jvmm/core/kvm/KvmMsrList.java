package io.jvmm.core.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** {@code struct kvm_msr_list}: nmsrs, then {@code nmsrs} × u32 MSR indices. */
public final class KvmMsrList extends KvmStruct {
    public static final StructLayout HEADER = MemoryLayout.structLayout(
            JAVA_INT.withName("nmsrs")).withName("kvm_msr_list");
    /** Room enough: KVM lists ~40 on current hosts (Firecracker and QEMU allow 256 or more). */
    public static final int MAX_MSRS = 1024;

    private final int capacity;

    public KvmMsrList(int capacity) {
        super(Arena.ofAuto().allocate(HEADER.byteSize() + 4L * capacity, 4));
        this.capacity = capacity;
        segment.set(JAVA_INT, 0, capacity);
    }

    /** The indices KVM filled in. */
    public int[] indices() {
        int n = Math.min(segment.get(JAVA_INT, 0), capacity);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = segment.get(JAVA_INT, HEADER.byteSize() + 4L * i);
        }
        return out;
    }
}
