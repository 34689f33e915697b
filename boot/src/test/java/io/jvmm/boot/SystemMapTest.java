package io.jvmm.boot;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SystemMapTest {
    private final SystemMap map = SystemMap.parse(List.of(
            "ffffffff81000000 T _text",
            "ffffffff81000000 T startup_64",
            "ffffffff81001000 t native_safe_halt",
            "ffffffff81001020 T default_idle",
            "ffffffff82000000 D some_data",          // data: ignored
            "garbage line",
            "zzzz T broken",
            "ffffffff81002000 W weak_fn"));

    @Test
    void ripMapsToTheEnclosingTextSymbol() {
        assertEquals(5, map.size());
        assertEquals("native_safe_halt", map.functionAt(0xffffffff81001010L));
        assertEquals("default_idle+0x4", map.describe(0xffffffff81001024L));
        assertEquals("weak_fn", map.functionAt(0xffffffff81ffffffL));
        assertNull(map.functionAt(0x1000));
        assertEquals("0x1000", map.describe(0x1000));
    }
}
