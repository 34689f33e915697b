package io.jvmm.devices.virtio.blk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;

/**
 * A read-only disk made of a base image and the clusters a snapshot saved from a copy-on-write disk over
 * it ({@link CopyOnWriteBackend#saveOverlay}): a cluster the snapshot lists is read from the saved file,
 * any other from the base. A restored copy-on-write disk is a {@link CopyOnWriteBackend} over one of
 * these, so several clones share the saved file (read only, through the page cache) and each writes its
 * own overlay.
 *
 * <pre>
 *   clone's writes ─► CopyOnWriteBackend overlay (private, unlinked)
 *                        │ clusters it does not hold
 *                        ▼
 *                     SavedOverlayBackend: saved clusters ─► snapshot's overlay file (shared)
 *                        │ the others
 *                        ▼
 *                     base image (shared, read-only)
 * </pre>
 */
public final class SavedOverlayBackend implements BlockBackend {
    private final BlockBackend base;
    private final FileChannel saved;
    private final ClusterMap clusters;

    private SavedOverlayBackend(BlockBackend base, FileChannel saved, ClusterMap clusters) {
        this.base = base;
        this.saved = saved;
        this.clusters = clusters;
    }

    /**
     * The disk {@code base} with the saved clusters {@code runs} (first and last cluster of each, in order)
     * from {@code savedFile} on top. The runs and the file are untrusted: runs out of order or past the
     * disk, or a file shorter than the last saved cluster, throw IOException naming the file. This backend
     * owns and closes {@code base}.
     */
    public static SavedOverlayBackend open(BlockBackend base, Path savedFile, List<long[]> runs) throws IOException {
        Objects.requireNonNull(base, "base");
        ClusterMap map;
        try {
            map = ClusterMap.of(ClusterMap.clustersOf(base.size()),
                    runs.stream().map(r -> new ClusterMap.Run(r[0], r[1])).toList());
        } catch (IllegalArgumentException e) {
            throw new IOException(savedFile + ": " + e.getMessage());
        }
        FileChannel ch = FileChannel.open(savedFile, StandardOpenOption.READ);
        try {
            if (!runs.isEmpty()) {
                long needed = Math.min(base.size(), (runs.getLast()[1] + 1) << ClusterMap.CLUSTER_SHIFT);
                if (ch.size() < needed) {
                    throw new IOException(savedFile + ": " + ch.size() + " bytes, but its last saved cluster ends at "
                            + needed + " (the file is truncated)");
                }
            }
            return new SavedOverlayBackend(base, ch, map);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Whether cluster {@code c} comes from the saved file. */
    boolean isSaved(long c) {
        return clusters.contains(c);
    }

    ClusterMap clusters() {
        return clusters;
    }

    @Override
    public long size() {
        return base.size();
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        long end = position + dst.remaining();
        if (position < 0 || end > size() || end < position) {
            throw new EOFException("saved overlay: read of " + dst.remaining() + " bytes at " + position
                    + " past the disk's end (" + size() + " bytes)");
        }
        clusters.readLayered(position, dst, saved, base);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        throw new IOException("saved overlay: read-only");
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() throws IOException {
        try {
            saved.close();
        } finally {
            base.close();
        }
    }
}
