package io.jvmm.images.build;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CpioWriterTest {
    /** One parsed newc entry (test-side reader, independent of the writer's code). */
    record Entry(String name, int mode, int nlink, int rdevMajor, int rdevMinor, byte[] data) { }

    static List<Entry> read(byte[] archive) {
        List<Entry> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            String h = new String(archive, pos, 110, StandardCharsets.US_ASCII);
            assertEquals("070701", h.substring(0, 6), "magic at " + pos);
            long[] f = new long[13];
            for (int i = 0; i < 13; i++) {
                f[i] = Long.parseLong(h.substring(6 + 8 * i, 14 + 8 * i), 16);
            }
            int nameSize = (int) f[11];
            String name = new String(archive, pos + 110, nameSize - 1, StandardCharsets.UTF_8);
            assertEquals(0, archive[pos + 110 + nameSize - 1], "name NUL");
            pos = align4(pos + 110 + nameSize);
            int size = (int) f[6];
            byte[] data = Arrays.copyOfRange(archive, pos, pos + size);
            pos = align4(pos + size);
            if (name.equals("TRAILER!!!")) {
                assertEquals(archive.length, pos, "trailer ends the archive");
                return out;
            }
            out.add(new Entry(name, (int) f[1], (int) f[4], (int) f[9], (int) f[10], data));
        }
    }

    private static int align4(int v) {
        return (v + 3) & ~3;
    }

    private static byte[] sample() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (CpioWriter w = new CpioWriter(bytes, 0)) {
            w.directory("/bin", 0755);
            w.file("/bin/busybox", 0755, "not really busybox".getBytes(StandardCharsets.US_ASCII));
            w.symlink("/bin/sh", "busybox");
            w.directory("/dev", 0755);
            w.charDevice("/dev/console", 0600, 5, 1);
            w.file("/init", 0755, "#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII));
            w.file("/empty", 0644, new byte[0]);
        }
        return bytes.toByteArray();
    }

    @Test
    void roundTripThroughOwnReader() throws IOException {
        byte[] archive = sample();
        assertEquals(0, archive.length % 4);
        List<Entry> e = read(archive);
        assertEquals(List.of("bin", "bin/busybox", "bin/sh", "dev", "dev/console", "init", "empty"),
                e.stream().map(Entry::name).toList());
        assertEquals(CpioWriter.S_IFDIR | 0755, e.get(0).mode());
        assertEquals(CpioWriter.S_IFREG | 0755, e.get(1).mode());
        assertArrayEquals("not really busybox".getBytes(StandardCharsets.US_ASCII), e.get(1).data());
        assertEquals(CpioWriter.S_IFLNK | 0777, e.get(2).mode());
        assertArrayEquals("busybox".getBytes(StandardCharsets.US_ASCII), e.get(2).data());
        assertEquals(CpioWriter.S_IFCHR | 0600, e.get(4).mode());
        assertEquals(5, e.get(4).rdevMajor());
        assertEquals(1, e.get(4).rdevMinor());
        assertEquals(0, e.get(6).data().length);
    }

    @Test
    void sameTreeGivesSameBytes() throws IOException {
        assertArrayEquals(sample(), sample());
    }

    @Test
    void gnuCpioListsWhatWasWritten(@TempDir Path dir) throws Exception {
        assumeTrue(Host.findOnPath("cpio").isPresent(), "GNU cpio not installed: apt-get install cpio (or run .ci/install-test-tools)");
        Path archive = dir.resolve("a.cpio");
        Files.write(archive, sample());
        Process p = new ProcessBuilder("cpio", "-t", "-v", "-F", archive.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        List<String> lines = out.lines().filter(l -> !l.endsWith("blocks") && !l.endsWith("block")).toList();
        assertEquals(7, lines.size(), out);
        assertEquals('d', lines.get(0).charAt(0));
        assertEquals(true, lines.get(1).startsWith("-rwxr-xr-x") && lines.get(1).endsWith(" bin/busybox"), lines.get(1));
        assertEquals(true, lines.get(2).startsWith("l") && lines.get(2).endsWith("bin/sh -> busybox"), lines.get(2));
        assertEquals(true, lines.get(4).startsWith("crw-------") && lines.get(4).contains("5,") && lines.get(4).endsWith("dev/console"),
                lines.get(4));
        assertEquals(true, lines.get(5).endsWith(" init"), lines.get(5));
    }

    @Test
    void rejectsDuplicatesAndBadNames() throws IOException {
        CpioWriter w = new CpioWriter(new ByteArrayOutputStream(), 0);
        w.directory("/bin", 0755);
        assertThrows(IllegalArgumentException.class, () -> w.directory("bin", 0755));
        assertThrows(IllegalArgumentException.class, () -> w.file("/", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> w.file("/a//b", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> w.file("TRAILER!!!", 0644, new byte[0]));
        w.finish();
        assertThrows(IllegalStateException.class, () -> w.directory("/etc", 0755));
    }
}
