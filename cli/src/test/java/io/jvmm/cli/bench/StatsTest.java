package io.jvmm.cli.bench;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class StatsTest {
    @Test
    void oddCountMedianIsTheMiddleValue() {
        Stats s = Stats.of(5, 1, 3);
        assertEquals(3, s.n());
        assertEquals(1, s.min());
        assertEquals(3, s.median());
        assertEquals(5, s.p90());
        assertEquals(5, s.max());
    }

    @Test
    void evenCountMedianIsTheMeanOfTheTwoMiddleValues() {
        assertEquals(2.5, Stats.of(4, 1, 3, 2).median());
    }

    @Test
    void p90IsTheNearestRank() {
        double[] v = new double[20];
        for (int i = 0; i < v.length; i++) {
            v[i] = i + 1;             // 1 .. 20: rank ceil(0.9 * 20) = 18
        }
        assertEquals(18, Stats.of(v).p90());
        double[] ten = Arrays.copyOf(v, 10);   // 1 .. 10: rank 9
        assertEquals(9, Stats.of(ten).p90());
        assertEquals(7, Stats.of(7).p90());
        assertEquals(7, Stats.of(7).median());
    }

    @Test
    void nullsAreSkippedAndNothingGivesNull() {
        Stats s = Stats.of(Arrays.asList(2.0, null, 4.0));
        assertEquals(2, s.n());
        assertEquals(3, s.median());
        assertNull(Stats.of(List.<Double>of()));
        assertNull(Stats.of(Arrays.asList((Double) null)));
    }

    @Test
    void inputIsNotReordered() {
        double[] v = {3, 1, 2};
        Stats.of(v);
        assertEquals(3, v[0]);
    }
}
