package io.jvmm.images;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitramfsAppendixTest {

    @Test
    void appendedArchiveFollowsTheBaseAndInflatesAsOneStream(@TempDir Path dir) throws IOException {
        byte[] baseCpio = "BASE-ARCHIVE".getBytes(StandardCharsets.US_ASCII);
        Path base = dir.resolve("initramfs.cpio.gz");
        try (var gz = new GZIPOutputStream(Files.newOutputStream(base))) {
            gz.write(baseCpio);
        }
        Path target = dir.resolve("extended.cpio.gz");
        InitramfsAppendix.writeExtended(base, Map.of("/bin/probe", new byte[] {1, 2, 3}), target);

        byte[] all;
        try (var in = new GZIPInputStream(new ByteArrayInputStream(Files.readAllBytes(target)))) {
            all = in.readAllBytes();
        }
        String text = new String(all, StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("BASE-ARCHIVE070701"), "base first, then a newc header: " + text);
        // The entry: header (110 bytes) + "bin/probe\0" padded to 4, then the 3 data bytes.
        int header = "BASE-ARCHIVE".length();
        assertEquals("bin/probe", text.substring(header + 110, header + 119));
        assertEquals(Integer.toHexString(0100755).toUpperCase(), text.substring(header + 14, header + 22).replaceFirst("^0+", ""));
        int nameEnd = header + 110 + "bin/probe".length() + 1;
        int aligned = header + ((nameEnd - header + 3) & ~3);
        assertArrayEquals(new byte[] {1, 2, 3}, java.util.Arrays.copyOfRange(all, aligned, aligned + 3));
        assertTrue(text.contains("TRAILER!!!"), "archive finished");
    }
}
