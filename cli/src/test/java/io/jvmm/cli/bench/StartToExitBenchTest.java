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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The bench's start-to-exit systems: {@code java -version}, the {@code ffm} floor (JVM, jvmm's native link and a KVM
 * VM in a new process) and {@code jvmm --help}, with their ratios to {@code java -version}.
 */
class StartToExitBenchTest {
    @TempDir
    Path dir;

    @Test
    void theFloorCommandIsJvmmsWithTheFloorAsMainClass() {
        assertEquals(List.of("java", "-XX:AOTCache=/x/jvmm.aot", "--module-path", "a.jar:lib", "-m", "io.jvmm.cli/io.jvmm.cli.bench.FfmFloor"),
                JvmmSystems.floorCommand(List.of("java", "-XX:AOTCache=/x/jvmm.aot", "--module-path", "a.jar:lib", "-m", "io.jvmm.cli/io.jvmm.cli.Main")));
        assertEquals(List.of("java", "-cp", "classes", "io.jvmm.cli.bench.FfmFloor"),
                JvmmSystems.floorCommand(List.of("java", "-cp", "classes", "io.jvmm.cli.Main")));
        assertThrows(IllegalArgumentException.class, () -> JvmmSystems.floorCommand(List.of("java", "-version")));
    }

    @Test
    @Tag("bench")
    @Tag("kvm")
    @Timeout(120)
    void javaFfmAndHelpMeasuredInOneRun() throws Exception {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: bench test skipped");
        Path json = dir.resolve("bench.json");
        assertEquals(0, Main.run("bench", "--systems", "java,ffm,help", "--runs", "2", "--warmup", "0", "--exit-path", "0",
                "--per-vm", "0", "--json", json.toString()));
        @SuppressWarnings("unchecked")
        Map<String, Object> j = BenchJson.parseObject(Files.readString(json));
        List<?> systems = (List<?>) j.get("systems");
        assertEquals(3, systems.size());
        for (int i = 0; i < 3; i++) {
            Map<?, ?> system = (Map<?, ?>) systems.get(i);
            assertEquals(List.of("java", "ffm", "help").get(i), system.get("id"));
            List<?> samples = (List<?>) system.get("samples");
            assertEquals(2, samples.size());
            for (Object o : samples) {
                Map<?, ?> s = (Map<?, ?>) o;
                assertEquals(0, ((Number) s.get("status")).intValue(), system.get("id") + " ended well (the floor created its VM): " + s);
                assertTrue(((Number) ((Map<?, ?>) s.get("events")).get("exit")).doubleValue() > 0, s.toString());
            }
        }
        Map<?, ?> goals = (Map<?, ?>) j.get("goals");
        for (String ratio : List.of("ffmFloorOverJavaVersion", "helpOverJavaVersion")) {
            assertTrue(goals.get(ratio) instanceof Number n && n.doubleValue() > 0, ratio + " " + goals.get(ratio));
        }
    }
}
