package io.jvmm.boot;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitrdInflaterTest {
    private static byte[] gzip(byte[] data) throws Exception {
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
        byte[] both = new byte[0];
        both = concat(gzip(a), gzip(b));
        assertTrue(InitrdInflater.isGzip(both));
        assertArrayEquals(concat(a, b), InitrdInflater.inflate(both, 1 << 20));
    }

    @Test
    void anythingElseIsPassedThroughUntouched() throws Exception {
        byte[] cpio = "070701plain".getBytes();
        assertSame(cpio, InitrdInflater.inflate(cpio, 1 << 20));
        byte[] corrupt = gzip(new byte[1000]);
        corrupt = Arrays.copyOf(corrupt, corrupt.length / 2); // truncated stream
        assertSame(corrupt, InitrdInflater.inflate(corrupt, 1 << 20));
        byte[] bomb = gzip(new byte[4 << 20]);             // 4 MiB of zeros: over the limit
        assertSame(bomb, InitrdInflater.inflate(bomb, 1 << 20));
        assertSame(null, InitrdInflater.inflate(null, 1));
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] out = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
