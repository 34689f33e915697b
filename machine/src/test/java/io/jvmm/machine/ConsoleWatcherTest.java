package io.jvmm.machine;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleWatcherTest {
    @Test
    void passesOutputThroughAndRemembersThePanicLine() throws Exception {
        var sink = new ByteArrayOutputStream();
        var w = new ConsoleWatcher(sink);
        w.write("[    1.0] Run /init as init process\r\n".getBytes(StandardCharsets.UTF_8));
        assertTrue(w.panicLine().isEmpty());
        byte[] panic = "[    2.0] Kernel panic - not syncing: No working init found.\r\n".getBytes(StandardCharsets.UTF_8);
        for (byte b : panic) {
            w.write(b);
        }
        assertEquals("[    2.0] Kernel panic - not syncing: No working init found.", w.panicLine().orElseThrow());
        assertTrue(sink.toString(StandardCharsets.UTF_8).endsWith("No working init found.\r\n"));
    }
}
