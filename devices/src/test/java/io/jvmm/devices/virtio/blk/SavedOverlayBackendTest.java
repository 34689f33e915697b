package io.jvmm.devices.virtio.blk;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

import static io.jvmm.devices.virtio.blk.CopyOnWriteBackend.CLUSTER_SIZE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A copy-on-write disk's writes saved for a snapshot ({@link CopyOnWriteBackend#saveOverlay}) and read back
 * under a new copy-on-write disk ({@link SavedOverlayBackend}): a restored clone sees what the snapshotted
 * disk saw, writes privately, and a snapshot of the clone holds both layers.
 */
class SavedOverlayBackendTest {
    /** Five whole clusters and a partial one. */
    static final int SIZE = 5 * CLUSTER_SIZE + 1024;

    @TempDir
    Path dir;
    Path baseFile;
    byte[] baseBytes;

    @BeforeEach
    void makeBase() throws IOException {
        baseBytes = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            baseBytes[i] = (byte) (i * 13 + 1);
        }
        baseFile = dir.resolve("base.img");
        Files.write(baseFile, baseBytes);
        Files.createDirectories(dir.resolve("tmp"));
    }

    private static byte[] read(BlockBackend b) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) b.size());
        b.read(0, buf);
        return buf.array();
    }

    private static void write(BlockBackend b, long pos, byte[] data) throws IOException {
        b.write(pos, ByteBuffer.wrap(data));
    }

    private static byte[] filled(int len, int v) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) v);
        return b;
    }

    private List<long[]> save(CopyOnWriteBackend cow, Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            return cow.saveOverlay(ch);
        }
    }

    /** As the machine opens a restored copy-on-write disk: on failure the caller still owns the base. */
    private CopyOnWriteBackend restore(Path saved, List<long[]> runs) throws IOException {
        RawFileBackend base = RawFileBackend.open(baseFile, true);
        try {
            return CopyOnWriteBackend.over(SavedOverlayBackend.open(base, saved, runs), dir.resolve("tmp"));
        } catch (IOException | RuntimeException e) {
            base.close();
            throw e;
        }
    }

    @Test
    void aRestoredDiskReadsWhatTheSnapshottedOneHadAndWritesPrivately() throws IOException {
        byte[] expected = baseBytes.clone();
        Path saved = dir.resolve("snap.overlay");
        List<long[]> runs;
        try (CopyOnWriteBackend cow = CopyOnWriteBackend.over(RawFileBackend.open(baseFile, true), dir.resolve("tmp"))) {
            write(cow, 100, filled(10, 0xaa));                      // partial cluster 0
            write(cow, 2L * CLUSTER_SIZE, filled(2 * CLUSTER_SIZE, 0)); // clusters 2-3, zeros: must not read from base
            write(cow, 5L * CLUSTER_SIZE + 10, filled(5, 0xbb));    // the partial last cluster
            System.arraycopy(filled(10, 0xaa), 0, expected, 100, 10);
            System.arraycopy(filled(2 * CLUSTER_SIZE, 0), 0, expected, 2 * CLUSTER_SIZE, 2 * CLUSTER_SIZE);
            System.arraycopy(filled(5, 0xbb), 0, expected, 5 * CLUSTER_SIZE + 10, 5);
            assertArrayEquals(expected, read(cow));
            runs = save(cow, saved);
        }
        assertEquals("[0, 0] [2, 3] [5, 5]", describe(runs));

        try (CopyOnWriteBackend a = restore(saved, runs); CopyOnWriteBackend b = restore(saved, runs)) {
            assertArrayEquals(expected, read(a), "clone a sees the snapshotted disk");
            write(a, CLUSTER_SIZE + 7, filled(3, 0xcc));
            assertArrayEquals(expected, read(b), "clone b does not see clone a's write");
            byte[] expectedA = expected.clone();
            System.arraycopy(filled(3, 0xcc), 0, expectedA, CLUSTER_SIZE + 7, 3);
            assertArrayEquals(expectedA, read(a));

            // A snapshot of clone a holds the older saved clusters and its own.
            Path again = dir.resolve("again.overlay");
            List<long[]> runsA = save(a, again);
            assertEquals("[0, 3] [5, 5]", describe(runsA));
            try (CopyOnWriteBackend c = restore(again, runsA)) {
                assertArrayEquals(expectedA, read(c), "a clone of a clone");
            }
        }
        assertArrayEquals(baseBytes, Files.readAllBytes(baseFile), "the base never changes");
    }

    @Test
    void savedClustersOutOfOrderOrPastTheDiskOrATruncatedFileAreRefused() throws IOException {
        Path saved = dir.resolve("snap.overlay");
        Files.write(saved, new byte[2 * CLUSTER_SIZE]);
        for (List<long[]> bad : List.of(List.of(new long[] {2, 1}), List.of(new long[] {0, 0}, new long[] {0, 1}),
                List.of(new long[] {0, 6}), List.of(new long[] {-1, 0}))) {
            IOException e = assertThrows(IOException.class, () -> restore(saved, bad).close(), describe(bad));
            assertTrue(e.getMessage().startsWith(saved.toString()), e.getMessage());
        }
        IOException e = assertThrows(IOException.class, () -> restore(saved, List.of(new long[] {4, 4})).close());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    private static String describe(List<long[]> runs) {
        return String.join(" ", runs.stream().map(Arrays::toString).toList());
    }
}
