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
 * {@code jvmm bench --systems java,api-floor,serve --runs 1}, end to end: a real {@code jvmm serve} child (and the
 * api-floor child, the API's server alone) answers GET / over its socket, ends on SIGTERM with its socket removed,
 * and the JSON carries its times, CPU and the ratios to {@code java -version}.
 */
@Tag("bench")
@Timeout(180)
class ServeBenchTest {
    @TempDir
    Path dir;

    @Test
    void serveIsTimedToItsFirstAnswerAndEndsOnSigterm() throws Exception {
        Path json = dir.resolve("bench.json");
        int status = Main.run("bench", "--systems", "java,api-floor,serve", "--runs", "1", "--warmup", "0", "--exit-path", "0",
                "--json", json.toString());
        assertEquals(0, status);
        @SuppressWarnings("unchecked")
        Map<String, Object> j = BenchJson.parseObject(Files.readString(json));
        List<?> systems = (List<?>) j.get("systems");
        assertServedAndEnded((Map<?, ?>) systems.get(1), "api-floor");
        assertServedAndEnded((Map<?, ?>) systems.get(2), "serve");
        assertNull(((Map<?, ?>) ((List<?>) ((Map<?, ?>) systems.get(0)).get("samples")).get(0)).get("apiLatency"));
        Map<?, ?> goals = (Map<?, ?>) j.get("goals");
        assertTrue(((Number) goals.get("serveAnswerOverJavaVersion")).doubleValue() > 0, goals.toString());
        assertTrue(((Number) goals.get("apiFloorAnswerOverJavaVersion")).doubleValue() > 0, goals.toString());
        assertEquals(2.0, ((Number) goals.get("serveAnswerOverJavaVersionGoal")).doubleValue());
        try (var left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            // the bench's work directory (and the serve socket in it) is gone
            assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".sock") && p.toString().contains("serve-")));
        }
    }

    /** One run of a serve-like system: answered, timed, latency measured, ended by SIGTERM with status 0. */
    private static void assertServedAndEnded(Map<?, ?> serve, String id) {
        assertEquals(id, serve.get("id"));
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
        double sigterm = ((Number) ev.get("sigterm")).doubleValue();
        assertTrue(answer < sigterm && sigterm < exit, ev.toString());
        List<?> phases = (List<?>) s.get("phases");
        assertEquals(List.of("to first GET / answered", "latency GETs, to SIGTERM", "to process exit"),
                phases.stream().map(p -> ((Map<?, ?>) p).get("name")).toList());
        // the latency of GET / on the started server: 200 answered requests, ordered figures
        Map<?, ?> lat = (Map<?, ?>) s.get("apiLatency");
        assertEquals((long) ServeSystem.LATENCY_REQUESTS, lat.get("n"));
        double min = ((Number) lat.get("minMs")).doubleValue();
        double median = ((Number) lat.get("medianMs")).doubleValue();
        double p99 = ((Number) lat.get("p99Ms")).doubleValue();
        double max = ((Number) lat.get("maxMs")).doubleValue();
        assertTrue(0 < min && min <= median && median <= p99 && p99 <= max && max < sigterm - answer, lat.toString());
        double cpuToAnswer = ((Number) s.get("cpuToFirstAnswerMs")).doubleValue();
        assertTrue(cpuToAnswer > 0 && cpuToAnswer <= ((Number) s.get("cpuMs")).doubleValue(), s.toString());
        Map<?, ?> summary = (Map<?, ?>) serve.get("summary");
        assertEquals(cpuToAnswer, ((Number) ((Map<?, ?>) summary.get("cpuToFirstAnswerMs")).get("median")).doubleValue());
        assertEquals(median, ((Number) ((Map<?, ?>) summary.get("apiLatencyMedianMs")).get("median")).doubleValue());
        assertEquals(p99, ((Number) ((Map<?, ?>) summary.get("apiLatencyP99Ms")).get("median")).doubleValue());
    }
}
