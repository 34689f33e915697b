package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** {@code struct kvm_mp_state}: whether the vCPU runs, halts or waits for INIT/SIPI (KVM_MP_STATE_*). */
public final class KvmMpState extends KvmStruct {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("mp_state")).withName("kvm_mp_state");

    public static final int KVM_MP_STATE_RUNNABLE = 0;
    public static final int KVM_MP_STATE_UNINITIALIZED = 1;
    public static final int KVM_MP_STATE_INIT_RECEIVED = 2;
    public static final int KVM_MP_STATE_HALTED = 3;
    public static final int KVM_MP_STATE_SIPI_RECEIVED = 4;

    public KvmMpState() {
        super(LAYOUT);
    }

    public int mpState() {
        return segment.get(JAVA_INT, 0);
    }
}
