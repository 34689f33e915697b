package io.jvmm.boot;

import io.jvmm.core.memory.GuestAddress;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The long-mode and PVH entry states, and the tables they point at, read back from guest memory. */
class CpuStateTest {

    @Test
    void longModeIdentityMapsTheFirstFourGib() {
        try (TestMemory t = TestMemory.machine(256L << 20)) {
            CpuState s = CpuState.longMode(t.memory, GuestAddress.of(0x1000200), BootLayout.ZERO_PAGE_START);
            assertEquals(BootLayout.PML4_START.value(), s.cr3());
            long[] probes = {0, 0x7000, 0x1000200, 0x0fff_ffffL, 0x4000_1234L, 0xbfff_ffffL, 0xc000_1000L,
                0xfee0_0000L, 0xffff_ffffL};
            for (long a : probes) {
                assertEquals(a, PageTables.translate(t.memory, s.cr3(), a), "identity at 0x" + Long.toHexString(a));
            }
            // every 2 MiB page of the 4 GiB
            for (long a = 0; a < 4L << 30; a += PageTables.PAGE_2M) {
                assertEquals(a + 0x1ff123, PageTables.translate(t.memory, s.cr3(), a + 0x1ff123));
            }
            assertEquals(-1, PageTables.translate(t.memory, s.cr3(), 0x1_0000_0000L), "nothing above 4 GiB");
        }
    }

    @Test
    void longModeRegistersFollowThe64BitBootProtocol() {
        try (TestMemory t = TestMemory.machine(64L << 20)) {
            CpuState s = CpuState.longMode(t.memory, GuestAddress.of(0x1000200), BootLayout.ZERO_PAGE_START);
            assertEquals(0x1000200, s.rip());
            assertEquals(0x7000, s.rsi());
            assertEquals(0x2, s.rflags());
            assertEquals(CpuState.X86_CR0_PE | CpuState.X86_CR0_PG, s.cr0() & (CpuState.X86_CR0_PE | CpuState.X86_CR0_PG));
            assertEquals(CpuState.X86_CR4_PAE, s.cr4() & CpuState.X86_CR4_PAE);
            assertEquals(CpuState.EFER_LME | CpuState.EFER_LMA, s.efer());
            assertEquals(0x10, s.cs().selector());
            assertTrue(s.cs().l() && !s.cs().db() && s.cs().present() && s.cs().s());
            assertEquals(0xb, s.cs().type());
            for (Segment d : new Segment[] {s.ds(), s.es(), s.ss(), s.fs(), s.gs()}) {
                assertEquals(0x18, d.selector());
                assertEquals(0xffff_ffff, d.limit());
                assertEquals(0x3, d.type());
                assertTrue(d.present() && d.g());
            }
            assertEquals(0x20, s.tr().selector());
            assertEquals(0xb, s.tr().type());
            assertFalse(s.tr().s());
            assertTrue(s.ldt().unusable());
            // The GDT in memory holds the very descriptors the hidden segment state was taken from.
            assertEquals(s.cs(), Segment.fromDescriptor(Gdt.read(t.memory, s.gdt(), 0x10), 0x10));
            assertEquals(s.ds(), Segment.fromDescriptor(Gdt.read(t.memory, s.gdt(), 0x18), 0x18));
            assertEquals(s.tr(), Segment.fromDescriptor(Gdt.read(t.memory, s.gdt(), 0x20), 0x20));
            assertEquals(0x500, s.gdt().base());
            assertEquals(Gdt.ENTRIES * 8 - 1, s.gdt().limit());
            assertTrue(s.gdt().base() + s.gdt().limit() < s.idt().base(), "GDT and IDT must not overlap");
            assertEquals(0, t.memory.readLong(io.jvmm.core.memory.GuestAddress.of(s.idt().base())), "null IDT gate");
            // The kernel's own GDT_ENTRY(0xa09b, 0, 0xfffff) = 0x00af9b000000ffff (arch/x86/include/asm/segment.h).
            assertEquals(0x00af_9b00_0000_ffffL, Gdt.read(t.memory, s.gdt(), 0x10));
            assertEquals(0x00cf_9300_0000_ffffL, Gdt.read(t.memory, s.gdt(), 0x18));
        }
    }

    @Test
    void pvhEntryIs32BitProtectedModeWithoutPaging() {
        try (TestMemory t = TestMemory.machine(64L << 20)) {
            CpuState s = CpuState.protectedMode32(t.memory, GuestAddress.of(0x1001230), BootLayout.PVH_INFO_START);
            assertEquals(0x6000, s.rbx());
            assertEquals(0x1001230, s.rip());
            assertEquals(CpuState.X86_CR0_PE, s.cr0() & CpuState.X86_CR0_PE);
            assertEquals(0, s.cr0() & CpuState.X86_CR0_PG);
            assertEquals(0, s.efer());
            assertEquals(0, s.cr4());
            assertTrue(s.cs().db() && !s.cs().l());
            assertEquals(0xffff_ffff, s.cs().limit());
            assertEquals(0, s.cs().base());
            assertEquals(0x67, s.tr().limit());
            assertEquals(0x00cf_9b00_0000_ffffL, Gdt.read(t.memory, s.gdt(), 0x10));
            assertEquals(0, s.rflags() & (1 << 9));
        }
    }
}
