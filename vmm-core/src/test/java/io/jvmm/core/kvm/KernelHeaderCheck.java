package io.jvmm.core.kvm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Compiles a C program against the real {@code <linux/kvm.h>} with gcc and returns what it prints:
 * one {@code name value} line per expression. The ground truth for struct layouts and ioctl numbers.
 */
public final class KernelHeaderCheck {
    private KernelHeaderCheck() {
    }

    public static boolean available() {
        return Files.exists(Path.of("/usr/include/linux/kvm.h")) && onPath("gcc");
    }

    public static String unavailableReason() {
        return "needs gcc and /usr/include/linux/kvm.h: apt-get install gcc linux-libc-dev (or run .ci/install-test-tools)";
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Evaluates each C expression (cast to unsigned long long) and returns name → value. */
    static Map<String, Long> evaluate(Map<String, String> expressions) throws IOException, InterruptedException {
        return evaluate("#include <linux/kvm.h>\n", expressions);
    }

    /** The same, with {@code prelude} (defines and includes) before {@code main} instead of linux/kvm.h. */
    public static Map<String, Long> evaluate(String prelude, Map<String, String> expressions)
            throws IOException, InterruptedException {
        // The prelude goes first: a _GNU_SOURCE in it must precede every system header.
        StringBuilder c = new StringBuilder(prelude).append("""
                #include <stddef.h>
                #include <stdio.h>
                int main(void) {
                """);
        expressions.forEach((name, expr) -> c.append("    printf(\"%s %llu\\n\", \"").append(name)
                .append("\", (unsigned long long)(").append(expr).append("));\n"));
        c.append("    return 0;\n}\n");
        Path dir = Files.createTempDirectory("jvmm-kvmh");
        try {
            Path src = dir.resolve("check.c");
            Path exe = dir.resolve("check");
            Files.writeString(src, c);
            run(dir, "gcc", "-o", exe.toString(), src.toString());
            String out = run(dir, exe.toString());
            Map<String, Long> values = new LinkedHashMap<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    String[] p = line.split(" ");
                    values.put(p[0], Long.parseUnsignedLong(p[1]));
                }
            }
            return values;
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed:\n" + out);
        }
        return out;
    }
}
