package io.jvmm.devices.virtio.blk;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** What every {@link BlockBackend} must do, run against each implementation. */
class BlockBackendContractTest {
    private static final int SIZE = 8192;

    abstract static class Contract {
        BlockBackend rw;
        BlockBackend ro;

        abstract BlockBackend open(boolean readOnly) throws IOException;

        @BeforeEach
        void open() throws IOException {
            rw = open(false);
            ro = open(true);
        }

        @AfterEach
        void close() throws IOException {
            rw.close();
            ro.close();
        }

        @Test
        void sizeAndReadOnlyFlag() {
            assertEquals(SIZE, rw.size());
            assertFalse(rw.readOnly());
            assertTrue(ro.readOnly());
        }

        @Test
        void readsBackWhatWasWritten() throws IOException {
            byte[] data = new byte[1024];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 31);
            }
            rw.write(SIZE - 1024, ByteBuffer.wrap(data));
            rw.flush();
            ByteBuffer back = ByteBuffer.allocate(1024);
            rw.read(SIZE - 1024, back);
            assertFalse(back.hasRemaining());
            assertArrayEquals(data, back.array());
        }

        @Test
        void readingPastTheEndFails() {
            assertThrows(IOException.class, () -> rw.read(SIZE - 10, ByteBuffer.allocate(20)));
        }

        @Test
        void readOnlyRejectsWrites() throws IOException {
            assertThrows(IOException.class, () -> ro.write(0, ByteBuffer.allocate(512)));
            ro.flush(); // flushing a read-only image is harmless
        }
    }

    @Nested
    class RawFile extends Contract {
        @TempDir
        Path dir;

        @Override
        BlockBackend open(boolean readOnly) throws IOException {
            Path p = dir.resolve("disk.img");
            if (!Files.exists(p)) {
                Files.write(p, new byte[SIZE]);
            }
            return RawFileBackend.open(p, readOnly);
        }

        /** No buffering in Java: a completed write is in the file (the kernel's page cache) at once. */
        @Test
        void aWriteIsInTheFileBeforeAnyFlush() throws IOException {
            byte[] data = "not held in a Java buffer".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            rw.write(512, ByteBuffer.wrap(data));
            byte[] file = Files.readAllBytes(dir.resolve("disk.img"));
            assertArrayEquals(data, java.util.Arrays.copyOfRange(file, 512, 512 + data.length));
        }
    }

    /**
     * The copy-on-write overlay over a read-only raw file. Its read-only form is the base itself (an
     * overlay exists to take writes), so the read-only half of the contract checks the base as the
     * default disk's overlay sees it.
     */
    @Nested
    class CopyOnWrite extends Contract {
        @TempDir
        Path dir;

        @Override
        BlockBackend open(boolean readOnly) throws IOException {
            Path p = dir.resolve("base.img");
            if (!Files.exists(p)) {
                Files.write(p, new byte[SIZE]);
            }
            RawFileBackend base = RawFileBackend.open(p, true);
            return readOnly ? base : CopyOnWriteBackend.over(base, dir);
        }
    }

    @Nested
    class InMemory extends Contract {
        @Override
        BlockBackend open(boolean readOnly) {
            return new MemoryBlockBackend(SIZE, readOnly);
        }
    }
}
