package io.jvmm.cli.console;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EscapeFilterTest {
    private static byte[] run(ConsoleInput.EscapeFilter f, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return Arrays.copyOf(b, f.filter(b, b.length));
    }

    @Test
    void plainTextPassesThrough() {
        var f = new ConsoleInput.EscapeFilter();
        assertArrayEquals("ls -l\r".getBytes(), run(f, "ls -l\r"));
        assertFalse(f.quitRequested());
    }

    @Test
    void ctrlAXQuitsEvenAcrossReads() {
        var f = new ConsoleInput.EscapeFilter();
        assertArrayEquals("ab".getBytes(), run(f, "ab\u0001"));
        assertFalse(f.quitRequested());
        assertEquals(0, run(f, "x").length);
        assertTrue(f.quitRequested());
    }

    @Test
    void ctrlATwiceSendsOneCtrlAAndOtherKeysAreSwallowed() {
        var f = new ConsoleInput.EscapeFilter();
        assertArrayEquals(new byte[] {'a', 1, 'b', 'c'}, run(f, "a\u0001\u0001b\u0001zc"));
        assertFalse(f.quitRequested());
    }

    @Test
    void ctrlASAsksForASnapshotEachTimeAndSendsNothing() {
        var f = new ConsoleInput.EscapeFilter();
        assertArrayEquals("ab".getBytes(), run(f, "a\u0001sb\u0001"));
        assertEquals(1, f.takeSnapshotRequests());
        assertEquals(0, f.takeSnapshotRequests());
        assertArrayEquals(new byte[0], run(f, "S\u0001s"));
        assertEquals(2, f.takeSnapshotRequests());
        assertFalse(f.quitRequested());
    }
}
