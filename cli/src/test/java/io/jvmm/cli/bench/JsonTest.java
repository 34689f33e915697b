package io.jvmm.cli.bench;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonTest {
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
        Object back = Json.parse(Json.write(m));
        Map<String, Object> expected = new LinkedHashMap<>(m);
        expected.put("nan", null);    // JSON has no NaN
        assertEquals(expected, back);
    }

    @Test
    void parsesStandardJson() {
        assertEquals(Arrays.asList(1L, -2.5, 3e2, "\u00e9/", null, false),
                Json.parse(" [1, -2.5, 3E2, \"\\u00e9\\/\", null, false] "));
    }

    @Test
    void rejectsBrokenJson() {
        for (String bad : new String[] {"", "{", "[1,]", "{\"a\" 1}", "\"open", "tru", "[1] x", "{1: 2}", "\"\\q\""}) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
    }
}
