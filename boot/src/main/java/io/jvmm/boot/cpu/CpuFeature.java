package io.jvmm.boot.cpu;

import io.jvmm.boot.BootException;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import static io.jvmm.boot.cpu.CpuidEntry.Reg.EBX;
import static io.jvmm.boot.cpu.CpuidEntry.Reg.ECX;
import static io.jvmm.boot.cpu.CpuidEntry.Reg.EDX;

/**
 * CPU features that {@code --cpu-clear} can hide from the guest, named as in /proc/cpuinfo (Linux
 * arch/x86/include/asm/cpufeatures.h), with their CPUID leaf, subleaf, register and bit (Intel SDM
 * vol. 2A, CPUID; AMD APM vol. 3, appendix E). Clearing a feature also clears those that need it, as
 * the kernel's arch/x86/kernel/cpu/cpuid-deps.c does (no AVX without XSAVE).
 */
public enum CpuFeature {
    // CPUID.1:ECX
    PCLMULQDQ(0x1, 0, ECX, 1), SSSE3(0x1, 0, ECX, 9), FMA(0x1, 0, ECX, 12), CX16(0x1, 0, ECX, 13),
    PCID(0x1, 0, ECX, 17), SSE4_1(0x1, 0, ECX, 19), SSE4_2(0x1, 0, ECX, 20), X2APIC(0x1, 0, ECX, 21),
    MOVBE(0x1, 0, ECX, 22), POPCNT(0x1, 0, ECX, 23), TSC_DEADLINE_TIMER(0x1, 0, ECX, 24), AES(0x1, 0, ECX, 25),
    XSAVE(0x1, 0, ECX, 26), OSXSAVE(0x1, 0, ECX, 27), AVX(0x1, 0, ECX, 28), F16C(0x1, 0, ECX, 29),
    RDRAND(0x1, 0, ECX, 30),
    // CPUID.1:EDX
    MTRR(0x1, 0, EDX, 12), PGE(0x1, 0, EDX, 13), CLFLUSH(0x1, 0, EDX, 19),
    // CPUID.(7,0):EBX
    FSGSBASE(0x7, 0, EBX, 0), BMI1(0x7, 0, EBX, 3), HLE(0x7, 0, EBX, 4), AVX2(0x7, 0, EBX, 5),
    SMEP(0x7, 0, EBX, 7), BMI2(0x7, 0, EBX, 8), ERMS(0x7, 0, EBX, 9), INVPCID(0x7, 0, EBX, 10),
    RTM(0x7, 0, EBX, 11), AVX512F(0x7, 0, EBX, 16), RDSEED(0x7, 0, EBX, 18), ADX(0x7, 0, EBX, 19),
    SMAP(0x7, 0, EBX, 20), CLFLUSHOPT(0x7, 0, EBX, 23), CLWB(0x7, 0, EBX, 24), SHA_NI(0x7, 0, EBX, 29),
    // CPUID.(7,0):ECX
    UMIP(0x7, 0, ECX, 2), PKU(0x7, 0, ECX, 3), OSPKE(0x7, 0, ECX, 4), VAES(0x7, 0, ECX, 9),
    LA57(0x7, 0, ECX, 16), RDPID(0x7, 0, ECX, 22),
    // CPUID.(0xD,1):EAX
    XSAVEOPT(0xd, 1, CpuidEntry.Reg.EAX, 0), XSAVEC(0xd, 1, CpuidEntry.Reg.EAX, 1),
    XSAVES(0xd, 1, CpuidEntry.Reg.EAX, 3),
    // CPUID.0x80000001:ECX / EDX
    LAHF_LM(0x8000_0001, 0, ECX, 0), ABM(0x8000_0001, 0, ECX, 5), SSE4A(0x8000_0001, 0, ECX, 6),
    PDPE1GB(0x8000_0001, 0, EDX, 26), RDTSCP(0x8000_0001, 0, EDX, 27),
    // CPUID.0x80000008:EBX bit 2, "XSAVEERPTR" (AMD: FXSAVE/XSAVE always save the x87 error pointers)
    XSAVEERPTR(0x8000_0008, 0, EBX, 2),
    // CPUID.0x40000001:EAX, KVM paravirtual features (arch/x86/include/uapi/asm/kvm_para.h KVM_FEATURE_*)
    KVM_PV_UNHALT(0x4000_0001, 0, CpuidEntry.Reg.EAX, 7), KVM_PV_TLB_FLUSH(0x4000_0001, 0, CpuidEntry.Reg.EAX, 9),
    KVM_PV_SEND_IPI(0x4000_0001, 0, CpuidEntry.Reg.EAX, 11), KVM_PV_SCHED_YIELD(0x4000_0001, 0, CpuidEntry.Reg.EAX, 13);

    /** Name as in /proc/cpuinfo and --cpu-clear. */
    public final String cpuinfoName;
    public final int function;
    public final int index;
    public final CpuidEntry.Reg reg;
    public final int bit;

    CpuFeature(int function, int index, CpuidEntry.Reg reg, int bit) {
        this.cpuinfoName = name().toLowerCase(Locale.ROOT);
        this.function = function;
        this.index = index;
        this.reg = reg;
        this.bit = bit;
    }

    /** Features that cannot work without this one (cleared together with it). */
    public Set<CpuFeature> dependents() {
        return switch (this) {
            case XSAVE -> EnumSet.of(OSXSAVE, AVX, AVX2, FMA, F16C, AVX512F, VAES, XSAVEOPT, XSAVEC, XSAVES, PKU, OSPKE);
            case AVX -> EnumSet.of(AVX2, FMA, F16C, AVX512F, VAES);
            case PKU -> EnumSet.of(OSPKE);
            case PCID -> EnumSet.of(INVPCID);
            default -> EnumSet.noneOf(CpuFeature.class);
        };
    }

    /** The feature called {@code name} (case-insensitive); an unknown name lists the valid ones. */
    public static CpuFeature byName(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        for (CpuFeature f : values()) {
            if (f.cpuinfoName.equals(wanted)) {
                return f;
            }
        }
        throw new BootException("unknown CPU feature '" + name + "'; valid names: " + validNames());
    }

    /** Parses a comma-separated list such as {@code cx16,avx}; blank entries are ignored. */
    public static Set<CpuFeature> parseList(String list) {
        Set<CpuFeature> out = EnumSet.noneOf(CpuFeature.class);
        for (String name : list.split(",")) {
            if (!name.isBlank()) {
                out.add(byName(name));
            }
        }
        return out;
    }

    /** The given features plus everything that depends on them. */
    public static Set<CpuFeature> withDependents(Set<CpuFeature> features) {
        Set<CpuFeature> out = features.isEmpty() ? EnumSet.noneOf(CpuFeature.class) : EnumSet.copyOf(features);
        for (CpuFeature f : features) {
            out.addAll(f.dependents());
        }
        return out;
    }

    public static String validNames() {
        return Arrays.stream(values()).map(f -> f.cpuinfoName).collect(Collectors.joining(","));
    }
}
