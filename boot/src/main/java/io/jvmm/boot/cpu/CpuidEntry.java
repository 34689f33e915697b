package io.jvmm.boot.cpu;

/**
 * One CPUID leaf as KVM exchanges it: the fields of Linux {@code struct kvm_cpuid_entry2}
 * (arch/x86/include/uapi/asm/kvm.h) — function (EAX input), index (ECX input), flags, and the four
 * output registers.
 *
 * <pre>
 * struct kvm_cpuid_entry2 { __u32 function, index, flags, eax, ebx, ecx, edx; __u32 padding[3]; };
 * </pre>
 */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {

    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX (sic, as in the header): the leaf depends on ECX (index). */
    public static final int KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;

    /** True when this entry answers CPUID with EAX = function, ECX = index. */
    public boolean matches(int function, int index) {
        return this.function == function
                && ((flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) == 0 || this.index == index);
    }

    public int register(Reg reg) {
        return switch (reg) {
            case EAX -> eax;
            case EBX -> ebx;
            case ECX -> ecx;
            case EDX -> edx;
        };
    }

    public CpuidEntry withRegister(Reg reg, int value) {
        return switch (reg) {
            case EAX -> new CpuidEntry(function, index, flags, value, ebx, ecx, edx);
            case EBX -> new CpuidEntry(function, index, flags, eax, value, ecx, edx);
            case ECX -> new CpuidEntry(function, index, flags, eax, ebx, value, edx);
            case EDX -> new CpuidEntry(function, index, flags, eax, ebx, ecx, value);
        };
    }

    /** An output register of CPUID. */
    public enum Reg { EAX, EBX, ECX, EDX }

    @Override
    public String toString() {
        return String.format("CPUID[0x%x.%d flags %d] eax=%08x ebx=%08x ecx=%08x edx=%08x",
                function, index, flags, eax, ebx, ecx, edx);
    }
}
