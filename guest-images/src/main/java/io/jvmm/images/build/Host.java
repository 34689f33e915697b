package io.jvmm.images.build;

import io.jvmm.images.ImageBuildException;
import io.jvmm.images.ProgressSink;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The build's one gate to host programs (make, mke2fs, dpkg-query, apt-get). Every failure names
 * the step and shows the last lines the program printed.
 */
public final class Host {
    private static final int TAIL_LINES = 15;

    /**
     * Runs {@code command} in {@code dir} with extra environment {@code env}, passing each output
     * line (stdout and stderr merged) to {@code lines}; returns the whole output.
     */
    public String run(String step, List<String> command, Path dir, Map<String, String> env,
                      Consumer<String> lines) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        Deque<String> tail = new ArrayDeque<>();
        StringBuilder all = new StringBuilder();
        int rc;
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    all.append(line).append('\n');
                    tail.addLast(line);
                    if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                    lines.accept(line);
                }
            }
            rc = p.waitFor();
        } catch (IOException e) {
            throw new ImageBuildException(step + ": cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageBuildException(step + ": interrupted", e);
        }
        if (rc != 0) {
            throw new ImageBuildException(step + ": `" + String.join(" ", command) + "` exited with status " + rc
                    + (tail.isEmpty() ? "" : "; last output:\n  " + String.join("\n  ", tail)));
        }
        return all.toString();
    }

    public String run(String step, String... command) {
        return run(step, List.of(command), null, Map.of(), line -> { });
    }

    /** The installed version of a Debian package, or empty when it is not installed. */
    public Optional<String> packageVersion(String pkg) {
        try {
            Process p = new ProcessBuilder("dpkg-query", "-W", "-f", "${db:Status-Status} ${Version}", pkg)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0 || !out.startsWith("installed ")) {
                return Optional.empty();
            }
            return Optional.of(out.substring("installed ".length()));
        } catch (IOException e) {
            throw new ImageBuildException("dpkg-query not found: guest images are built from Debian packages"
                    + " and need a Debian-based host", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageBuildException("dpkg-query interrupted", e);
        }
    }

    /**
     * Installs whichever of {@code packages} are missing with apt-get (non-interactive), saying so
     * first; fails with one line when apt-get is unavailable or we are not root.
     */
    public void ensurePackages(List<String> packages, ProgressSink progress) {
        List<String> missing = new ArrayList<>();
        for (String pkg : packages) {
            if (packageVersion(pkg).isEmpty()) {
                missing.add(pkg);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String list = String.join(" ", missing);
        if (findOnPath("apt-get").isEmpty()) {
            throw new ImageBuildException("apt-get not found: install these Debian packages and retry: " + list);
        }
        if (!isRoot()) {
            throw new ImageBuildException("missing Debian packages and not root: run `sudo apt-get install -y "
                    + list + "` and retry");
        }
        progress.progress("installing missing Debian packages with apt-get: " + list);
        Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
        run("apt-get update", List.of("apt-get", "update", "-q"), null, env, line -> { });
        List<String> install = new ArrayList<>(List.of("apt-get", "install", "-y", "-q", "--no-install-recommends"));
        install.addAll(missing);
        run("apt-get install " + list, install, null, env, line -> { });
        progress.progress("installed " + list);
    }

    /** Effective uid 0: /proc/self belongs to the process's effective user. */
    static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    public static Optional<Path> findOnPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
