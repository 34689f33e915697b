package io.jvmm.cli.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The exit-path comparison's C floor: {@code exit-path-floor.c} (a resource of this package: the same guest
 * as {@link io.jvmm.machine.ExitPathProbe} in a bare KVM_RUN loop) compiled with gcc into the benchmark's work
 * directory. Without gcc (or the kernel headers) the C row is skipped, and the report says why.
 */
final class ExitPathFloor {
    static final String SOURCE = "exit-path-floor.c";
    static final String INSTALL = "apt-get install -y gcc libc6-dev linux-libc-dev";

    private ExitPathFloor() {
    }

    /** The built program, or null with the reason in {@code why}. */
    static Path build(Path workDir, StringBuilder why) {
        Path gcc = Tools.which("gcc");
        if (gcc == null) {
            why.append("gcc not found: the C floor (").append(SOURCE).append(") was skipped (Debian: ").append(INSTALL).append(")");
            return null;
        }
        try (InputStream in = ExitPathFloor.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                why.append(SOURCE).append(" is missing from jvmm's jar");
                return null;
            }
            Path src = workDir.resolve(SOURCE);
            Files.write(src, in.readAllBytes());
            Path bin = workDir.resolve("exit-path-floor");
            Process p = new ProcessBuilder(List.of(gcc.toString(), "-O2", "-o", bin.toString(), src.toString()))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0 || !Files.isExecutable(bin)) {
                why.append("gcc could not build ").append(SOURCE).append(" (").append(INSTALL).append("): ")
                        .append(out.lines().limit(3).reduce((a, b) -> a + " / " + b).orElse(""));
                return null;
            }
            return bin;
        } catch (IOException e) {
            why.append("building ").append(SOURCE).append(" failed: ").append(e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why.append("interrupted while building ").append(SOURCE);
            return null;
        }
    }
}
