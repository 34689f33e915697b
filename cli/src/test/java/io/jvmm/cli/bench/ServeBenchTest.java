package io.jvmm.cli.bench;

import io.jvmm.cli.Main;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jvmm bench --systems java,serve --runs 1}, end to end: a real {@code jvmm serve} child answers GET / over
 * its socket, ends on SIGTERM with its socket removed, and the JSON carries its times, CPU and the goal ratio.
 */
@Tag("bench")
@Timeout(180)
class ServeBenchTest {
    @TempDir
    Path dir;

    @Test
    void serveIsTimedToItsFirstAnswerAndEndsOnSigterm() throws Exception {
        Path json = dir.resolve("bench.json");
        int status = Main.run("bench", "--systems", "java,serve", "--runs", "1", "--warmup", "0", "--exit-path", "0",
                "--json", json.toString());
        assertEquals(0, status);
        @SuppressWarnings("unchecked")
        Map<String, Object> j = BenchJson.parseObject(Files.readString(json));
        List<?> systems = (List<?>) j.get("systems");
        Map<?, ?> serve = (Map<?, ?>) systems.get(1);
        assertEquals("serve", serve.get("id"));
        assertNull(serve.get("error"));
        List<?> samples = (List<?>) serve.get("samples");
        assertEquals(1, samples.size());
        Map<?, ?> s = (Map<?, ?>) samples.get(0);
        assertEquals(0L, s.get("status"));
        Map<?, ?> ev = (Map<?, ?>) s.get("events");
        double answer = ((Number) ev.get("api-answer")).doubleValue();
        double exit = ((Number) ev.get("exit")).doubleValue();
        assertTrue(answer > 0 && answer < exit, ev.toString());
        assertTrue(((Number) s.get("cpuMs")).doubleValue() > 0, s.toString());   // a JVM started: not free
        List<?> phases = (List<?>) s.get("phases");
        assertEquals("to first GET / answered", ((Map<?, ?>) phases.get(0)).get("name"));
        Map<?, ?> goals = (Map<?, ?>) j.get("goals");
        assertTrue(((Number) goals.get("serveAnswerOverJavaVersion")).doubleValue() > 0, goals.toString());
        assertEquals(2.0, ((Number) goals.get("serveAnswerOverJavaVersionGoal")).doubleValue());
        try (var left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            // the bench's work directory (and the serve socket in it) is gone
            assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".sock") && p.toString().contains("serve-")));
        }
    }
}
