package io.jvmm.devices.virtio.blk;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;

import static io.jvmm.devices.virtio.blk.CopyOnWriteBackend.CLUSTER_SIZE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The overlay itself: writes land in it, the base file never changes, partial clusters are copied up. */
class CopyOnWriteBackendTest {
    /** Three whole clusters and a partial one: the last cluster ends with the disk. */
    static final int SIZE = 3 * CLUSTER_SIZE + 1536;
    static final FileTime OLD = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));

    @TempDir
    Path dir;
    Path baseFile;
    byte[] baseBytes;

    @BeforeEach
    void makeBase() throws IOException {
        baseBytes = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            baseBytes[i] = (byte) (i * 7 + 3);
        }
        baseFile = Files.createDirectories(dir.resolve("base")).resolve("rootfs.ext4");
        Files.write(baseFile, baseBytes);
        Files.setLastModifiedTime(baseFile, OLD);
    }

    private CopyOnWriteBackend open() throws IOException {
        return CopyOnWriteBackend.over(RawFileBackend.open(baseFile, true), Files.createDirectories(dir.resolve("tmp")));
    }

    private static byte[] read(BlockBackend b, long pos, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(len);
        b.read(pos, buf);
        assertFalse(buf.hasRemaining());
        return buf.array();
    }

    private static byte[] filled(int len, int value) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private void assertBaseUnchanged() throws IOException {
        assertArrayEquals(baseBytes, Files.readAllBytes(baseFile), "base image bytes");
        assertEquals(OLD, Files.getLastModifiedTime(baseFile), "base image mtime");
    }

    @Test
    void aWriteReadsBackAndTheBaseIsUntouched() throws IOException {
        try (CopyOnWriteBackend d = open()) {
            assertFalse(d.readOnly());
            assertEquals(SIZE, d.size());
            d.write(CLUSTER_SIZE, ByteBuffer.wrap(filled(CLUSTER_SIZE, 0x55)));
            assertArrayEquals(filled(CLUSTER_SIZE, 0x55), read(d, CLUSTER_SIZE, CLUSTER_SIZE));
            assertEquals(1, d.clustersInOverlay());
            // A read spanning base, overlay, base clusters returns each from its place.
            byte[] expected = baseBytes.clone();
            Arrays.fill(expected, CLUSTER_SIZE, 2 * CLUSTER_SIZE, (byte) 0x55);
            assertArrayEquals(expected, read(d, 0, SIZE));
        }
        assertBaseUnchanged();
    }

    @Test
    void aPartialWriteKeepsTheRestOfItsClusterFromTheBase() throws IOException {
        try (CopyOnWriteBackend d = open()) {
            // One sector in the middle of cluster 0, and an unaligned write straddling clusters 1 and 2.
            d.write(1024, ByteBuffer.wrap(filled(512, 0x11)));
            d.write(2 * CLUSTER_SIZE - 100, ByteBuffer.wrap(filled(300, 0x22)));
            byte[] expected = baseBytes.clone();
            Arrays.fill(expected, 1024, 1536, (byte) 0x11);
            Arrays.fill(expected, 2 * CLUSTER_SIZE - 100, 2 * CLUSTER_SIZE + 200, (byte) 0x22);
            assertArrayEquals(expected, read(d, 0, SIZE));
            assertEquals(3, d.clustersInOverlay());
            // A second partial write to a copied-up cluster keeps the first one's bytes.
            d.write(0, ByteBuffer.wrap(filled(512, 0x33)));
            Arrays.fill(expected, 0, 512, (byte) 0x33);
            assertArrayEquals(expected, read(d, 0, SIZE));
        }
        assertBaseUnchanged();
    }

    @Test
    void theLastPartialClusterAndALargeWriteSpanningEverything() throws IOException {
        try (CopyOnWriteBackend d = open()) {
            d.write(SIZE - 512, ByteBuffer.wrap(filled(512, 0x44)));
            byte[] expected = baseBytes.clone();
            Arrays.fill(expected, SIZE - 512, SIZE, (byte) 0x44);
            assertArrayEquals(expected, read(d, 0, SIZE));
            byte[] all = filled(SIZE - 512, 0x66);
            d.write(512, ByteBuffer.wrap(all));
            Arrays.fill(expected, 512, SIZE, (byte) 0x66);
            assertArrayEquals(expected, read(d, 0, SIZE));
            assertEquals(4, d.clustersInOverlay());
        }
        assertBaseUnchanged();
    }

    /** Random reads and writes at any offset and length agree with a plain byte array. */
    @Test
    void agreesWithAByteArrayModelUnderRandomTraffic() throws IOException {
        java.util.Random rnd = new java.util.Random(42);
        byte[] model = baseBytes.clone();
        try (CopyOnWriteBackend d = open()) {
            for (int i = 0; i < 2000; i++) {
                int pos = rnd.nextInt(SIZE);
                int len = rnd.nextInt(Math.min(SIZE - pos, 3 * CLUSTER_SIZE) + 1);
                if (rnd.nextBoolean()) {
                    byte[] data = new byte[len];
                    rnd.nextBytes(data);
                    d.write(pos, ByteBuffer.wrap(data));
                    System.arraycopy(data, 0, model, pos, len);
                } else {
                    assertArrayEquals(Arrays.copyOfRange(model, pos, pos + len), read(d, pos, len), "read " + len + " at " + pos);
                }
            }
            assertArrayEquals(model, read(d, 0, SIZE));
        }
        assertBaseUnchanged();
    }

    @Test
    void flushSucceedsAndNeitherWritesTheBaseNorLosesData() throws IOException {
        try (CopyOnWriteBackend d = open()) {
            d.write(0, ByteBuffer.wrap(filled(CLUSTER_SIZE, 0x77)));
            d.flush();
            assertArrayEquals(filled(CLUSTER_SIZE, 0x77), read(d, 0, CLUSTER_SIZE));
            assertBaseUnchanged();
        }
    }

    @Test
    void theOverlayHasNoNameAndIsGoneAtClose() throws IOException {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        try (CopyOnWriteBackend d = open()) {
            d.write(0, ByteBuffer.wrap(filled(512, 1)));
            try (var files = Files.list(tmp)) {
                assertEquals(0, files.count(), "the overlay is unlinked as soon as it is open");
            }
        }
        try (CopyOnWriteBackend again = open()) {
            assertArrayEquals(Arrays.copyOf(baseBytes, 512), read(again, 0, 512), "a new overlay starts from the base");
        }
    }

    @Test
    void outOfRangeRequestsFailWithoutTouchingAnything() throws IOException {
        try (CopyOnWriteBackend d = open()) {
            assertThrows(IOException.class, () -> d.write(SIZE - 256, ByteBuffer.allocate(512)));
            assertThrows(IOException.class, () -> d.write(-512, ByteBuffer.allocate(512)));
            assertThrows(IOException.class, () -> d.read(SIZE, ByteBuffer.allocate(1)));
            assertEquals(0, d.clustersInOverlay());
        }
        assertBaseUnchanged();
    }

    @Test
    void aFailedCopyUpLeavesTheClusterReadingFromTheBase() throws IOException {
        MemoryBlockBackend base = new MemoryBlockBackend(2 * CLUSTER_SIZE, true);
        Arrays.fill(base.data(), (byte) 9);
        try (CopyOnWriteBackend d = CopyOnWriteBackend.over(base, dir)) {
            base.fail = true;
            assertThrows(IOException.class, () -> d.write(512, ByteBuffer.wrap(filled(512, 1))));
            base.fail = false;
            assertEquals(0, d.clustersInOverlay());
            assertArrayEquals(filled(2 * CLUSTER_SIZE, 9), read(d, 0, 2 * CLUSTER_SIZE));
            assertEquals(0, base.outOfRange, "the base saw no write and no out-of-range request");
        }
    }

    @Test
    void aMissingTempDirectoryIsNamed() throws IOException {
        RawFileBackend base = RawFileBackend.open(baseFile, true);
        IOException e = assertThrows(IOException.class, () -> CopyOnWriteBackend.over(base, dir.resolve("nope")));
        base.close();
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }
}
