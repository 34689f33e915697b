package io.jvmm.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finding and asking host programs (container runtimes, QEMU, kvm-probe). */
final class Tools {
    private Tools() {
    }

    /** The program on $PATH (or /usr/sbin, /sbin, where runc lives), or null. */
    static Path which(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin:/usr/local/bin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** stdout+stderr of a short command, or "" when it fails to run within 20 s. */
    static String output(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "";
            }
            return new String(out, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** First line of {@code PROGRAM --version}, or null if it is not installed. */
    static String version(String program) {
        Path p = which(program);
        if (p == null) {
            return null;
        }
        String out = output(List.of(p.toString(), "--version"));
        return out.isEmpty() ? "" : out.lines().findFirst().orElse("");
    }
}
