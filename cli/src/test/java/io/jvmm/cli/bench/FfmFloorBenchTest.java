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

/** The bench's {@code ffm} floor: JVM, jvmm's native link and a KVM VM in a new process, beside {@code java -version}. */
class FfmFloorBenchTest {
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
    void measuredBesideJavaVersion() throws Exception {
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "no usable /dev/kvm: bench test skipped");
        Path json = dir.resolve("bench.json");
        assertEquals(0, Main.run("bench", "--systems", "java,ffm", "--runs", "2", "--warmup", "0", "--exit-path", "0",
                "--per-vm", "0", "--json", json.toString()));
        @SuppressWarnings("unchecked")
        Map<String, Object> j = BenchJson.parseObject(Files.readString(json));
        List<?> systems = (List<?>) j.get("systems");
        Map<?, ?> ffm = (Map<?, ?>) systems.get(1);
        assertEquals("ffm", ffm.get("id"));
        List<?> samples = (List<?>) ffm.get("samples");
        assertEquals(2, samples.size());
        for (Object o : samples) {
            Map<?, ?> s = (Map<?, ?>) o;
            assertEquals(0, ((Number) s.get("status")).intValue(), "the floor created its VM: " + s);
        }
        Object ratio = ((Map<?, ?>) j.get("goals")).get("ffmFloorOverJavaVersion");
        assertTrue(ratio instanceof Number n && n.doubleValue() > 0, String.valueOf(ratio));
    }
}
