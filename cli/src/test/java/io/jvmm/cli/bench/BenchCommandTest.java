package io.jvmm.cli.bench;

import io.jvmm.cli.Main;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bad options end at once with the usage status, before anything is started. */
class BenchCommandTest {
    @Test
    void badOptionsAreRefusedBeforeAnyRun() {
        assertEquals(2, Main.run("bench", "--systems", "java,podman"));
        assertEquals(2, Main.run("bench", "--systems", "java", "--runs", "0"));
        assertEquals(2, Main.run("bench", "--systems", "java", "--warmup", "-1"));
        assertEquals(2, Main.run("bench", "--systems", "java", "--json", "/nonexistent-dir/bench.json"));
        assertEquals(2, Main.run("bench", "--systems", "java", "--memory", "lots"));
    }
}
