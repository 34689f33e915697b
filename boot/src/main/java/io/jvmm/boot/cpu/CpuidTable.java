package io.jvmm.boot.cpu;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import static io.jvmm.boot.cpu.CpuidEntry.KVM_CPUID_FLAG_SIGNIFCANT_INDEX;

/**
 * Builds one vCPU's CPUID table (for KVM_SET_CPUID2) from what the host supports
 * (KVM_GET_SUPPORTED_CPUID). A pure function: same input, same table. What it changes, and why:
 *
 * <pre>
 *  leaf 0x1        EBX[31:24] initial APIC ID = vCPU index; EBX[23:16] logical CPUs = N;
 *                  EDX[28] HTT set when N > 1; ECX[31] hypervisor set (the guest is a VM)
 *  leaf 0x4        EAX[31:26] cores per package - 1; EAX[25:14] threads sharing the cache - 1
 *                  (0 for L1/L2: one thread per core; N-1 for L3: one shared last-level cache)
 *  leaf 0xB, 0x1F  x2APIC topology: subleaf 0 SMT (1 thread), 1 core (N cores), 2 invalid;
 *                  EDX = x2APIC ID = vCPU index
 *  0x40000000      KVM_CPUID_SIGNATURE "KVMKVMKVM\0\0\0", EAX = highest KVM leaf
 *  0x40000001      KVM_CPUID_FEATURES as the host supports them
 *  0x80000008      (AMD) ECX[7:0] NC = N - 1, ECX[15:12] ApicIdCoreIdSize
 *  0x8000001E      (AMD) EAX extended APIC ID, EBX[7:0] core ID, EBX[15:8] threads per core - 1 = 0
 *  cleared         the requested features and those that depend on them
 * </pre>
 */
public final class CpuidTable {
    private CpuidTable() {
    }

    public static final int KVM_CPUID_SIGNATURE = 0x4000_0000;
    public static final int KVM_CPUID_FEATURES = 0x4000_0001;
    /** "KVMKVMKVM\0\0\0" in EBX, ECX, EDX. */
    public static final int KVM_SIGNATURE_EBX = 0x4b4d_564b;
    public static final int KVM_SIGNATURE_ECX = 0x564b_4d56;
    public static final int KVM_SIGNATURE_EDX = 0x0000_004d;
    public static final int CPUID_1_ECX_HYPERVISOR = 1 << 31;
    public static final int CPUID_1_EDX_HTT = 1 << 28;
    /** Leaf 0xB/0x1F level types (ECX[15:8]). */
    public static final int LEVEL_TYPE_INVALID = 0;
    public static final int LEVEL_TYPE_SMT = 1;
    public static final int LEVEL_TYPE_CORE = 2;
    /** "AuthenticAMD" and "HygonGenuine" start with these EBX values in leaf 0. */
    static final int VENDOR_AMD_EBX = 0x6874_7541;
    static final int VENDOR_HYGON_EBX = 0x6f67_7948;

