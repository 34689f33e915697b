package io.jvmm.cli.bench;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BenchJsonTest {
    @Test
    void roundTripsWhatTheBenchWrites() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "quote \" backslash \\ newline \n tab \t ctl \u0001 <&>");
        m.put("i", 1795422425222969316L);
        m.put("d", 12.5);
        m.put("b", true);
        m.put("n", null);
        m.put("nan", Double.NaN);
        m.put("list", List.of(1L, "two", Map.of("k", List.of())));
        m.put("empty", Map.of());
        Object back = BenchJson.parseObject(BenchJson.write(m));
        Map<String, Object> expected = new LinkedHashMap<>(m);
        expected.put("nan", null);    // JSON has no NaN
        assertEquals(expected, back);
    }

    @Test
    void doublesAreWholeOrRoundedToThreeDecimalsAndTheTextIsIndented() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("whole", 42.0);
        m.put("ms", 1.23456);
        m.put("inf", Double.POSITIVE_INFINITY);
        assertEquals("{\n  \"whole\": 42,\n  \"ms\": 1.235,\n  \"inf\": null\n}\n", BenchJson.write(m));
    }

    @Test
    void theStreamingWriterWritesTheSameText() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("events", Map.of("build-start", 1795422425222969316L));
        m.put("ms", 1.23456);
        m.put("nan", Double.NaN);
        m.put("list", List.of(1L, "two", true));
        m.put("none", null);
        assertEquals(BenchJson.write(m), BenchJson.writeStreaming(m));
    }

    @Test
    void parsesStandardJson() {
        assertEquals(Arrays.asList(1L, -2.5, 3e2, "\u00e9/", null, false),
                BenchJson.parseObject("{\"a\": [1, -2.5, 3E2, \"\\u00e9\\/\", null, false]}").get("a"));
    }

    @Test
    void rejectsBrokenJson() {
        for (String bad : new String[] {"", "{", "[1,]", "{\"a\" 1}", "\"open", "tru", "{} x", "{1: 2}", "\"\\q\"", "[1]", "null"}) {
            assertThrows(IllegalArgumentException.class, () -> BenchJson.parseObject(bad), bad);
        }
    }
}
