package io.jvmm.devices.virtio.blk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Which 4 KiB clusters of a disk are set: a bitmap in pages of 4096 longs, each page covering 2^18
 * clusters (1 GiB of disk) and allocated on the first set bit in it. Used by {@link CopyOnWriteBackend}
 * for the clusters its overlay holds and by {@link SavedOverlayBackend} for those a snapshot saved.
 * Not thread-safe: its owner serializes access.
 */
final class ClusterMap {
    static final int CLUSTER_SHIFT = 12;
    private static final int PAGE_SHIFT = 18;

    /** Clusters {@code first} to {@code last}, both included. */
    record Run(long first, long last) {
    }

    private final long clusters;
    private final long[][] pages;
    private long count;

    /** A map of {@code clusters} clusters, none set. */
    ClusterMap(long clusters) {
        this.clusters = clusters;
        this.pages = new long[(int) ((clusters + (1L << PAGE_SHIFT) - 1) >>> PAGE_SHIFT)][];
    }

    /** The clusters of a disk of {@code bytes} bytes (a last partial cluster counts). */
    static long clustersOf(long bytes) {
        return (bytes + (1L << CLUSTER_SHIFT) - 1) >>> CLUSTER_SHIFT;
    }

    /**
     * A map with {@code runs} set. The runs are untrusted (they come from a snapshot): each must lie
     * inside the disk, start after the previous one ends and not be empty, else IllegalArgumentException.
     */
    static ClusterMap of(long clusters, List<Run> runs) {
        ClusterMap m = new ClusterMap(clusters);
        long next = 0;
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            if (r.first() < next || r.last() < r.first() || r.last() >= clusters) {
                throw new IllegalArgumentException("cluster run " + i + " [" + r.first() + ", " + r.last()
                        + "] is not in order, empty or past the disk's " + clusters + " clusters");
            }
            m.set(r.first(), r.last());
            next = r.last() + 1;
        }
        return m;
    }

    boolean contains(long cluster) {
        long[] page = pages[(int) (cluster >>> PAGE_SHIFT)];
        int bit = (int) (cluster & ((1L << PAGE_SHIFT) - 1));
        return page != null && (page[bit >>> 6] & (1L << bit)) != 0;
    }

    /** Sets clusters {@code first} to {@code last}, both included. */
    void set(long first, long last) {
        for (long c = first; c <= last; c++) {
            int p = (int) (c >>> PAGE_SHIFT);
            if (pages[p] == null) {
                pages[p] = new long[1 << (PAGE_SHIFT - 6)];
            }
            int bit = (int) (c & ((1L << PAGE_SHIFT) - 1));
            if ((pages[p][bit >>> 6] & (1L << bit)) == 0) {
                pages[p][bit >>> 6] |= 1L << bit;
                count++;
            }
        }
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code position} of a layered disk: each run of clusters set in
     * this map from {@code upper} (at the same offsets), each run of the others from {@code lower}. The
     * caller has checked the range against the disk's size.
     */
    void readLayered(long position, ByteBuffer dst, FileChannel upper, BlockBackend lower) throws IOException {
        long end = position + dst.remaining();
        long pos = position;
        while (pos < end) {
            boolean fromUpper = contains(pos >>> CLUSTER_SHIFT);
            long runEnd = Math.min(end, ((pos >>> CLUSTER_SHIFT) + 1) << CLUSTER_SHIFT);
            while (runEnd < end && contains(runEnd >>> CLUSTER_SHIFT) == fromUpper) {
                runEnd = Math.min(end, runEnd + (1L << CLUSTER_SHIFT));
            }
            int n = (int) (runEnd - pos);
            ByteBuffer piece = dst.slice(dst.position(), n);
            if (fromUpper) {
                CopyOnWriteBackend.readFully(upper, pos, piece);
            } else {
                lower.read(pos, piece);
            }
            dst.position(dst.position() + n);
            pos = runEnd;
        }
    }

    /** How many clusters are set. */
    long count() {
        return count;
    }

    /** The set clusters as runs, in order; a cluster set in {@code also} (may be null) counts as set. */
    List<Run> runs(ClusterMap also) {
        List<Run> runs = new ArrayList<>();
        long start = -1;
        for (long c = 0; c < clusters; c++) {
            if (pages[(int) (c >>> PAGE_SHIFT)] == null && (also == null || also.pages[(int) (c >>> PAGE_SHIFT)] == null)) {
                if (start >= 0) {
                    runs.add(new Run(start, c - 1));
                    start = -1;
                }
                c = ((c >>> PAGE_SHIFT) + 1 << PAGE_SHIFT) - 1; // skip the empty page
                continue;
            }
            boolean set = contains(c) || (also != null && also.contains(c));
            if (set && start < 0) {
                start = c;
            } else if (!set && start >= 0) {
                runs.add(new Run(start, c - 1));
                start = -1;
            }
        }
        if (start >= 0) {
            runs.add(new Run(start, clusters - 1));
        }
        return runs;
    }
}