    /**
     * The table for vCPU {@code vcpu} (0-based, also its APIC ID) of {@code vcpuCount}, with the
     * features in {@code clear} (and their dependents) hidden.
     */
    public static List<CpuidEntry> forVcpu(List<CpuidEntry> supported, int vcpu, int vcpuCount, Set<CpuFeature> clear) {
        if (vcpuCount < 1 || vcpuCount > 255 || vcpu < 0 || vcpu >= vcpuCount) {
            throw new IllegalArgumentException("vCPU " + vcpu + " of " + vcpuCount);
        }
        int maxBasic = find(supported, 0, 0) == null ? 0 : find(supported, 0, 0).eax();
        boolean amd = find(supported, 0, 0) != null
                && (find(supported, 0, 0).ebx() == VENDOR_AMD_EBX || find(supported, 0, 0).ebx() == VENDOR_HYGON_EBX);
        boolean has1F = find(supported, 0x1f, 0) != null;
        int apicIdBits = vcpuCount <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(vcpuCount - 1);
        int highestKvmLeaf = KVM_CPUID_FEATURES;
        List<CpuidEntry> out = new ArrayList<>();
        for (CpuidEntry e : supported) {
            int fn = e.function();
            if (fn == 0xb || fn == 0x1f || fn == KVM_CPUID_SIGNATURE) {
                continue; // rebuilt below
            }
            if ((fn & 0xffff_ff00) == KVM_CPUID_SIGNATURE) {
                highestKvmLeaf = Math.max(highestKvmLeaf, fn);
            }
            out.add(shape(e, vcpu, vcpuCount, apicIdBits, amd));
        }
        if (maxBasic >= 0xb) {
            addTopology(out, 0xb, vcpu, vcpuCount, apicIdBits);
        }
        if (maxBasic >= 0x1f && has1F) {
            addTopology(out, 0x1f, vcpu, vcpuCount, apicIdBits);
        }
        out.add(new CpuidEntry(KVM_CPUID_SIGNATURE, 0, 0, highestKvmLeaf,
                KVM_SIGNATURE_EBX, KVM_SIGNATURE_ECX, KVM_SIGNATURE_EDX));
        if (find(out, KVM_CPUID_FEATURES, 0) == null) {
            out.add(new CpuidEntry(KVM_CPUID_FEATURES, 0, 0, 0, 0, 0, 0));
        }
        for (CpuFeature f : CpuFeature.withDependents(clear)) {
            for (int i = 0; i < out.size(); i++) {
                CpuidEntry e = out.get(i);
                if (e.matches(f.function, f.index) && (f.index == 0 || e.index() == f.index)) {
                    out.set(i, e.withRegister(f.reg, e.register(f.reg) & ~(1 << f.bit)));
                }
            }
        }
        out.sort(Comparator.comparingLong((CpuidEntry e) -> Integer.toUnsignedLong(e.function()))
                .thenComparingInt(CpuidEntry::index));
        return List.copyOf(out);
    }

    /** The entry answering CPUID (function, index), or null. */
    public static CpuidEntry find(List<CpuidEntry> table, int function, int index) {
        for (CpuidEntry e : table) {
            if (e.matches(function, index)) {
                return e;
            }
        }
        return null;
    }

    private static CpuidEntry shape(CpuidEntry e, int vcpu, int count, int apicIdBits, boolean amd) {
        switch (e.function()) {
            case 0x1 -> {
                int ebx = (e.ebx() & 0x0000_ffff) | (vcpu << 24) | (count << 16);
                int edx = count > 1 ? e.edx() | CPUID_1_EDX_HTT : e.edx() & ~CPUID_1_EDX_HTT;
                return new CpuidEntry(e.function(), e.index(), e.flags(), e.eax(), ebx,
                        e.ecx() | CPUID_1_ECX_HYPERVISOR, edx);
            }
            case 0x4 -> {
                if ((e.eax() & 0x1f) == 0) {
                    return e; // cache type 0: no more caches
                }
                int level = (e.eax() >>> 5) & 0x7;
                int sharing = level >= 3 ? count - 1 : 0;
                int eax = (e.eax() & 0x3fff) | (Math.min(count - 1, 63) << 26) | ((sharing & 0xfff) << 14);
                return e.withRegister(CpuidEntry.Reg.EAX, eax);
            }
            case 0x8000_0008 -> {
                if (!amd) {
                    return e;
                }
                int ecx = (e.ecx() & ~0xf0ff) | ((count - 1) & 0xff) | (apicIdBits << 12);
                return e.withRegister(CpuidEntry.Reg.ECX, ecx);
            }
            case 0x8000_001e -> {
                if (!amd) {
                    return e;
                }
                int ebx = (e.ebx() & ~0xffff) | (vcpu & 0xff);
                return new CpuidEntry(e.function(), e.index(), e.flags(), vcpu, ebx, e.ecx() & ~0xff, e.edx());
            }
            default -> {
                return e;
            }
        }
    }

    private static void addTopology(List<CpuidEntry> out, int leaf, int vcpu, int count, int apicIdBits) {
        int f = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
        out.add(new CpuidEntry(leaf, 0, f, 0, 1, (LEVEL_TYPE_SMT << 8), vcpu));
        out.add(new CpuidEntry(leaf, 1, f, apicIdBits, count, (LEVEL_TYPE_CORE << 8) | 1, vcpu));
        out.add(new CpuidEntry(leaf, 2, f, 0, 0, (LEVEL_TYPE_INVALID << 8) | 2, vcpu));
    }
}
