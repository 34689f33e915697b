package io.jvmm.core.kvm;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The struct views write each value into the field of the same C name: every setter is read back through
 * the layout's own offsets (which {@link StructLayoutTest} pins against {@code <linux/kvm.h>}). Each field
 * gets a distinct value, so a setter that writes the wrong field or width fails here.
 */
class StructSettersTest {
    private static long field(MemorySegment s, MemoryLayout layout, long base, String name) {
        long offset = base + layout.byteOffset(groupElement(name));
        MemoryLayout f = layout.select(groupElement(name));
        return switch ((int) f.byteSize()) {
            case 1 -> s.get(ValueLayout.JAVA_BYTE, offset);
            case 4 -> s.get(ValueLayout.JAVA_INT, offset);
            case 8 -> s.get(ValueLayout.JAVA_LONG, offset);
            default -> throw new AssertionError(name + " is not a scalar");
        };
    }

    @Test
    void ioeventfdFieldsLandWhereTheLayoutSays() {
        var s = new KvmIoeventfd(0x1122_3344_5566L, 4, 17, KvmIoeventfd.KVM_IOEVENTFD_FLAG_DATAMATCH, 0x7788L);
        MemorySegment m = s.segment();
        assertEquals(KvmIoeventfd.LAYOUT.byteSize(), m.byteSize());
        assertEquals(0x7788L, field(m, KvmIoeventfd.LAYOUT, 0, "datamatch"));
        assertEquals(0x1122_3344_5566L, field(m, KvmIoeventfd.LAYOUT, 0, "addr"));
        assertEquals(4, field(m, KvmIoeventfd.LAYOUT, 0, "len"));
        assertEquals(17, field(m, KvmIoeventfd.LAYOUT, 0, "fd"));
        assertEquals(KvmIoeventfd.KVM_IOEVENTFD_FLAG_DATAMATCH, field(m, KvmIoeventfd.LAYOUT, 0, "flags"));
    }

    @Test
    void irqfdFieldsLandWhereTheLayoutSays() {
        MemorySegment m = new KvmIrqfd(23, 4, KvmIrqfd.KVM_IRQFD_FLAG_DEASSIGN).segment();
        assertEquals(23, field(m, KvmIrqfd.LAYOUT, 0, "fd"));
        assertEquals(4, field(m, KvmIrqfd.LAYOUT, 0, "gsi"));
        assertEquals(KvmIrqfd.KVM_IRQFD_FLAG_DEASSIGN, field(m, KvmIrqfd.LAYOUT, 0, "flags"));
        assertEquals(0, field(m, KvmIrqfd.LAYOUT, 0, "resamplefd"));
    }

    @Test
    void msrEntriesFollowTheHeaderAtTheLayoutsOffsets() {
        KvmMsrs msrs = new KvmMsrs(3).set(0, KvmMsrs.MSR_STAR, 0x11L).set(2, KvmMsrs.MSR_LSTAR, 0xffff_8000_0000_1234L);
        MemorySegment m = msrs.segment();
        assertEquals(3, field(m, KvmMsrs.HEADER, 0, "nmsrs"));
        assertEquals(3, msrs.nmsrs());
        long e2 = KvmMsrs.HEADER.byteSize() + 2 * KvmMsrs.ENTRY.byteSize();
        assertEquals(KvmMsrs.MSR_LSTAR, field(m, KvmMsrs.ENTRY, e2, "index"));
        assertEquals(0, field(m, KvmMsrs.ENTRY, e2, "reserved"));
        assertEquals(0xffff_8000_0000_1234L, field(m, KvmMsrs.ENTRY, e2, "data"));
        assertEquals(KvmMsrs.MSR_STAR, msrs.index(0));
        assertEquals(0x11L, msrs.data(0));
        assertEquals(0xffff_8000_0000_1234L, msrs.data(2));
    }

    @Test
    void cpuidEntriesRoundTripThroughTheLayout() {
        var entries = List.of(new KvmCpuid2.Entry(0x1, 0, 0, 0xa1, 0xb1, 0xc1, 0xd1),
                new KvmCpuid2.Entry(0x7, 1, KvmCpuid2.KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0xa7, 0xb7, 0xc7, 0xd7));
        KvmCpuid2 c = KvmCpuid2.of(entries);
        MemorySegment m = c.segment();
        assertEquals(2, field(m, KvmCpuid2.HEADER, 0, "nent"));
        long e1 = KvmCpuid2.HEADER.byteSize() + KvmCpuid2.ENTRY.byteSize();
        assertEquals(0x7, field(m, KvmCpuid2.ENTRY, e1, "function"));
        assertEquals(1, field(m, KvmCpuid2.ENTRY, e1, "index"));
        assertEquals(KvmCpuid2.KVM_CPUID_FLAG_SIGNIFCANT_INDEX, field(m, KvmCpuid2.ENTRY, e1, "flags"));
        assertEquals(0xa7, field(m, KvmCpuid2.ENTRY, e1, "eax"));
        assertEquals(0xb7, field(m, KvmCpuid2.ENTRY, e1, "ebx"));
        assertEquals(0xc7, field(m, KvmCpuid2.ENTRY, e1, "ecx"));
        assertEquals(0xd7, field(m, KvmCpuid2.ENTRY, e1, "edx"));
        assertEquals(entries, c.entries());
    }

    @Test
    void memoryRegionPitConfigAndTranslationUseTheirLayouts() {
        MemorySegment r = new KvmUserspaceMemoryRegion(2, 1, 0x10_0000L, 0x20_0000L, 0x7f00_0000_0000L).segment();
        var l = KvmUserspaceMemoryRegion.LAYOUT;
        assertEquals(2, field(r, l, 0, "slot"));
        assertEquals(1, field(r, l, 0, "flags"));
        assertEquals(0x10_0000L, field(r, l, 0, "guest_phys_addr"));
        assertEquals(0x20_0000L, field(r, l, 0, "memory_size"));
        assertEquals(0x7f00_0000_0000L, field(r, l, 0, "userspace_addr"));

        assertEquals(KvmPitConfig.KVM_PIT_SPEAKER_DUMMY,
                field(new KvmPitConfig(KvmPitConfig.KVM_PIT_SPEAKER_DUMMY).segment(), KvmPitConfig.LAYOUT, 0, "flags"));

        KvmTranslation t = new KvmTranslation(0xffff_ffff_8100_0000L);
        assertEquals(0xffff_ffff_8100_0000L, field(t.segment(), KvmTranslation.LAYOUT, 0, "linear_address"));
        assertFalse(t.valid());
        t.segment().set(ValueLayout.JAVA_BYTE, KvmTranslation.LAYOUT.byteOffset(groupElement("valid")), (byte) 1);
        t.segment().set(ValueLayout.JAVA_LONG, KvmTranslation.LAYOUT.byteOffset(groupElement("physical_address")), 0x100_0000L);
        assertTrue(t.valid());
        assertEquals(0x100_0000L, t.physicalAddress());
    }
}
