package io.jvmm.core.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_regs} (arch/x86/include/uapi/asm/kvm.h): the general-purpose registers, 18 × u64.
 */
public final class KvmRegs extends KvmStruct {
    /** Register names in C field order. */
    public enum Reg { rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags }

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            java.util.Arrays.stream(Reg.values()).map(r -> JAVA_LONG.withName(r.name()))
                    .toArray(MemoryLayout[]::new)).withName("kvm_regs");

    /** RFLAGS bit 1 is reserved and always 1. */
    public static final long RFLAGS_RESERVED = 0x2;

    public KvmRegs() {
        super(LAYOUT);
    }

    KvmRegs(MemorySegment segment) {
        super(segment);
    }

    public long get(Reg r) {
        return segment.get(JAVA_LONG, r.ordinal() * 8L);
    }

    public KvmRegs set(Reg r, long value) {
        segment.set(JAVA_LONG, r.ordinal() * 8L, value);
        return this;
    }

    public long rip() {
        return get(Reg.rip);
    }

    public KvmRegs rip(long v) {
        return set(Reg.rip, v);
    }

    public long rflags() {
        return get(Reg.rflags);
    }

    public KvmRegs rflags(long v) {
        return set(Reg.rflags, v);
    }

    public long rsp() {
        return get(Reg.rsp);
    }

    public KvmRegs rsp(long v) {
        return set(Reg.rsp, v);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Reg r : Reg.values()) {
            sb.append(sb.isEmpty() ? "" : " ").append(r).append("=0x").append(Long.toHexString(get(r)));
        }
        return sb.toString();
    }
}
