package io.jvmm.cli.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The density benchmark's measurements: memory accounting (MemAvailable, private file mappings) and idle CPU sampling. */
@Timeout(60)
class DensityMeasurementTest {
    @TempDir
    Path dir;

    @Test
    void memAvailableFromMeminfo() {
        assertEquals(20123456, ProcFs.parseMemAvailable(List.of("MemTotal:       24683656 kB", "MemFree:         1000000 kB",
                "MemAvailable:   20123456 kB", "Buffers:           12345 kB")));
        assertThrows(IllegalArgumentException.class, () -> ProcFs.parseMemAvailable(List.of("MemTotal: 1 kB")));
        long now = assertDoesNotFail();
        assertTrue(now > 0, "this host's MemAvailable: " + now);
    }

    private static long assertDoesNotFail() {
        try {
            return ProcFs.memAvailableKiB();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void smapsPrivateDirtyIsParsedPerMapping() {
        List<ProcFs.Mapping> m = ProcFs.parseSmaps(List.of(
                "7f0000000000-7f0010000000 rw-p 00000000 08:01 99                         /tmp/snap/memory.bin",
                "Rss:               20480 kB",
                "Anonymous:          1536 kB",
                "7f0010000000-7f0010001000 rw-p 00000000 00:00 0 ",
                "Rss:                   4 kB",
                "Anonymous:             4 kB"));
        assertEquals(20480, m.get(0).rssKiB());
        assertEquals(1536, m.get(0).anonymousKiB());
        assertEquals(4, m.get(1).anonymousKiB());
        assertEquals(List.of(m.get(0)), m.stream().filter(ProcFs.mappingOf(Path.of("/tmp/snap/memory.bin"))).toList());
    }

    /**
     * A restored guest's RAM is its snapshot's memory file mapped MAP_PRIVATE: pages it only reads are shared
     * page cache (in Rss), pages it writes are anonymous copies (smaps "Anonymous"). Checked against a mapping
     * of known use in this process.
     */
    @Test
    void privateFileMappingSeparatesReadPagesFromWrittenOnes() throws Exception {
        long size = 8L << 20;
        long read = 4L << 20;
        long written = 1L << 20;
        Path file = dir.resolve("memory.bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[(int) size]));
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE); // Java asks for both, even for PRIVATE
             Arena arena = Arena.ofConfined()) {
            MemorySegment m = ch.map(FileChannel.MapMode.PRIVATE, 0, size, arena);
            long sum = 0;
            for (long off = 0; off < read; off += 4096) {
                sum += m.get(ValueLayout.JAVA_BYTE, off);
            }
            for (long off = 0; off < written; off += 4096) {
                m.set(ValueLayout.JAVA_BYTE, off, (byte) 7);
            }
            ProcFs.MemoryReading r = ProcFs.measure(ProcessHandle.current().pid(), ProcFs.mappingOf(file));
            assertEquals(0, sum);
            // The read pages are in Rss beside the copies (3 to 4 MiB seen on tmpfs: not every read page stays mapped).
            assertTrue(r.guestRssKiB() > 2 * written / 1024 && r.guestRssKiB() <= size / 1024, r.toString());
            assertEquals(written / 1024, r.guestWrittenKiB(), r.toString());
        }
    }

    @Test
    void cpuPercentPerInstance() {
        assertEquals(21.25, DensityBench.cpuPercent(4250, 20000, 1), 1e-9);   // the idle guest measured this month
        assertEquals(2.5, DensityBench.cpuPercent(2000, 10000, 8), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> DensityBench.cpuPercent(1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> DensityBench.cpuPercent(1, 10, 0));
    }

    /** The sampler sees a busy process tree's CPU and (almost) none of an idle one's. */
    @Test
    void idleCpuSamplingOfProcessTrees() throws Exception {
        Process busy = new ProcessBuilder("/bin/sh", "-c", "sh -c 'while :; do :; done' & wait").start();
        Process idle = new ProcessBuilder("/bin/sh", "-c", "sleep 30 & wait").start();
        try {
            Thread.sleep(200);   // the grandchildren are started
            long b0 = ProcFs.treeCpuMs(busy.toHandle());
            long i0 = ProcFs.treeCpuMs(idle.toHandle());
            Thread.sleep(1500);
            long busyMs = ProcFs.treeCpuMs(busy.toHandle()) - b0;
            long idleMs = ProcFs.treeCpuMs(idle.toHandle()) - i0;
            // The spinning grandchild counts although it is not the root (a loaded 2-core host gives it less than 1.5 s).
            assertTrue(busyMs >= 150, "busy tree: " + busyMs + " ms of CPU in 1.5 s");
            assertTrue(idleMs <= 30, "idle tree: " + idleMs + " ms of CPU in 1.5 s");
        } finally {
            for (Process p : List.of(busy, idle)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
        assertEquals(0, ProcFs.processCpuMs(busy.pid()), "a process that is gone counts nothing");
    }

    @Test
    void resultArithmetic() {
        DensityBench.Result r = new DensityBench.Result("jvmm-clones", "t", "m", null, null, 4, 10.0, 1000.0,
                List.of(500.0, 600.0, 700.0, 1000.0), 0, 2_000_000L, 1_800_000L, 180_000L, 400L, 100_000L, 8_000L, 150_000L);
        assertEquals(200_000L, r.hostMemoryKiB());
        assertEquals(50_000.0, r.perInstanceKiB());
        assertEquals(45_000.0, r.cgroupPeakPerInstanceKiB());
        assertEquals(2_000.0, r.writtenPerInstanceKiB());
        assertEquals(1048576.0 / 50_000, r.instancesPerGiB(), 1e-9);
        assertEquals(1048576.0 / 45_000, r.instancesPerGiBByCgroupPeaks(), 1e-9);
        assertEquals(1.0, r.idleCpuPercentPerInstance(), 1e-9);     // 400 ms over 10 s, 4 instances
        assertTrue(r.measured());
        DensityBench.Result missing = new DensityBench.Result("crun", "t", "m", "crun is not installed", null, 4, 10.0,
                null, List.of(), 0, null, null, null, null, null, null, null);
        assertNull(missing.perInstanceKiB());
        assertNull(missing.instancesPerGiB());
        assertNull(missing.instancesPerGiBByCgroupPeaks());
        assertNull(missing.idleCpuPercentPerInstance());
        assertTrue(!missing.measured());
    }

    @Test
    void cloneHostRunsWithTheRestoreCacheAndASmallYoungGeneration() throws Exception {
        Path launch = Files.createDirectories(dir.resolve("launch"));
        Files.writeString(launch.resolve("jvmm-restore.aot"), "cache");
        List<String> java = List.of("/jdk/bin/java", "-XX:+UseSerialGC", "-XX:AOTCache=" + launch.resolve("jvmm.aot"),
                "--module-path", "x.jar", "-m", "io.jvmm.cli/io.jvmm.cli.Main");
        assertEquals(List.of("/jdk/bin/java", "-Xmn" + DensityBench.CLONE_HOST_YOUNG_GEN, "-XX:+UseSerialGC",
                "-XX:AOTCache=" + launch.resolve("jvmm-restore.aot"), "--module-path", "x.jar", "-m", "io.jvmm.cli/io.jvmm.cli.Main"),
                DensityBench.cloneHostCommand(java));
        // Options that size the young generation already are kept as they are.
        List<String> sized = List.of("/jdk/bin/java", "-XX:MaxNewSize=64m", "-m", "io.jvmm.cli/io.jvmm.cli.Main");
        assertEquals(sized, DensityBench.cloneHostCommand(sized));
    }
}
