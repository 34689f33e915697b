package io.jvmm.cli.bench;

import io.jvmm.cli.UserError;
import io.jvmm.machine.snapshot.SnapshotFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The snapshot every restore, clone and density run of one {@code jvmm bench} starts from: the default
 * minimal guest (its kernel, initramfs and copy-on-write root disk, no {@code jvmm.cmd}, so /init starts an
 * interactive shell), booted once by {@code jvmm run --snapshot-at ready --exit-after-snapshot} into the
 * benchmark's work directory, or a directory given with {@code --snapshot}. Made on first use.
 */
final class GuestSnapshot {
    private final BenchSystem.Setup setup;
    private final Path given;
    private Path dir;
    private String error;
    private final Map<String, Object> description = new LinkedHashMap<>();

    GuestSnapshot(BenchSystem.Setup setup, Path given) {
        this.setup = setup;
        this.given = given;
    }

    /** The snapshot directory, made now if need be. */
    synchronized Path dir(Progress progress) throws IOException, InterruptedException {
        if (dir != null) {
            return dir;
        }
        if (error != null) {
            throw new IllegalStateException(error);
        }
        if (given != null) {
            if (!Files.isRegularFile(SnapshotFiles.in(given).stateFile())) {
                throw new UserError("--snapshot " + given + ": no snapshot there (state.json missing)");
            }
            description.put("source", "given with --snapshot");
            dir = given.toAbsolutePath();
        } else {
            Path d = setup.workDir().resolve("snapshot");
            List<String> cmd = new ArrayList<>(setup.javaCommand());
            cmd.addAll(List.of("run", "--memory", (setup.memoryBytes() >> 10) + "K", "--snapshot-at", "ready",
                    "--snapshot-dir", d.toString(), "--exit-after-snapshot", "--timeout", Long.toString(setup.timeoutSeconds())));
            progress.note("making the snapshot the restores start from: booting the default minimal guest to its shell "
                    + "prompt (jvmm run --snapshot-at ready --exit-after-snapshot)");
            long t0 = System.nanoTime();
            ChildProcess.Result r = ChildProcess.run(cmd, null, null, setup.timeoutSeconds() + 30, progress);
            double ms = (System.nanoTime() - t0) / 1e6;
            if (r.status() != 0 || !Files.isRegularFile(SnapshotFiles.in(d).stateFile())) {
                error = "making the snapshot failed (jvmm run --snapshot-at ready ended with status " + r.status() + "): "
                        + r.stderrTail();
                throw new IllegalStateException(error);
            }
            description.put("source", "made by this run: jvmm run --snapshot-at ready --exit-after-snapshot of the default "
                    + "minimal guest (vmlinux, initramfs, copy-on-write root disk; /init starts an interactive shell)");
            description.put("command", String.join(" ", cmd.subList(setup.javaCommand().size(), cmd.size())));
            description.put("bootAndSnapshotMs", ms);
            progress.note(String.format(java.util.Locale.ROOT, "snapshot made in %s", Reports.ms(ms)));
            dir = d;
        }
        Path mem = memoryFile();
        description.put("dir", dir.toString());
        description.put("memoryFileBytes", Files.size(mem));
        return dir;
    }

    /** The guest RAM file of the snapshot (every restore maps it). */
    Path memoryFile() {
        return SnapshotFiles.in(dir).memoryFile().toAbsolutePath().normalize();
    }

    /** Where the snapshot came from, for the report's settings; empty when none was needed. */
    Map<String, Object> description() {
        return description;
    }
}
