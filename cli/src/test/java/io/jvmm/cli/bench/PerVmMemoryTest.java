package io.jvmm.cli.bench;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerVmMemoryTest {
    /** 4 VMs: 6000 KiB more VMM memory and 48000 KiB more guest RAM than before, 12 more threads. */
    private static PerVmMemory.Figure figure() {
        ProcFs.MemoryReading before = new ProcFs.MemoryReading(70_000, 0);
        ProcFs.MemoryReading after = new ProcFs.MemoryReading(70_000 + 6_000 + 48_000, 48_000);
        return new PerVmMemory.Figure(4, "Linux", before, after, 20, 32);
    }

    @Test
    void perVmIsTheGrowthOfRssOutsideGuestRamDividedByTheVms() {
        PerVmMemory.Figure f = figure();
        assertEquals(1500.0, f.perVmKiB());
        assertEquals(12_000.0, f.guestPerVmKiB());
        assertEquals(3.0, f.threadsPerVm());
        Map<String, Object> m = f.toMap();
        assertEquals(70_000L, m.get("vmmRssBeforeKiB"));
        assertEquals(76_000L, m.get("vmmRssAfterKiB"));
        assertEquals(1500.0, m.get("perVmKiB"));
        assertEquals("4 Linux VMs in one JVM: 1500 KiB of VMM memory each beyond their guest pages (11.7 MiB guest RAM "
                + "resident each), 3.0 threads each", m.get("summary"));
    }

    @Test
    void memoryGivenBackShowsAsANegativeFigureNotAClampedOne() {
        PerVmMemory.Figure f = new PerVmMemory.Figure(2, "empty", new ProcFs.MemoryReading(50_000, 0),
                new ProcFs.MemoryReading(49_000, 16), 10, 14);
        assertEquals(-508.0, f.perVmKiB());
    }

    @Test
    void goalLineAndJsonCarryTheFigure() {
        BenchResult base = ReportsTest.result();
        Map<String, Object> perVm = new LinkedHashMap<>(figure().toMap());
        BenchResult r = new BenchResult(base.host(), base.settings(), base.systems(), null, base.densityMemKiB(), List.of(), perVm);
        assertEquals(1500.0, r.goals().get("perVmBeyondGuestKiB"));
        assertEquals(2048.0, r.goals().get("perVmBeyondGuestGoalKiB"));
        String table = Reports.table(r);
        assertTrue(table.contains("each additional VM in one JVM, VMM memory beyond its guest pages: 1500 KiB (goal <= 2 MiB)"), table);
        assertTrue(table.contains("per-VM memory: 4 Linux VMs in one JVM"), table);
        @SuppressWarnings("unchecked")
        Map<String, Object> j = BenchJson.parseObject(BenchJson.write(Reports.json(r)));
        assertEquals(1500.0, ((Number) ((Map<?, ?>) j.get("perVm")).get("perVmKiB")).doubleValue());
        assertTrue(Reports.table(base).contains("each additional VM in one JVM, VMM memory beyond its guest pages: not measured"));
    }
}
