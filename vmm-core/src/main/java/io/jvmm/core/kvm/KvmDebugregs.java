package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** {@code struct kvm_debugregs}: DR0-DR3, DR6, DR7 (Intel SDM vol. 3, 18.2). */
public final class KvmDebugregs extends KvmStruct {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("db"),
            JAVA_LONG.withName("dr6"),
            JAVA_LONG.withName("dr7"),
            JAVA_LONG.withName("flags"),
            MemoryLayout.sequenceLayout(9, JAVA_LONG).withName("reserved")).withName("kvm_debugregs");

    public KvmDebugregs() {
        super(LAYOUT);
    }
}
