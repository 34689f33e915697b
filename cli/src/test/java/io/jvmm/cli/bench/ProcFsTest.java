package io.jvmm.cli.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcFsTest {
    private static final List<String> SMAPS = List.of(
            "55d0c0a00000-55d0c0a21000 r--p 00000000 08:01 1234                       /usr/bin/qemu-system-x86_64",
            "Size:                132 kB",
            "Rss:                 128 kB",
            "Pss:                 128 kB",
            "VmFlags: rd mr mw me sd",
            "7f0000000000-7f0010000000 rw-s 00000000 00:01 5678                       /dev/zero (deleted)",
            "Size:             262144 kB",
            "Rss:               10240 kB",
            "7f0010000000-7f0010001000 rw-p 00000000 00:00 0 ",
            "Rss:                   4 kB");

    @Test
    void parsesMappingsNamesAndRss() {
        List<ProcFs.Mapping> m = ProcFs.parseSmaps(SMAPS);
        assertEquals(3, m.size());
        assertEquals(0x55d0c0a00000L, m.get(0).start());
        assertEquals("/usr/bin/qemu-system-x86_64", m.get(0).name());
        assertEquals(128, m.get(0).rssKiB());
        assertEquals("/dev/zero (deleted)", m.get(1).name());
        assertEquals(256L << 20, m.get(1).size());
        assertEquals(10240, m.get(1).rssKiB());
        assertEquals("", m.get(2).name());
        assertEquals(4, m.get(2).rssKiB());
    }

    @Test
    void guestRamBySizeOrByAddress() {
        List<ProcFs.Mapping> m = ProcFs.parseSmaps(SMAPS);
        assertEquals(List.of(m.get(1)), m.stream().filter(ProcFs.ramSized(256L << 20)).toList());
        assertEquals(List.of(m.get(1)), m.stream().filter(ProcFs.overlapping(List.of(new long[] {0x7f0000001000L, 0x7f0000002000L}))).toList());
        assertEquals(List.of(), m.stream().filter(ProcFs.ramSized(512L << 20)).toList());
    }

    @Test
    void fieldsSplitOnRunsOfBlanks() {
        assertEquals("/dev/zero (deleted)", ProcFs.field("7f00-7f10 rw-s 00000000 00:01 5678 \t  /dev/zero (deleted)  ", 5));
        assertEquals("", ProcFs.field("7f00-7f10 rw-p 00000000 00:00 0   ", 5));
        assertEquals(1234, ProcFs.kib("Rss:            1234 kB"));
        assertEquals(0, ProcFs.kib("Rss:"));
    }

    @Test
    void rollupRss() {
        assertEquals(10372, ProcFs.parseRollupRss(List.of("00400000-7ffc0000 ---p 00000000 00:00 0  [rollup]",
                "Rss:               10372 kB", "Pss:                9000 kB")));
    }

    @Test
    void statCpuTimesSurviveSpacesAndParenthesesInTheName() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
        String stat = "42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 250 30 7 3 20 0 1 0 100 0 0";
        assertArrayEquals(new long[] {2500, 300, 70, 30}, ProcFs.parseStatCpuMs(stat));
    }

    @TempDir
    Path dir;

    /**
     * The memory accounting against this very process, with a guest-RAM-like mapping of known use: shared,
     * as jvmm's guest RAM is (jvmm's is anonymous, which smaps names /dev/zero; this one is a file, as the
     * front end cannot map anonymous shared memory itself).
     */
    @Test
    void measuresATouchedSharedMapping() throws Exception {
        long size = 8L << 20;
        long touched = 3L << 20;
        Path file = dir.resolve("guest-ram");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                     StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            for (long off = 0; off < touched; off += 4096) {
                m.set(ValueLayout.JAVA_BYTE, off, (byte) 1);
            }
            long pid = ProcessHandle.current().pid();
            List<long[]> range = List.of(new long[] {m.address(), m.address() + size});
            ProcFs.MemoryReading r = ProcFs.measure(pid, ProcFs.overlapping(range));
            // shmem transparent huge pages could round up to 2 MiB; 3 MiB of 4 KiB pages is the usual answer.
            assertTrue(r.guestRssKiB() >= touched / 1024 && r.guestRssKiB() < (touched + (2L << 20)) / 1024, r.toString());
            assertTrue(r.totalRssKiB() > r.guestRssKiB(), r.toString());
            assertEquals(r.totalRssKiB() - r.guestRssKiB(), r.vmmRssKiB());

            ProcFs.Mapping seen = ProcFs.parseSmaps(Files.readAllLines(Path.of("/proc/self/smaps"))).stream()
                    .filter(x -> x.start() == m.address()).findFirst().orElseThrow();
            assertEquals(file.toString(), seen.name());
            assertEquals(size, seen.size());
        }
    }
}
