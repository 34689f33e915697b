package io.jvmm.cli.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class QuietClockTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    @Test
    void parsesTheRunQueueWaitOfASchedstatLine() {
        assertEquals(456, QuietClock.parseRunQueueWait("123 456 7\n"));
        assertThrows(IllegalArgumentException.class, () -> QuietClock.parseRunQueueWait("123 456"));
        assertThrows(NumberFormatException.class, () -> QuietClock.parseRunQueueWait("a b c"));
    }

    @Test
    void timeSpentWaitingForACpuIsNotQuiet(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.writeString(a, "10 1000 1\n");
        Files.writeString(b, "10 2000 1\n");
        QuietClock clock = new QuietClock(() -> List.of(a, b));

        long output = 100 * S;
        // First sight of the output: the wait so far (3000 ns) becomes the baseline; quiet is wall time.
        assertEquals(S, clock.quietNanos(output, output + S));
        // The two vCPU threads then wait 1 s and 2 s for a CPU: 6 s of wall time is 3 s of quiet.
        Files.writeString(a, "10 " + (1000 + S) + " 5\n");
        Files.writeString(b, "10 " + (2000 + 2 * S) + " 5\n");
        assertEquals(3 * S, clock.quietNanos(output, output + 6 * S));
        assertEquals(3 * S, clock.waitedNanos());
        // Within the sampling period the files are not read again: the last reading holds.
        Files.writeString(a, "10 " + (1000 + 5 * S) + " 9\n");
        assertEquals(3 * S + 100 * MS, clock.quietNanos(output, output + 6 * S + 100 * MS));
        // After it they are (a waited 4 s more than the 6.3 s of wall time allow): quiet never goes below zero.
        assertEquals(0, clock.quietNanos(output, output + 6 * S + 300 * MS));
    }

    @Test
    void onCpuTimeSinceTheOutputIsReportedBesideTheQuietTime(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.writeString(a, "500 0 1\n");
        Files.writeString(b, "700 0 1\n");
        QuietClock clock = new QuietClock(() -> List.of(a, b));
        assertEquals(S, clock.quietNanos(0, S));
        assertEquals(0, clock.ranNanos());
        // a ran 2 s, b 1 s after the output and neither waited: all 5 s are quiet, 3 s of it on a CPU.
        Files.writeString(a, (500 + 2 * S) + " 0 4\n");
        Files.writeString(b, (700 + S) + " 0 4\n");
        assertEquals(5 * S, clock.quietNanos(0, 5 * S));
        assertEquals(3 * S, clock.ranNanos());
        // A new output: on-CPU time counts from there.
        assertEquals(S, clock.quietNanos(6 * S, 7 * S));
        assertEquals(0, clock.ranNanos());
    }

    @Test
    void aNewOutputStartsTheQuietTimeAgain(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a");
        Files.writeString(a, "0 0 0\n");
        QuietClock clock = new QuietClock(() -> List.of(a));
        assertEquals(S, clock.quietNanos(0, S));
        Files.writeString(a, "0 " + 2 * S + " 0\n");
        assertEquals(S, clock.quietNanos(0, 3 * S));
        // The guest printed at 4 s: the 2 s of wait before it are the new baseline, not subtracted again.
        assertEquals(S, clock.quietNanos(4 * S, 5 * S));
        assertEquals(3 * S, clock.quietNanos(4 * S, 7 * S));
    }

    @Test
    void withoutReadableFilesQuietIsWallTime(@TempDir Path dir) {
        QuietClock clock = new QuietClock(() -> List.of(dir.resolve("gone")));
        assertEquals(S, clock.quietNanos(0, S));
        assertEquals(7 * S, clock.quietNanos(0, 7 * S));
        // A process without threads named vcpu-N (this test's JVM, or a container) has no wait to take off.
        QuietClock self = QuietClock.ofProcess(ProcessHandle.current().pid());
        assertEquals(0, self.runQueueWaitNanos());
    }

    @Test
    void readsThisKernelsSchedstat() throws IOException {
        Path mine = Path.of("/proc/thread-self/schedstat");
        assumeTrue(Files.isReadable(mine), "this kernel has no per-thread schedstat (CONFIG_SCHEDSTATS)");
        long wait = QuietClock.parseRunQueueWait(Files.readString(mine));
        assertTrue(wait >= 0, "run-queue wait " + wait);
        assertEquals(wait, new QuietClock(() -> List.of(mine)).runQueueWaitNanos(), 50 * MS);
    }
}
