package io.jvmm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The JVM command line {@code jvmm jail} reuses for the jailed VMM, and the files it must mount for it. */
class JvmCommandTest {
    @TempDir
    Path dir;

    @Test
    void theLaunchersCommandLineEndsAtTheModuleAndNamesTheJdkJarsAndAotCache() throws Exception {
        Path jdk = Files.createDirectories(dir.resolve("jdk"));
        Path launch = Files.createDirectories(dir.resolve("launch"));
        Path jar = Files.write(launch.resolve("jvmm-cli.jar"), new byte[0]);
        Path lib = Files.createDirectories(launch.resolve("lib"));
        Path aot = Files.write(dir.resolve("jvmm.aot"), new byte[0]);
        List<String> args = List.of("-XX:+UseSerialGC", "--enable-native-access=io.jvmm.core", "-XX:AOTCache=" + aot,
                "--module-path", jar + ":" + lib, "-m", "io.jvmm.cli/io.jvmm.cli.Main", "jail", "--id", "x", "--", "run");
        JvmCommand c = JvmCommand.of(jdk + "/bin/java", args, jdk.toString(), jar + ":" + lib, "");
        assertEquals(List.of(jdk + "/bin/java", "-XX:+UseSerialGC", "--enable-native-access=io.jvmm.core", "-XX:AOTCache=" + aot,
                "--module-path", jar + ":" + lib, "-m", "io.jvmm.cli/io.jvmm.cli.Main"), c.prefix());
        assertEquals(List.of(jdk, aot, jar, lib), c.files());
    }

    @Test
    void aClassPathLaunchEndsAtTheMainClassAndAFileInsideABoundDirectoryIsNotBoundTwice() throws Exception {
        Path jdk = Files.createDirectories(dir.resolve("jdk"));
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path inside = Files.write(classes.resolve("x.jar"), new byte[0]);
        List<String> args = List.of("-cp", classes + ":" + inside, "-Xss2m", "io.jvmm.cli.Main", "jail");
        JvmCommand c = JvmCommand.of("java", args, jdk.toString(), "", classes + ":" + inside + ":" + dir.resolve("missing"));
        assertEquals(List.of("java", "-cp", classes + ":" + inside, "-Xss2m", "io.jvmm.cli.Main"), c.prefix());
        assertEquals(List.of(jdk, classes), c.files());
    }
}
