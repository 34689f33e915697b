package io.jvmm.core.kvm;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Proves every kernel struct's size and every named field's offset against {@code <linux/kvm.h>},
 * by walking the Java layouts and asking gcc for sizeof/offsetof of the same C names.
 */
class StructLayoutTest {
    /** C struct name → our layout. Nested groups are checked through their parent's field paths. */
    static final List<MemoryLayout> STRUCTS = List.of(
            KvmRegs.LAYOUT, KvmSegment.LAYOUT, KvmSregs.DTABLE, KvmSregs.LAYOUT, KvmFpu.LAYOUT,
            KvmMsrs.HEADER, KvmMsrs.ENTRY, KvmLapicState.LAYOUT, KvmCpuid2.HEADER, KvmCpuid2.ENTRY,
            KvmIrqfd.LAYOUT, KvmIoeventfd.LAYOUT, KvmUserspaceMemoryRegion.LAYOUT, KvmPitConfig.LAYOUT,
            KvmTranslation.LAYOUT, KvmRun.LAYOUT, KvmMpState.LAYOUT, KvmXsave.LAYOUT, KvmXcrs.XCR, KvmXcrs.LAYOUT,
            KvmDebugregs.LAYOUT, KvmVcpuEvents.LAYOUT, KvmIrqchip.LAYOUT, KvmIoapicState.LAYOUT, KvmPitState2.CHANNEL, KvmPitState2.LAYOUT,
            KvmClockData.LAYOUT, KvmMsrList.HEADER);

    static Map<String, Long> javaValues;
    static Map<String, Long> cValues;

    @BeforeAll
    static void evaluate() throws Exception {
        assumeTrue(KernelHeaderCheck.available(), KernelHeaderCheck.unavailableReason());
        javaValues = new LinkedHashMap<>();
        Map<String, String> expressions = new LinkedHashMap<>();
        for (MemoryLayout s : STRUCTS) {
            String struct = s.name().orElseThrow();
            javaValues.put("sizeof:" + struct, s.byteSize());
            expressions.put("sizeof:" + struct, "sizeof(struct " + struct + ")");
            collect(struct, (GroupLayout) s, "", 0, expressions);
        }
        // Flexible array members (entries[]) are not in the header layouts: the views put entry 0 right
        // after the header, which C must agree with.
        for (StructLayout header : List.of(KvmMsrs.HEADER, KvmCpuid2.HEADER)) {
            String struct = header.name().orElseThrow();
            javaValues.put("offsetof:" + struct + ".entries", header.byteSize());
            expressions.put("offsetof:" + struct + ".entries", "offsetof(struct " + struct + ", entries)");
        }
        cValues = KernelHeaderCheck.evaluate(expressions);
    }

    private static void collect(String struct, GroupLayout g, String prefix, long base, Map<String, String> expressions) {
        for (MemoryLayout m : g.memberLayouts()) {
            if (m instanceof PaddingLayout || m.name().isEmpty()) {
                continue;
            }
            String name = m.name().get();
            long offset = base + g.byteOffset(MemoryLayout.PathElement.groupElement(name));
            if (name.startsWith("anon_")) {
                // An anonymous C union/struct: its members are addressed without a prefix.
                collect(struct, (GroupLayout) m, prefix, offset, expressions);
                continue;
            }
            if (name.startsWith("pad") || name.equals("padding")) {
                continue; // C padding fields are not always named alike; their neighbours pin them
            }
            String path = prefix + name;
            String key = "offsetof:" + struct + "." + path;
            javaValues.put(key, offset);
            expressions.put(key, "offsetof(struct " + struct + ", " + path + ")");
            if (m instanceof GroupLayout inner) {
                collect(struct, inner, path + ".", offset, expressions);
            } else if (m instanceof SequenceLayout seq) {
                String sizeKey = "sizeof:" + struct + "." + path;
                javaValues.put(sizeKey, seq.byteSize());
                expressions.put(sizeKey, "sizeof(((struct " + struct + " *)0)->" + path + ")");
            }
        }
    }

    @Test
    void everyStructSizeAndFieldOffsetMatchesTheKernelHeader() {
        assertTrue(javaValues.size() > 150, "expected to check many fields, checked " + javaValues.size());
        javaValues.forEach((key, value) ->
                assertEquals(cValues.get(key), value, key + " (C says " + cValues.get(key) + ", Java says " + value + ")"));
    }

    @Test
    void kvmRunExitUnionIsAt32AndSizeIs2352() {
        assertEquals(32L, javaValues.get("offsetof:kvm_run.io"));
        assertEquals(2352L, javaValues.get("sizeof:kvm_run"));
        assertEquals(312L, javaValues.get("sizeof:kvm_sregs"));
    }
}
