package io.jvmm.machine.snapshot;

import io.jvmm.core.memory.GuestAddress;
import io.jvmm.core.memory.GuestRegion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class MemoryFileTest {
    @TempDir
    Path dir;

    private List<Path> listing() throws IOException {
        try (var s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void replaceLeavesTheNewFileInPlaceNothingBesideItAndAnOpenOldFileReadable() throws IOException {
        Path file = dir.resolve("memory.bin");
        Files.writeString(file, "old");
        Files.writeString(dir.resolve("memory.bin.old"), "stale, from an interrupted snapshot");
        try (FileChannel oldOpen = FileChannel.open(file)) { // a clone mapping the old file
            Path tmp = dir.resolve("memory.bin.tmp");
            Files.writeString(tmp, "new");
            MemoryFile.replace(file, tmp);
            assertEquals("new", Files.readString(file));
            assertEquals(List.of(file), listing());
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(3);
            oldOpen.read(b, 0);
            assertEquals("old", new String(b.array(), java.nio.charset.StandardCharsets.US_ASCII));
        }
        Path other = dir.resolve("state.json");
        Path tmp = dir.resolve("state.json.tmp");
        Files.writeString(tmp, "first");
        MemoryFile.replace(other, tmp); // no file there yet
        assertEquals("first", Files.readString(other));
        assertFalse(Files.exists(tmp));
    }

    @Test
    void aSecondWriteOverAStaleTemporaryFileHasOnlyTheNonZeroPagesAndTheRightLength() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ram = arena.allocate(8 * MemoryFile.PAGE, MemoryFile.PAGE);
            ram.set(ValueLayout.JAVA_BYTE, 2 * MemoryFile.PAGE + 5, (byte) 7);
            ram.set(ValueLayout.JAVA_BYTE, 7 * MemoryFile.PAGE, (byte) 9);
            Path file = dir.resolve("memory.bin");
            List<GuestRegion> regions = List.of(new GuestRegion(GuestAddress.of(0), ram));
            MemoryFile.write(file, regions, i -> -1);
            Files.write(dir.resolve("memory.bin.tmp"), new byte[3 * MemoryFile.PAGE + 1]); // left by an interrupted snapshot
            ram.set(ValueLayout.JAVA_BYTE, 7 * MemoryFile.PAGE, (byte) 10);
            MemoryFile.Written w = MemoryFile.write(file, regions, i -> -1);
            assertEquals(8L * MemoryFile.PAGE, w.length());
            assertEquals(2L * MemoryFile.PAGE, w.dataBytes());
            assertArrayEquals(ram.toArray(ValueLayout.JAVA_BYTE), Files.readAllBytes(file));
            assertEquals(List.of(file), listing());
        }
    }
}
