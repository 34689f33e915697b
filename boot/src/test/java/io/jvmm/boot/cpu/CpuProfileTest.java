package io.jvmm.boot.cpu;

import io.jvmm.boot.BootException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import static io.jvmm.boot.cpu.CpuidTable.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuProfileTest {

    @Test
    void hardwareHostWhenNoPvmModule(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("sys/module/kvm_amd"));
        assertSame(CpuProfile.HARDWARE, CpuProfile.detect(root));
        assertEquals("", CpuProfile.HARDWARE.cmdlineAdditions());
    }

    @Test
    void emulatingHostDetectedFromSysModuleKvmPvm(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("sys/module/kvm_pvm"));
        CpuProfile p = CpuProfile.detect(root);
        assertEquals("emulating-host", p.name());
        assertEquals(EnumSet.of(CpuFeature.CX16, CpuFeature.KVM_PV_SEND_IPI, CpuFeature.KVM_PV_UNHALT), p.cpuidClear());
        assertEquals("noxsave nopti nopcid noinvpcid nofsgsbase syscall_trap"
                + " clearcpuid=308,295,288,514,515,534,151,150,158,306,311,312"
                + " GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX,-AVX2,-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD,"
                + "-AVX512ER,-AVX512PF,-AVX_Fast_Unaligned_Load,-FMA,-FMA4", p.cmdlineAdditions());
        assertTrue(p.description().contains("programs that use AVX themselves"), p.description());
        assertTrue(p.description().contains("syscall_trap") && !p.description().contains("\n"), p.description());

        List<CpuidEntry> host = CpuidTableTest.supported(CpuidTableTest.AMD_EBX, 0x10);
        List<CpuidEntry> t = p.cpuidFor(host, 0, 2);
        assertEquals(0, find(t, 1, 0).ecx() & (1 << 13), "CX16 cleared");
        assertTrue((find(t, 0x8000_0008, 0).ebx() & (1 << 2)) != 0, "0x80000008 EBX bit 2 kept");
        assertEquals(0, find(t, 0x4000_0001, 0).eax() & ((1 << 11) | (1 << 7)), "KVM PV IPI and PV unhalt cleared");
    }

    @Test
    void emulatingHostRefusesToClearXsaveerptr() {
        CpuProfile p = CpuProfile.emulatingHost("test");
        BootException e = assertThrows(BootException.class, () -> p.withCleared(EnumSet.of(CpuFeature.XSAVEERPTR)));
        assertTrue(e.getMessage().startsWith("xsaveerptr cannot be cleared"), e.getMessage());
        CpuProfile more = p.withCleared(CpuFeature.parseList("popcnt"));
        assertEquals(EnumSet.of(CpuFeature.CX16, CpuFeature.KVM_PV_SEND_IPI, CpuFeature.KVM_PV_UNHALT, CpuFeature.POPCNT),
                more.cpuidClear());
        assertEquals(EnumSet.of(CpuFeature.XSAVEERPTR),
                CpuProfile.HARDWARE.withCleared(EnumSet.of(CpuFeature.XSAVEERPTR)).cpuidClear());
    }
}
