package io.jvmm.machine.snapshot;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a snapshot lives: its state file and its memory file; a copy-on-write disk's saved clusters go
 * beside the state file ({@link #overlayFile}). {@code jvmm run --snapshot-at}/{@code --restore} use a
 * directory ({@link #in}); Firecracker's API names the two files itself.
 *
 * <pre>
 *   DIR/state.json                    registers, devices, configuration (JSON)
 *   DIR/memory.bin                    guest RAM, sparse
 *   DIR/state.virtio-blk0.overlay     the clusters a copy-on-write disk had written, sparse
 * </pre>
 */
public record SnapshotFiles(Path stateFile, Path memoryFile) {
    public SnapshotFiles {
        Objects.requireNonNull(stateFile, "stateFile");
        Objects.requireNonNull(memoryFile, "memoryFile");
    }

    /** The directory form: {@code dir}/state.json and {@code dir}/memory.bin. */
    public static SnapshotFiles in(Path dir) {
        return new SnapshotFiles(dir.resolve(StateFile.NAME), dir.resolve(StateFile.MEMORY_NAME));
    }

    /** The directory the state file is in (created by a snapshot if need be). */
    public Path dir() {
        Path parent = stateFile.toAbsolutePath().getParent();
        return parent == null ? Path.of("/") : parent;
    }

    /** The name of the file that holds device {@code device}'s saved disk clusters, beside the state file. */
    public String overlayName(String device) {
        String name = stateFile.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return (dot > 0 ? name.substring(0, dot) : name) + "." + device + ".overlay";
    }

    /** {@link #overlayName} in {@link #dir()}. */
    public Path overlayFile(String device) {
        return dir().resolve(overlayName(device));
    }
}
