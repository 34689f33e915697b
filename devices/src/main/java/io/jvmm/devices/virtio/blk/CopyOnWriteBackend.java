package io.jvmm.devices.virtio.blk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A writable disk over a read-only base image whose writes never reach the base: they go to a private
 * overlay, and reads take each cluster from the overlay once it was written there, else from the base.
 * The overlay is a sparse temporary file, unlinked as soon as it is open, so it holds no name anyone
 * else can open and its blocks are freed when the process ends, however it ends (QEMU's {@code -snapshot}
 * works the same way). Guest changes are therefore discarded at exit.
 *
 * <pre>
 *   disk offset  0        4096      8192      12288
 *                | base   | overlay | base    | overlay |   present[] = 0 1 0 1
 *   overlay file: same offsets, holes where present[c] = 0
 * </pre>
 *
 * A write covering a whole cluster goes straight to the overlay; a partial write to a cluster not yet
 * there copies the cluster up from the base first (read, patch, write), then marks it present. The
 * mark follows the write, so a failed write leaves the cluster reading from the base.
 */
public final class CopyOnWriteBackend implements BlockBackend {
    public static final int CLUSTER_SIZE = 4096;
    private static final int CLUSTER_SHIFT = ClusterMap.CLUSTER_SHIFT;

    private final BlockBackend base;
    private final FileChannel overlay;
    private final long size;
    private final ClusterMap present;

    private CopyOnWriteBackend(BlockBackend base, FileChannel overlay) {
        this.base = base;
        this.overlay = overlay;
        this.size = base.size();
        this.present = new ClusterMap(ClusterMap.clustersOf(size));
    }

    /**
     * An overlay over {@code base} (opened read-only by the caller; this backend owns and closes it),
     * with its temporary file in {@code tempDir}. Throws naming the directory when the file cannot be made.
     */
    public static CopyOnWriteBackend over(BlockBackend base, Path tempDir) throws IOException {
        Objects.requireNonNull(base);
        Path file;
        try {
            file = Files.createTempFile(tempDir, "jvmm-overlay-", ".img");
        } catch (IOException e) {
            throw new IOException("copy-on-write overlay in " + tempDir + ": cannot create a file: " + e.getMessage(), e);
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            return new CopyOnWriteBackend(base, ch);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            throw e;
        } finally {
            Files.deleteIfExists(file); // the open channel keeps the (nameless) file until it is closed
        }
    }

    /** Clusters written so far (each {@link #CLUSTER_SIZE} bytes of the overlay). */
    public long clustersInOverlay() {
        return present.count();
    }

    /**
     * Writes every cluster this disk does not read from its base image — those in its overlay and, when the
     * base is a {@link SavedOverlayBackend}, those saved before — at their own offsets into {@code out} (an empty
     * file; it stays sparse between the runs), and returns them as runs {first, last} in order: what
     * {@link SavedOverlayBackend#open} takes back. For a snapshot: the caller makes sure no request runs
     * meanwhile (the machine is paused).
     */
    public java.util.List<long[]> saveOverlay(FileChannel out) throws IOException {
        ClusterMap older = base instanceof SavedOverlayBackend s ? s.clusters() : null;
        java.util.List<ClusterMap.Run> runs = present.runs(older);
        ByteBuffer buf = ByteBuffer.allocateDirect(256 * CLUSTER_SIZE);
        for (ClusterMap.Run r : runs) {
            long pos = r.first() << CLUSTER_SHIFT;
            long end = Math.min(size, (r.last() + 1) << CLUSTER_SHIFT);
            while (pos < end) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                read(pos, buf);
                buf.flip();
                writeFully(out, pos, buf);
                pos += buf.limit();
            }
        }
        return runs.stream().map(r -> new long[] {r.first(), r.last()}).toList();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        long end = position + dst.remaining();
        if (position < 0 || end > size || end < position) {
            throw new EOFException("copy-on-write disk: read of " + dst.remaining() + " bytes at " + position
                    + " past its end (" + size + " bytes)");
        }
        present.readLayered(position, dst, overlay, base);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        long end = position + src.remaining();
        if (position < 0 || end > size || end < position) {
            throw new IOException("copy-on-write disk: write of " + src.remaining() + " bytes at " + position
                    + " past its end (" + size + " bytes)");
        }
        long pos = position;
        while (pos < end) {
            long c = pos >>> CLUSTER_SHIFT;
            long clusterStart = c << CLUSTER_SHIFT;
            long clusterEnd = Math.min(clusterStart + CLUSTER_SIZE, size);
            long pieceEnd = Math.min(end, clusterEnd);
            if (isPresent(c) || (pos == clusterStart && pieceEnd == clusterEnd)) {
                // Whole clusters, or clusters already copied up: extend over every such following cluster.
                while (pieceEnd < end) {
                    long next = pieceEnd >>> CLUSTER_SHIFT;
                    long nextEnd = Math.min((next + 1) << CLUSTER_SHIFT, size);
                    if (!isPresent(next) && nextEnd > end) {
                        break; // a partial, not yet copied cluster: copy it up on the next turn
                    }
                    pieceEnd = Math.min(end, nextEnd);
                }
                int n = (int) (pieceEnd - pos);
                writeFully(overlay, pos, src.slice(src.position(), n));
                markPresent(c, (pieceEnd - 1) >>> CLUSTER_SHIFT);
                src.position(src.position() + n);
            } else {
                ByteBuffer cluster = ByteBuffer.allocate((int) (clusterEnd - clusterStart));
                base.read(clusterStart, cluster);
                int n = (int) (pieceEnd - pos);
                cluster.put((int) (pos - clusterStart), src, src.position(), n);
                writeFully(overlay, clusterStart, cluster.clear());
                markPresent(c, c);
                src.position(src.position() + n);
            }
            pos = pieceEnd;
        }
    }

    /**
     * Nothing to make durable: the overlay is discarded when the process ends, by design, and the base
     * is never written. Completed writes are already visible to later reads.
     */
    @Override
    public void flush() {
    }

    @Override
    public void close() throws IOException {
        try {
            overlay.close();
        } finally {
            base.close();
        }
    }

    private boolean isPresent(long cluster) {
        return present.contains(cluster);
    }

    private void markPresent(long first, long last) {
        present.set(first, last);
    }

    static void readFully(FileChannel ch, long position, ByteBuffer dst) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                // A cluster marked present was written whole, so the overlay reaches at least its end.
                throw new EOFException("copy-on-write overlay ends early at " + pos);
            }
            pos += n;
        }
    }

    private static void writeFully(FileChannel ch, long position, ByteBuffer src) throws IOException {
        long pos = position;
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
    }
}
