package io.jvmm.cli.bench;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SampleTest {
    static Sample sample(Map<String, Double> events) {
        return new Sample(1, false, events, 10.0, new Sample.Memory(5000L, 3000L, 9000L), 0);
    }

    @Test
    void phasesRunBetweenTheRecordedBoundariesInOrder() {
        Map<String, Double> ev = new LinkedHashMap<>();
        ev.put("exit", 1000.0);
        ev.put("build-start", 300.0);
        ev.put("boot-timer", 700.0);        // reported, not a boundary
        ev.put("first-run", 320.0);
        ev.put("init-ready", 800.0);
        Sample s = sample(ev);
        assertEquals(List.of(new Sample.Phase("JVM start + setup", 300), new Sample.Phase("VM build", 20),
                new Sample.Phase("to /init ready", 480), new Sample.Phase("to process exit", 200)), s.phases());
        assertEquals(800.0, s.readyMs());
        assertEquals(1000.0, s.totalMs());
    }

    @Test
    void aRunWithOnlyAnEndIsOneWholeRunPhase() {
        assertEquals(List.of(new Sample.Phase("start to exit", 70)), sample(Map.of("exit", 70.0)).phases());
        assertNull(sample(Map.of("exit", 70.0)).readyMs());
    }

    @Test
    void apiLatencyIsMedianAndNearestRankP99() {
        double[] ms = new double[200];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = 200 - i;                  // 200 .. 1, unsorted
        }
        assertEquals(new Sample.Latency(200, 1, 100.5, 198, 200), Sample.Latency.of(ms));
        assertEquals(new Sample.Latency(3, 1, 2, 5, 5), Sample.Latency.of(new double[] {5, 1, 2}));
        assertNull(Sample.Latency.of(new double[0]));
    }

    @Test
    void perInstanceMemoryIsVmmPlusGuestElseCgroupPeak() {
        assertEquals(8000L, new Sample.Memory(5000L, 3000L, 9000L).perInstanceKiB());
        assertEquals(9000L, new Sample.Memory(null, 3000L, 9000L).perInstanceKiB());
        assertNull(new Sample.Memory(null, null, null).perInstanceKiB());
    }
}
