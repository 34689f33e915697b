package io.jvmm.boot;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitrdInflaterTest {
    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(data);
        }
        return bos.toByteArray();
    }

    @Test
    void gzipIsInflatedIncludingConcatenatedMembers() throws Exception {
        byte[] a = "070701first-member".getBytes();
        byte[] b = "070701second-member".getBytes();
        MemorySegment both = MemorySegment.ofArray(concat(gzip(a), gzip(b)));
        assertTrue(InitrdInflater.isGzip(both));
        assertArrayEquals(concat(a, b), InitrdInflater.inflate(both, 1 << 20).toArray(ValueLayout.JAVA_BYTE));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(a.length + b.length, InitrdInflater.inflateTo(both, out, 1 << 20));
        assertArrayEquals(concat(a, b), out.toByteArray());
    }

    @Test
    void anythingElseIsPassedThroughUntouched() throws Exception {
        MemorySegment cpio = MemorySegment.ofArray("070701plain".getBytes());
        assertFalse(InitrdInflater.isGzip(cpio));
        assertSame(cpio, InitrdInflater.inflate(cpio, 1 << 20));
        byte[] whole = gzip(new byte[1000]);
        MemorySegment truncated = MemorySegment.ofArray(Arrays.copyOf(whole, whole.length / 2));
        assertSame(truncated, InitrdInflater.inflate(truncated, 1 << 20));
        assertEquals(-1, InitrdInflater.inflateTo(truncated, new ByteArrayOutputStream(), 1 << 20));
        byte[] crc = whole.clone();
        crc[crc.length - 8] ^= 0x55; // the trailer's CRC32 no longer matches the data
        MemorySegment corrupt = MemorySegment.ofArray(crc);
        assertSame(corrupt, InitrdInflater.inflate(corrupt, 1 << 20));
        MemorySegment bomb = MemorySegment.ofArray(gzip(new byte[4 << 20])); // 4 MiB of zeros: over the limit
        assertSame(bomb, InitrdInflater.inflate(bomb, 1 << 20));
        assertEquals(-1, InitrdInflater.inflateTo(bomb, new ByteArrayOutputStream(), 1 << 20));
        assertSame(null, InitrdInflater.inflate(null, 1));
        MemorySegment oneByte = MemorySegment.ofArray(new byte[] {0x1f});
        assertSame(oneByte, InitrdInflater.inflate(oneByte, 1 << 20));
    }

    static byte[] concat(byte[] x, byte[] y) {
        byte[] out = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
