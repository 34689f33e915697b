package io.jvmm.cli.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JvmOptionsTest {
    @Test
    void takesTheLaunchersOptionsBeforeTheMainModule() {
        List<String> args = List.of("-XX:+UseSerialGC", "-XX:-UsePerfData", "--enable-native-access=io.jvmm.core",
                "-XX:AOTCache=/x/jvmm.aot", "-Dfoo=bar", "--module-path", "a.jar:lib", "-m", "io.jvmm.cli/io.jvmm.cli.Main",
                "bench", "-XX:NotAJvmOption");
        assertEquals(List.of("-XX:+UseSerialGC", "-XX:-UsePerfData", "--enable-native-access=io.jvmm.core", "-XX:AOTCache=/x/jvmm.aot"),
                BenchCommand.jvmOptions(args));
    }

    @Test
    void trainingAndProfilingOptionsAreNotPassedOn() {
        assertEquals(List.of("--enable-native-access=io.jvmm.core"), BenchCommand.jvmOptions(List.of(
                "-XX:AOTCacheOutput=/x.aot", "-XX:StartFlightRecording=filename=x.jfr", "--enable-native-access=io.jvmm.core", "-m", "m/c")));
    }

    @Test
    void withoutLauncherOptionsTheDefaultsAreUsed() {
        assertEquals(BenchCommand.DEFAULT_JVM_OPTIONS, BenchCommand.jvmOptions(List.of("@/tmp/surefire/args")));
        assertEquals(BenchCommand.DEFAULT_JVM_OPTIONS, BenchCommand.jvmOptions(List.of()));
    }

    @Test
    void theDefaultsAreTheLaunchersOptions() throws IOException {
        // surefire runs in the module's directory: the launcher is ../jvmm
        String launcher = Files.readString(Path.of("..", "jvmm"));
        Matcher m = Pattern.compile("(?m)^jvm_opts=\"([^\"]*)\"").matcher(launcher);
        assertTrue(m.find(), "no jvm_opts=\"...\" line in ./jvmm");
        assertEquals(List.of(m.group(1).split(" ")), BenchCommand.DEFAULT_JVM_OPTIONS);
    }
}
