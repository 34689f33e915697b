package io.jvmm.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code jvmm} as a separate process, as a user would, on the module path this test JVM was given
 * (the freshly built modules and their dependencies), and captures stdout, stderr and the exit status.
 */
final class JvmmProcess {
    record Result(int status, String stdout, String stderr) {
    }

    private JvmmProcess() {
    }

    /** The command line that runs jvmm with {@code args} in a new JVM. */
    static List<String> command(String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String modulePath = System.getProperty("jdk.module.path");
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=io.jvmm.core"));
        if (modulePath != null && !modulePath.isEmpty()) {
            cmd.addAll(List.of("--module-path", modulePath, "-m", "io.jvmm.cli/io.jvmm.cli.Main"));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.jvmm.cli.Main"));
        }
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Result run(long timeoutSeconds, byte[] stdin, String... args) throws IOException, InterruptedException {
        return run(timeoutSeconds, stdin, command(args));
    }

    /** Runs {@code command} (a {@link #command} line, perhaps behind a prefix such as {@code ip netns exec NS}). */
    static Result run(long timeoutSeconds, byte[] stdin, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within " + timeoutSeconds
                    + " s; stdout so far:\n" + out.getNow("") + "\nstderr:\n" + err.getNow(""));
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    private static String drain(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }
}
