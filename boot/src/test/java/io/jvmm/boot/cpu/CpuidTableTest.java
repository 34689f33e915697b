package io.jvmm.boot.cpu;

import io.jvmm.boot.BootException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static io.jvmm.boot.cpu.CpuidEntry.KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
import static io.jvmm.boot.cpu.CpuidTable.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuidTableTest {
    static final int AMD_EBX = 0x6874_7541;
    static final int INTEL_EBX = 0x756e_6547;

    /** A plausible KVM_GET_SUPPORTED_CPUID answer (values shaped like an AMD Zen host's). */
    static List<CpuidEntry> supported(int vendorEbx, int maxBasic) {
        List<CpuidEntry> l = new ArrayList<>();
        l.add(new CpuidEntry(0, 0, 0, maxBasic, vendorEbx, 0x444d_4163, 0x6974_6e65));
        // leaf 1: CLFLUSH size 8 in EBX[15:8], host APIC ID 7 in EBX[31:24] (must be replaced)
        l.add(new CpuidEntry(1, 0, 0, 0x00a5_0f00, 0x0708_0800, 0x7ef8_3203 | (1 << 13) | (1 << 26) | (1 << 28) | (1 << 23),
                0x178b_fbff));
        l.add(new CpuidEntry(4, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0x0000_0121, 0x01c0_003f, 0x3f, 0));
        l.add(new CpuidEntry(4, 3, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0x0000_0163, 0x03c0_003f, 0x3fff, 0));
        l.add(new CpuidEntry(7, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 1, 0x219c_97a9, 0x0040_069c, 0));
        l.add(new CpuidEntry(7, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0, 0, 0, 0));
        l.add(new CpuidEntry(0xb, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 1, 2, 0x100, 7));
        l.add(new CpuidEntry(0xd, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0xf, 0, 0, 0));
        l.add(new CpuidEntry(0x4000_0000, 0, 0, 0x4000_0001, 0x4b4d_564b, 0x564b_4d56, 0x4d));
        l.add(new CpuidEntry(0x4000_0001, 0, 0, 0x0100_7afb, 0, 0, 0));
        l.add(new CpuidEntry(0x8000_0000, 0, 0, 0x8000_0021, vendorEbx, 0, 0));
        l.add(new CpuidEntry(0x8000_0008, 0, 0, 0x3030, 0x0100_d205, 0x0000_7007, 0));
        l.add(new CpuidEntry(0x8000_001e, 0, 0, 7, 0x0100_0103, 0x0000_0000, 0));
        return l;
    }

    @Test
    void perVcpuApicIdsAndTopology() {
        List<CpuidEntry> host = supported(AMD_EBX, 0x10);
        for (int vcpu = 0; vcpu < 4; vcpu++) {
            List<CpuidEntry> t = CpuidTable.forVcpu(host, vcpu, 4, Set.of());
            CpuidEntry l1 = find(t, 1, 0);
            assertEquals(vcpu, l1.ebx() >>> 24, "initial APIC ID");
            assertEquals(4, (l1.ebx() >>> 16) & 0xff, "logical processors");
            assertEquals(0x08, (l1.ebx() >>> 8) & 0xff, "CLFLUSH line size kept");
            assertTrue((l1.edx() & CpuidTable.CPUID_1_EDX_HTT) != 0);
            assertTrue((l1.ecx() & CpuidTable.CPUID_1_ECX_HYPERVISOR) != 0);

            CpuidEntry smt = find(t, 0xb, 0);
            CpuidEntry core = find(t, 0xb, 1);
            CpuidEntry end = find(t, 0xb, 2);
            assertEquals(vcpu, smt.edx());
            assertEquals(vcpu, core.edx());
            assertEquals(1, smt.ebx(), "one thread per core");
            assertEquals(0, smt.eax(), "no SMT bits in the APIC ID");
            assertEquals(CpuidTable.LEVEL_TYPE_SMT, (smt.ecx() >>> 8) & 0xff);
            assertEquals(4, core.ebx(), "N cores");
            assertEquals(2, core.eax(), "2 bits of APIC ID for 4 cores");
            assertEquals(CpuidTable.LEVEL_TYPE_CORE, (core.ecx() >>> 8) & 0xff);
            assertEquals(0, (end.ecx() >>> 8) & 0xff, "level 2 invalid ends the enumeration");

            CpuidEntry l4 = find(t, 4, 0);
            assertEquals(3, l4.eax() >>> 26, "cores per package - 1");
            assertEquals(0, (l4.eax() >>> 14) & 0xfff, "L1 not shared");
            assertEquals(3, (find(t, 4, 3).eax() >>> 14) & 0xfff, "L3 shared by all");

            CpuidEntry amdSize = find(t, 0x8000_0008, 0);
            assertEquals(3, amdSize.ecx() & 0xff, "NC");
            assertEquals(2, (amdSize.ecx() >>> 12) & 0xf, "ApicIdCoreIdSize");
            assertEquals(vcpu, find(t, 0x8000_001e, 0).eax(), "extended APIC ID");
        }
    }

    @Test
    void singleVcpuHasNoHtt() {
        CpuidEntry l1 = find(CpuidTable.forVcpu(supported(INTEL_EBX, 0x1f), 0, 1, Set.of()), 1, 0);
        assertEquals(0, l1.edx() & CpuidTable.CPUID_1_EDX_HTT);
        assertEquals(1, (l1.ebx() >>> 16) & 0xff);
        assertEquals(0, l1.ebx() >>> 24);
    }

    @Test
    void intelDoesNotGetAmdTopologyLeavesChanged() {
        List<CpuidEntry> host = supported(INTEL_EBX, 0x1f);
        List<CpuidEntry> t = CpuidTable.forVcpu(host, 1, 2, Set.of());
        assertEquals(find(host, 0x8000_0008, 0), find(t, 0x8000_0008, 0));
        assertNull(find(t, 0x1f, 0), "no 0x1F subleaves when the host has no leaf 0x1F");
    }

    @Test
    void kvmParavirtLeaves() {
        List<CpuidEntry> host = new ArrayList<>(supported(AMD_EBX, 0x10));
        host.removeIf(e -> e.function() == 0x4000_0000);
        List<CpuidEntry> t = CpuidTable.forVcpu(host, 0, 1, Set.of());
        CpuidEntry sig = find(t, 0x4000_0000, 0);
        assertEquals(0x4000_0001, sig.eax());
        byte[] s = new byte[12];
        for (int i = 0; i < 4; i++) {
            s[i] = (byte) (sig.ebx() >>> (8 * i));
            s[4 + i] = (byte) (sig.ecx() >>> (8 * i));
            s[8 + i] = (byte) (sig.edx() >>> (8 * i));
        }
        assertEquals("KVMKVMKVM\0\0\0", new String(s, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0x0100_7afb, find(t, 0x4000_0001, 0).eax(), "KVM features as supported");
    }

    @Test
    void clearingFeaturesClearsTheirBitsAndDependents() {
        List<CpuidEntry> host = supported(AMD_EBX, 0x10);
        List<CpuidEntry> t = CpuidTable.forVcpu(host, 0, 1, CpuFeature.parseList("cx16,xsave,smap"));
        CpuidEntry l1 = find(t, 1, 0);
        assertEquals(0, l1.ecx() & (1 << 13), "cx16");
        assertEquals(0, l1.ecx() & (1 << 26), "xsave");
        assertEquals(0, l1.ecx() & (1 << 28), "avx (depends on xsave)");
        assertTrue((l1.ecx() & (1 << 23)) != 0, "popcnt untouched");
        assertEquals(0, find(t, 7, 0).ebx() & (1 << 20), "smap");
        assertEquals(0, find(t, 7, 0).ebx() & (1 << 5), "avx2 (depends on xsave)");
        assertEquals(0, find(t, 0xd, 1).eax() & (1 << 3), "xsaves");
        assertEquals(find(host, 7, 1), find(t, 7, 1), "subleaf 1 untouched");
        assertTrue((find(t, 0x8000_0008, 0).ebx() & (1 << 2)) != 0, "xsaveerptr passed through");
    }

    @Test
    void unknownFeatureNameListsTheValidOnes() {
        BootException e = assertThrows(BootException.class, () -> CpuFeature.parseList("cx16,avx9"));
        assertTrue(e.getMessage().startsWith("unknown CPU feature 'avx9'; valid names: "), e.getMessage());
        for (String n : new String[] {"cx16", "xsave", "avx", "popcnt", "smap", "smep", "fsgsbase", "umip", "pku",
            "rdpid", "movbe", "rdrand", "rdseed", "clflushopt", "clwb", "pcid", "invpcid", "xsaveerptr"}) {
            assertTrue(e.getMessage().contains(n), n);
            assertNotNull(CpuFeature.byName(n.toUpperCase()));
        }
    }

    @Test
    void deterministicAndInputUnchanged() {
        List<CpuidEntry> host = supported(AMD_EBX, 0x10);
        List<CpuidEntry> copy = List.copyOf(host);
        assertEquals(CpuidTable.forVcpu(host, 1, 3, EnumSet.of(CpuFeature.CX16)),
                CpuidTable.forVcpu(host, 1, 3, EnumSet.of(CpuFeature.CX16)));
        assertEquals(copy, host);
    }
}
