package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_vcpu_events}: what is in flight between two instructions: a pending or injected
 * exception, interrupt or NMI, the interrupt shadow (after STI / MOV SS), SMM state. {@code flags}
 * says which of the optional fields are valid (KVM_VCPUEVENT_VALID_*); KVM_GET sets them, KVM_SET
 * reads them.
 *
 * <pre>
 *   0 exception {injected, nr, has_error_code, pending u8; error_code u32}
 *   8 interrupt {injected, nr, soft, shadow u8}     12 nmi {injected, pending, masked, pad u8}
 *  16 sipi_vector u32   20 flags u32   24 smi {smm, pending, smm_inside_nmi, latched_init u8}
 *  28 triple_fault {pending u8}   29 reserved[26]   55 exception_has_payload u8   56 exception_payload u64
 * </pre>
 */
public final class KvmVcpuEvents extends KvmStruct {
    public static final StructLayout EXCEPTION = MemoryLayout.structLayout(
            JAVA_BYTE.withName("injected"),
            JAVA_BYTE.withName("nr"),
            JAVA_BYTE.withName("has_error_code"),
            JAVA_BYTE.withName("pending"),
            JAVA_INT.withName("error_code"));
    public static final StructLayout INTERRUPT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("injected"),
            JAVA_BYTE.withName("nr"),
            JAVA_BYTE.withName("soft"),
            JAVA_BYTE.withName("shadow"));
    public static final StructLayout NMI = MemoryLayout.structLayout(
            JAVA_BYTE.withName("injected"),
            JAVA_BYTE.withName("pending"),
            JAVA_BYTE.withName("masked"),
            JAVA_BYTE.withName("pad"));
    public static final StructLayout SMI = MemoryLayout.structLayout(
            JAVA_BYTE.withName("smm"),
            JAVA_BYTE.withName("pending"),
            JAVA_BYTE.withName("smm_inside_nmi"),
            JAVA_BYTE.withName("latched_init"));
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            EXCEPTION.withName("exception"),
            INTERRUPT.withName("interrupt"),
            NMI.withName("nmi"),
            JAVA_INT.withName("sipi_vector"),
            JAVA_INT.withName("flags"),
            SMI.withName("smi"),
            MemoryLayout.structLayout(JAVA_BYTE.withName("pending")).withName("triple_fault"),
            MemoryLayout.sequenceLayout(26, JAVA_BYTE).withName("reserved"),
            JAVA_BYTE.withName("exception_has_payload"),
            JAVA_LONG.withName("exception_payload")).withName("kvm_vcpu_events");

    public KvmVcpuEvents() {
        super(LAYOUT);
    }
}
