package io.jvmm.cli.bench;

import io.jvmm.cli.Main;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bad options end at once with the usage status, before anything is started. */
class BenchCommandTest {
    @Test
    void badOptionsAreRefusedBeforeAnyRun() {
        assertEquals(2, Main.run("bench", "--systems", "java,podman"));
        assertEquals(2, Main.run("bench", "--systems", "serve,podman"));   // serve is known, podman is not
        assertEquals(2, Main.run("bench", "--systems", "serve", "--runs", "0"));
        assertEquals(2, Main.run("bench", "--systems", "java", "--runs", "0"));
        assertEquals(2, Main.run("bench", "--systems", "java", "--warmup", "-1"));
        assertEquals(2, Main.run("bench", "--systems", "java", "--json", "/nonexistent-dir/bench.json"));
        assertEquals(2, Main.run("bench", "--systems", "java", "--memory", "lots"));
        assertEquals(2, Main.run("bench", "--systems", "java", "--density", "2", "--density-systems", "jvmm-clones,podman"));
        assertEquals(2, Main.run("bench", "--systems", "java", "--density", "2", "--density-idle", "0"));
        assertEquals(2, Main.run("bench", "--systems", "java", "--per-vm", "-1"));
        assertEquals(2, Main.run("bench", "--systems", "java", "--snapshot", "/nonexistent-dir", "--density", "2",
                "--density-systems", "jvmm-clones", "--exit-path", "0"));
        assertEquals(2, Main.run("bench-clones", "--restore", "/nonexistent-dir", "--count", "0"));
    }
}
