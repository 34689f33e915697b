package io.jvmm.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A memory cgroup made for one measured run, so that the peak memory of a whole process tree (a container
 * runtime and the container it starts, a VMM and its threads) can be read after it has ended: cgroup v1
 * {@code memory.max_usage_in_bytes} or cgroup v2 {@code memory.peak} (Documentation/admin-guide/cgroup-v1/
 * memory.rst section 5.1, cgroup-v2.rst "memory.peak"). Both count page cache the tree faulted in as well
 * as anonymous memory, so the figure is an upper bound of what one more instance costs.
 *
 * <p>The measured command is started through {@code /bin/sh -c 'echo $$ > cgroup.procs; exec cmd'}, so it
 * is inside the cgroup from its first instruction (charges made before a move would stay behind).
 */
final class MemoryCgroup implements AutoCloseable {
    private static final Path V1_ROOT = Path.of("/sys/fs/cgroup/memory");
    private static final Path V2_ROOT = Path.of("/sys/fs/cgroup");

    /** Cgroups not yet removed, for {@link #closeAll()} when the benchmark is interrupted. */
    private static final java.util.Set<MemoryCgroup> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final String relative;
    private final String peakFile;

    private MemoryCgroup(Path dir, String relative, String peakFile) {
        this.dir = dir;
        this.relative = relative;
        this.peakFile = peakFile;
        LIVE.add(this);
    }

    /** Removes every cgroup still there (the benchmark was interrupted; its children are gone). */
    static void closeAll() {
        for (MemoryCgroup c : LIVE) {
            c.close();
        }
    }

    /** Creates {@code name} under the memory hierarchy's root; null (with the reason in {@code why}) when not possible. */
    static MemoryCgroup create(String name, StringBuilder why) {
        try {
            if (Files.isDirectory(V1_ROOT) && Files.exists(V1_ROOT.resolve("memory.max_usage_in_bytes"))) {
                Path d = Files.createDirectories(V1_ROOT.resolve(name));
                return new MemoryCgroup(d, "/" + name, "memory.max_usage_in_bytes");
            }
            if (Files.exists(V2_ROOT.resolve("cgroup.controllers"))
                    && Files.readString(V2_ROOT.resolve("cgroup.subtree_control")).contains("memory")) {
                Path d = Files.createDirectories(V2_ROOT.resolve(name));
                if (Files.exists(d.resolve("memory.peak"))) {
                    return new MemoryCgroup(d, "/" + name, "memory.peak");
                }
                Files.deleteIfExists(d);
                why.append("cgroup v2 without memory.peak (kernel older than 5.19)");
                return null;
            }
            why.append("no memory cgroup controller mounted");
        } catch (IOException | RuntimeException e) {
            why.append("cannot create a memory cgroup: ").append(e.getMessage());
        }
        return null;
    }

    /** {@code cmd}, started inside this cgroup. */
    List<String> wrap(List<String> cmd) {
        List<String> w = new ArrayList<>(List.of("/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"",
                dir.resolve("cgroup.procs").toString()));
        w.addAll(cmd);
        return w;
    }

    /** Path of a child cgroup for a container (an OCI {@code linux.cgroupsPath}), so that it is counted here. */
    String childPath(String child) {
        return relative + "/" + child;
    }

    /** Peak memory of everything that ran in this cgroup (and its children), KiB. */
    long peakKiB() throws IOException {
        return Long.parseLong(Files.readString(dir.resolve(peakFile)).trim()) / 1024;
    }

    @Override
    public void close() {
        LIVE.remove(this);
        // Child cgroups are removed by the runtime when it deletes the container; retry briefly for stragglers.
        for (int i = 0; i < 20; i++) {
            try {
                try (var children = Files.list(dir)) {
                    for (Path p : children.filter(Files::isDirectory).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
